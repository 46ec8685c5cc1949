//! The profile (product.md §3): what the portal holds about the person, for display, and
//! changing the contacts, which needs the current password and is recorded in the history.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, SqlErr,
    TransactionTrait, sea_query::Expr,
};

use crate::{
    accounts::find_account,
    entities::account,
    history::{self, EventKind, NewEvent},
    identity::PhoneProblem,
    password::{HashError, PasswordHasher},
    reauthentication::Reauthentication,
    throttle::{Throttle, Throttled},
    validate,
};

/// An identifier with all but its first and last two digits hidden.
pub fn mask(identifier: &str) -> String {
    let chars: Vec<char> = identifier.chars().collect();
    if chars.len() <= 4 {
        return "•".repeat(chars.len());
    }
    let hidden = "•".repeat(chars.len() - 4);
    format!(
        "{}{hidden}{}",
        chars[..2].iter().collect::<String>(),
        chars[chars.len() - 2..].iter().collect::<String>()
    )
}

/// The birth date a PIN encodes (digits 2–9 are DDMMYYYY).
pub fn birth_date(pin: &str) -> Option<NaiveDate> {
    let digits = pin.get(1..9)?;
    NaiveDate::parse_from_str(digits, "%d%m%Y").ok()
}

/// Why new contacts were refused, by field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactProblem {
    /// Neither an email nor a phone.
    ContactMissing,
    EmailInvalid,
    EmailTaken,
    Phone(PhoneProblem),
    CurrentPasswordWrong,
}

impl ContactProblem {
    /// The form field the problem belongs to.
    pub fn field(self) -> &'static str {
        match self {
            Self::ContactMissing | Self::EmailInvalid | Self::EmailTaken => "email",
            Self::Phone(_) => "phone",
            Self::CurrentPasswordWrong => "current_password",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("the contacts are refused: {0:?}")]
    Invalid(Vec<ContactProblem>),
    #[error("the account does not exist")]
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

crate::reauthentication::from_reauth_error!(ContactError);

/// New contacts, as typed.
#[derive(Clone, Debug, Default)]
pub struct ContactChange<'a> {
    pub account_id: i64,
    /// The session asking (ended after too many wrong passwords).
    pub session_id: i64,
    pub email: &'a str,
    pub phone: &'a str,
    pub current_password: &'a str,
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// Replaces the account's email and phone after checking the current password. Returns
/// which of them changed (`email`, `phone`); the history records that, not the values.
pub async fn change_contacts(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    change: &ContactChange<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<&'static str>, ContactError> {
    use ContactProblem as P;
    let account_id = change.account_id;
    let account = find_account(db, account_id)
        .await?
        .ok_or(ContactError::NoAccount)?;
    let (contacts, contact_problems) = validate::contacts(change.email, change.phone);
    let mut problems: Vec<ContactProblem> = contact_problems
        .into_iter()
        .map(|problem| match problem {
            validate::ContactProblem::Missing => P::ContactMissing,
            validate::ContactProblem::EmailInvalid => P::EmailInvalid,
            validate::ContactProblem::Phone(problem) => P::Phone(problem),
        })
        .collect();
    let validate::Contacts { email, phone } = contacts;
    let reauth = Reauthentication::of(
        hasher,
        throttle,
        &account,
        change.session_id,
        change.address,
        change.user_agent,
    );
    if change.current_password.is_empty()
        || !reauth.password(db, change.current_password, now).await?
    {
        problems.push(P::CurrentPasswordWrong);
    }
    if problems.is_empty()
        && let Some(email) = &email
        && account.email.as_ref() != Some(email)
    {
        let taken = account::Entity::find()
            .filter(account::Column::Email.eq(email))
            .filter(account::Column::Id.ne(account_id))
            .one(db)
            .await?
            .is_some();
        if taken {
            problems.push(P::EmailTaken);
        }
    }
    if !problems.is_empty() {
        return Err(ContactError::Invalid(problems));
    }
    let mut changed = Vec::new();
    if account.email != email {
        changed.push("email");
    }
    if account.phone != phone {
        changed.push("phone");
    }
    if changed.is_empty() {
        reauth.succeeded(db).await?;
        return Ok(changed);
    }
    let txn = db.begin().await?;
    account::Entity::find_by_id(account_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    if !crate::sessions::is_active(&txn, change.session_id).await? {
        return Err(ContactError::SessionEnded);
    }
    let updated = account::Entity::update_many()
        .col_expr(account::Column::Email, Expr::value(email))
        .col_expr(account::Column::Phone, Expr::value(phone))
        .filter(account::Column::Id.eq(account_id))
        .exec(&txn)
        .await;
    match updated {
        Ok(_) => {}
        // Someone took the same email a moment ago.
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ContactError::Invalid(vec![P::EmailTaken]));
        }
        Err(error) => return Err(error.into()),
    }
    reauth.succeeded(&txn).await?;
    history::record(
        &txn,
        NewEvent::by_user(
            account_id,
            EventKind::ContactChanged,
            change.address,
            change.user_agent,
            now,
        )
        .with_details(serde_json::json!({ "changed": changed })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(account_id, ?changed, "contacts changed");
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_masked_and_birth_dates_read() {
        assert_eq!(mask("21503199000123"), "21••••••••••23");
        assert_eq!(mask("123"), "•••");
        assert_eq!(
            birth_date("21503199000123"),
            NaiveDate::from_ymd_opt(1990, 3, 15)
        );
        assert_eq!(birth_date("29999999000123"), None);
        assert_eq!(birth_date("2"), None);
    }
}
