//! Turning the second factor on and off.
//!
//! On: the user asks for a secret (a POST: a page view changes nothing); a fresh one is
//! drawn for this session and shown for [`ENROLMENT_LIFETIME`]; the current password and a
//! code the app made from it turn the second factor on, and the ten recovery codes are
//! returned once. A password change or a report of unauthorized access wipes an
//! unconfirmed secret. Off: the current password and a code (or a recovery code).
//! Passwords and codes are checked through [`crate::reauthentication`], so wrong ones count
//! against the account and enough of them end the session.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait, sea_query::Expr,
};

use super::{CodeOutcome, RECOVERY_CODES, new_recovery_code, recovery_hash, totp};
use crate::{
    accounts::find_account,
    entities::{account, recovery_code, second_factor},
    password::{HashError, PasswordHasher},
    reauthentication::Reauthentication,
    throttle::{Throttle, Throttled},
};

/// How long a secret waits for its confirming code.
pub const ENROLMENT_LIFETIME: Duration = Duration::minutes(10);

/// What the enrolment page shows: the secret as text and inside the `otpauth://` address
/// that the QR code carries, and until when it can be confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a change of the second factor was refused. Declared in the order of the forms'
/// fields, which is the order they are reported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecondFactorProblem {
    PasswordMissing,
    PasswordWrong,
    CodeMissing,
    CodeWrong,
    /// Too many wrong codes lately: every code is refused until then.
    Locked {
        until: DateTime<Utc>,
    },
    /// The second factor is already on (enrol again only after turning it off).
    AlreadyOn,
    /// No secret is waiting for this session (never asked for, expired, or replaced).
    NotEnrolling,
    /// There is no second factor to turn off.
    NotOn,
}

#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    #[error("refused: {0:?}")]
    Invalid(Vec<SecondFactorProblem>),
    #[error("too many wrong passwords or codes; the session was ended")]
    SessionEnded,
    #[error("too many attempts; retry at {}", .0.retry_at)]
    Throttled(Throttled),
    #[error("the account no longer exists")]
    NoAccount,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

crate::reauthentication::from_reauth_error!(SecondFactorError);

fn refuse<T>(problem: SecondFactorProblem) -> Result<T, SecondFactorError> {
    Err(SecondFactorError::Invalid(vec![problem]))
}

/// The label the app shows next to the codes: the end of the identifier is enough to tell
/// two accounts apart without putting a whole PIN on the phone's screen.
fn label_of(account: &account::Model) -> String {
    let digits = &account.identifier;
    // Identifiers are ASCII digits, so this slice is on a character boundary.
    let tail = digits
        .get(digits.len().saturating_sub(4)..)
        .unwrap_or_default();
    format!("…{tail}")
}

fn enrolment_of(row: &second_factor::Model, account: &account::Model) -> Enrolment {
    Enrolment {
        uri: totp::otpauth_uri(&row.secret, &label_of(account)).unwrap_or_default(),
        secret: row.secret.clone(),
        expires_at: row.created_at + ENROLMENT_LIFETIME,
    }
}

/// Draws a fresh secret for `session_id` (replacing any unconfirmed one). Refused while
/// the second factor is on.
pub async fn start_enrolment(
    db: &DatabaseConnection,
    account_id: i64,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<Enrolment, SecondFactorError> {
    let account = find_account(db, account_id)
        .await?
        .ok_or(SecondFactorError::NoAccount)?;
    let txn = db.begin().await?;
    let removed = second_factor::Entity::delete_many()
        .filter(second_factor::Column::AccountId.eq(account_id))
        .filter(second_factor::Column::ConfirmedAt.is_null())
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 && super::is_on(&txn, account_id).await? {
        return refuse(SecondFactorProblem::AlreadyOn);
    }
    let row = second_factor::ActiveModel {
        account_id: Set(account_id),
        secret: Set(totp::new_secret()),
        created_at: Set(now),
        confirmed_at: Set(None),
        last_used_step: Set(None),
        session_id: Set(Some(session_id)),
        failed_codes: Set(0),
        locked_until: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(enrolment_of(&row, &account))
}

/// The secret waiting for this session's confirmation, if any (a page view only reads).
pub async fn pending_enrolment(
    db: &DatabaseConnection,
    account_id: i64,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Enrolment>, DbErr> {
    let Some(account) = find_account(db, account_id).await? else {
        return Ok(None);
    };
    Ok(second_factor::Entity::find_by_id(account_id)
        .filter(second_factor::Column::ConfirmedAt.is_null())
        .filter(second_factor::Column::SessionId.eq(session_id))
        .filter(second_factor::Column::CreatedAt.gt(now - ENROLMENT_LIFETIME))
        .one(db)
        .await?
        .map(|row| enrolment_of(&row, &account)))
}

/// What the user typed to confirm a change of the second factor.
#[derive(Clone, Copy, Debug)]
pub struct Proof<'a> {
    pub account_id: i64,
    pub session_id: i64,
    pub password: &'a str,
    pub code: &'a str,
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// Turns the second factor on if the password is right and `code` comes from this
/// session's secret, and returns the recovery codes: the only time they exist outside the
/// user's hands unhashed.
pub async fn confirm_enrolment(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    proof: &Proof<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, SecondFactorError> {
    use SecondFactorProblem as P;
    let account = find_account(db, proof.account_id)
        .await?
        .ok_or(SecondFactorError::NoAccount)?;
    if super::is_on(db, proof.account_id).await? {
        return refuse(P::AlreadyOn);
    }
    let Some(pending) = pending_enrolment(db, proof.account_id, proof.session_id, now).await?
    else {
        return refuse(P::NotEnrolling);
    };
    missing(proof)?;
    let reauth = reauthentication(hasher, throttle, &account, proof);
    if !reauth.password(db, proof.password, now).await? {
        return refuse(P::PasswordWrong);
    }
    let Some(step) = totp::as_totp(proof.code)
        .and_then(|digits| totp::matching_step(&pending.secret, &digits, now, None))
    else {
        return refuse(P::CodeWrong);
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let txn = db.begin().await?;
    let confirmed = second_factor::Entity::update_many()
        .col_expr(second_factor::Column::ConfirmedAt, Expr::value(now))
        .col_expr(second_factor::Column::LastUsedStep, Expr::value(step))
        .col_expr(second_factor::Column::SessionId, Expr::value(None::<i64>))
        .filter(second_factor::Column::AccountId.eq(proof.account_id))
        .filter(second_factor::Column::Secret.eq(&pending.secret))
        .filter(second_factor::Column::ConfirmedAt.is_null())
        .exec(&txn)
        .await?;
    if confirmed.rows_affected != 1 {
        // Confirmed, replaced or wiped meanwhile from another tab.
        return refuse(P::NotEnrolling);
    }
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(proof.account_id))
        .exec(&txn)
        .await?;
    recovery_code::Entity::insert_many(codes.iter().map(|code| recovery_code::ActiveModel {
        account_id: Set(proof.account_id),
        code_hash: Set(recovery_hash(code)),
        used_at: Set(None),
        ..Default::default()
    }))
    .exec(&txn)
    .await?;
    reauth.succeeded(&txn).await?;
    txn.commit().await?;
    tracing::info!(account_id = proof.account_id, "second factor turned on");
    Ok(codes)
}

fn reauthentication<'a>(
    hasher: &'a PasswordHasher,
    throttle: &'a Throttle,
    account: &'a account::Model,
    proof: &Proof<'a>,
) -> Reauthentication<'a> {
    Reauthentication::of(
        hasher,
        throttle,
        account,
        proof.session_id,
        proof.address,
        proof.user_agent,
    )
}

/// The password and the code a change of the second factor needs, as far as they are
/// missing (in the order of the form).
fn missing(proof: &Proof<'_>) -> Result<(), SecondFactorError> {
    let mut problems = Vec::new();
    if proof.password.is_empty() {
        problems.push(SecondFactorProblem::PasswordMissing);
    }
    if proof.code.trim().is_empty() {
        problems.push(SecondFactorProblem::CodeMissing);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SecondFactorError::Invalid(problems))
    }
}

/// Turns the second factor off; needs the current password and a code (or a recovery
/// code), so that a session alone (or a password alone) cannot.
pub async fn turn_off(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    proof: &Proof<'_>,
    now: DateTime<Utc>,
) -> Result<(), SecondFactorError> {
    use SecondFactorProblem as P;
    let account = find_account(db, proof.account_id)
        .await?
        .ok_or(SecondFactorError::NoAccount)?;
    if !super::is_on(db, proof.account_id).await? {
        return refuse(P::NotOn);
    }
    missing(proof)?;
    let reauth = reauthentication(hasher, throttle, &account, proof);
    if !reauth.password(db, proof.password, now).await? {
        return refuse(P::PasswordWrong);
    }
    match reauth.code(db, proof.code, now).await? {
        CodeOutcome::Accepted => {}
        CodeOutcome::Wrong => return refuse(P::CodeWrong),
        CodeOutcome::Locked { until } => return refuse(P::Locked { until }),
    }
    let txn = db.begin().await?;
    second_factor::Entity::delete_by_id(proof.account_id)
        .exec(&txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(proof.account_id))
        .exec(&txn)
        .await?;
    reauth.succeeded(&txn).await?;
    txn.commit().await?;
    tracing::info!(account_id = proof.account_id, "second factor turned off");
    Ok(())
}

/// Forgets an unconfirmed secret (after a password change or a report).
pub async fn wipe_unconfirmed(
    db: &impl sea_orm::ConnectionTrait,
    account_id: i64,
) -> Result<(), DbErr> {
    second_factor::Entity::delete_many()
        .filter(second_factor::Column::AccountId.eq(account_id))
        .filter(second_factor::Column::ConfirmedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
