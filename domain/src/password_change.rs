//! Changing the password from the cabinet: the current password is required, the new one
//! meets the policy, and every other session of the account ends.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::Expr,
};

use crate::{
    accounts::find_account,
    entities::account,
    inbox,
    password::{self, HashError, PasswordHasher, PasswordProblem},
    sessions,
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
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Replaces the password and ends every session of the account except `keep_session`.
/// Returns how many sessions were ended.
pub async fn change_password(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    account_id: i64,
    keep_session: i64,
    current: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<u64, PasswordChangeError> {
    use PasswordChangeProblem as P;
    let account = find_account(db, account_id)
        .await?
        .ok_or(PasswordChangeError::NoAccount)?;
    if !hasher.verify(current, Some(&account.password_hash)).await? {
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
    account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Expr::value(hash))
        .filter(account::Column::Id.eq(account_id))
        .exec(&txn)
        .await?;
    let ended = sessions::revoke_other_sessions(
        &txn,
        account_id,
        Some(keep_session),
        "password_changed",
        now,
    )
    .await?;
    inbox::password_changed(&txn, account_id, now).await?;
    txn.commit().await?;
    tracing::info!(account_id, ended, "password changed");
    Ok(ended)
}
