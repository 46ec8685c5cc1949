//! Changing the password from the cabinet: the current password is required (and counted
//! like a sign-in when wrong, see `crate::reauthentication`), the new one meets the policy,
//! every other session of the account ends, and pending sign-ins and an unconfirmed
//! second-factor secret are dropped.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait, sea_query::Expr,
};

use crate::{
    accounts::find_account,
    entities::account,
    inbox,
    password::{self, HashError, PasswordHasher, PasswordProblem},
    reauthentication::Reauthentication,
    second_factor, sessions,
    throttle::{Throttle, Throttled},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordChangeProblem {
    /// The current password is missing or wrong.
    CurrentPasswordWrong,
    NewPassword(PasswordProblem),
    /// The new password is the current one.
    Unchanged,
}

impl PasswordChangeProblem {
    pub fn field(self) -> &'static str {
        match self {
            Self::CurrentPasswordWrong => "current_password",
            Self::NewPassword(_) | Self::Unchanged => "new_password",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("the password was not changed: {0:?}")]
    Invalid(PasswordChangeProblem),
    #[error("the account no longer exists")]
    NoAccount,
    #[error("too many wrong passwords; the session was ended")]
    SessionEnded,
    #[error("too many attempts; retry at {}", .0.retry_at)]
    Throttled(Throttled),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

crate::reauthentication::from_reauth_error!(PasswordChangeError);

/// What the form sent, and where from.
#[derive(Clone, Copy, Debug)]
pub struct PasswordChange<'a> {
    pub account_id: i64,
    /// The session making the change: it stays, every other one ends.
    pub session_id: i64,
    pub current: &'a str,
    pub new: &'a str,
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// Replaces the password and ends every session of the account except the one making the
/// change. Returns how many sessions were ended.
pub async fn change_password(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    change: &PasswordChange<'_>,
    now: DateTime<Utc>,
) -> Result<u64, PasswordChangeError> {
    use PasswordChangeProblem as P;
    let (account_id, current, new) = (change.account_id, change.current, change.new);
    let account = find_account(db, account_id)
        .await?
        .ok_or(PasswordChangeError::NoAccount)?;
    if current.is_empty() {
        return Err(PasswordChangeError::Invalid(P::CurrentPasswordWrong));
    }
    let reauth = Reauthentication::of(
        hasher,
        throttle,
        &account,
        change.session_id,
        change.address,
        change.user_agent,
    );
    if !reauth.password(db, current, now).await? {
        return Err(PasswordChangeError::Invalid(P::CurrentPasswordWrong));
    }
    if current == new {
        return Err(PasswordChangeError::Invalid(P::Unchanged));
    }
    let identifiers = crate::accounts::identifiers(&account);
    password::check_new_password(new, &identifiers)
        .map_err(|problem| PasswordChangeError::Invalid(P::NewPassword(problem)))?;
    let hash = hasher.hash(new).await?;

    let txn = db.begin().await?;
    // Locked, then the session checked: a report that ended every session a moment ago
    // is not outrun by a change made on the strength of one of them.
    account::Entity::find_by_id(account_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    if !sessions::is_active(&txn, change.session_id).await? {
        return Err(PasswordChangeError::SessionEnded);
    }
    account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Expr::value(hash))
        .filter(account::Column::Id.eq(account_id))
        .exec(&txn)
        .await?;
    let ended = sessions::revoke_other_sessions(
        &txn,
        account_id,
        Some(change.session_id),
        "password_changed",
        now,
    )
    .await?;
    second_factor::challenge::close_challenges(&txn, account_id).await?;
    second_factor::enrolment::wipe_unconfirmed(&txn, account_id).await?;
    inbox::password_changed(&txn, account_id, now).await?;
    reauth.succeeded(&txn).await?;
    txn.commit().await?;
    tracing::info!(account_id, ended, "password changed");
    Ok(ended)
}
