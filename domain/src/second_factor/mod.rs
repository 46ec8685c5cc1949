//! The optional second factor (product.md §1): time-based one-time codes from an
//! authenticator app ([`totp`]), and ten one-time recovery codes for the day the phone is
//! lost.
//!
//! - [`enrolment`]: turning it on (a fresh secret for ten minutes, confirmed with the
//!   password and a code) and off (the password and a code).
//! - [`challenge`]: the second step of a sign-in.
//! - Here: its state, spending a code, and the lock. A code is accepted once: the step of
//!   the last accepted TOTP code is advanced by a compare-and-set, a recovery code is marked
//!   used by a conditional update, so two requests with one code make one session. After
//!   [`LOCK_AFTER`] wrong codes in a row (from any sign-in or in-session check) the second
//!   factor refuses every code for [`LOCK_DURATION`] and the owner is told in the inbox:
//!   whoever types them knows the password.

pub mod challenge;
pub mod enrolment;
pub mod totp;

pub use challenge::{
    CHALLENGE_ATTEMPTS, CHALLENGE_LIFETIME, ChallengeAnswer, ChallengeError, answer_challenge,
    challenge_is_open, open_challenge,
};
pub use enrolment::{
    ENROLMENT_LIFETIME, Enrolment, SecondFactorError, SecondFactorProblem, confirm_enrolment,
    pending_enrolment, start_enrolment, turn_off,
};
pub use totp::{DIGITS, ISSUER, STEP_SECONDS, current_code, qr_svg};

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use sha2::{Digest, Sha256};

use crate::{
    entities::{recovery_code, second_factor},
    inbox,
};

/// How many recovery codes an enrolment makes.
pub const RECOVERY_CODES: usize = 10;
/// Wrong codes in a row after which the second factor locks.
pub const LOCK_AFTER: i32 = 10;
/// How long a locked second factor refuses every code.
pub const LOCK_DURATION: Duration = Duration::hours(1);

/// Letters and digits of recovery codes: no 0/O, 1/I/L to misread.
const RECOVERY_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Whether the account has a second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactorState {
    Off,
    /// A secret was shown but no code has confirmed it yet.
    Enrolling,
    On {
        recovery_codes_left: u64,
    },
}

pub(crate) fn recovery_hash(typed: &str) -> String {
    let normal: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

pub(crate) fn new_recovery_code() -> String {
    let mut rng = rand::rng();
    let mut code = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            code.push('-');
        }
        let index = rng.random_range(0..RECOVERY_ALPHABET.len());
        code.push(char::from(RECOVERY_ALPHABET[index]));
    }
    code
}

/// Whether `account_id` has a second factor, and how many recovery codes remain.
pub async fn state(db: &impl ConnectionTrait, account_id: i64) -> Result<SecondFactorState, DbErr> {
    let Some(row) = second_factor::Entity::find_by_id(account_id)
        .one(db)
        .await?
    else {
        return Ok(SecondFactorState::Off);
    };
    if row.confirmed_at.is_none() {
        return Ok(SecondFactorState::Enrolling);
    }
    let recovery_codes_left = recovery_code::Entity::find()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db)
        .await?;
    Ok(SecondFactorState::On {
        recovery_codes_left,
    })
}

/// Whether a sign-in of `account_id` must also answer with a code.
pub async fn is_on(db: &impl ConnectionTrait, account_id: i64) -> Result<bool, DbErr> {
    Ok(second_factor::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .is_some_and(|row| row.confirmed_at.is_some()))
}

/// What a typed code did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeOutcome {
    /// Right, and now spent.
    Accepted,
    Wrong,
    /// Refused unread: too many wrong codes lately.
    Locked {
        until: DateTime<Utc>,
    },
}

/// Whether `typed` is the account's current TOTP code (not used before) or one of its
/// unused recovery codes; a right code is spent, a wrong one counts towards the lock.
pub async fn spend_code(
    db: &impl ConnectionTrait,
    account_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<CodeOutcome, DbErr> {
    let Some(row) = second_factor::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .filter(|row| row.confirmed_at.is_some())
    else {
        return Ok(CodeOutcome::Wrong);
    };
    if let Some(until) = row.locked_until.filter(|until| *until > now) {
        return Ok(CodeOutcome::Locked { until });
    }
    let accepted = match totp::as_totp(typed) {
        Some(digits) => match totp::matching_step(&row.secret, &digits, now, row.last_used_step) {
            // Compare-and-set: of two requests with this code, one advances the step.
            Some(step) => {
                second_factor::Entity::update_many()
                    .col_expr(second_factor::Column::LastUsedStep, Expr::value(step))
                    .filter(second_factor::Column::AccountId.eq(account_id))
                    .filter(
                        second_factor::Column::LastUsedStep
                            .is_null()
                            .or(second_factor::Column::LastUsedStep.lt(step)),
                    )
                    .exec(db)
                    .await?
                    .rows_affected
                    == 1
            }
            None => false,
        },
        None => {
            recovery_code::Entity::update_many()
                .col_expr(recovery_code::Column::UsedAt, Expr::value(now))
                .filter(recovery_code::Column::AccountId.eq(account_id))
                .filter(recovery_code::Column::CodeHash.eq(recovery_hash(typed)))
                .filter(recovery_code::Column::UsedAt.is_null())
                .exec(db)
                .await?
                .rows_affected
                == 1
        }
    };
    if accepted {
        second_factor::Entity::update_many()
            .col_expr(second_factor::Column::FailedCodes, Expr::value(0))
            .filter(second_factor::Column::AccountId.eq(account_id))
            .exec(db)
            .await?;
        return Ok(CodeOutcome::Accepted);
    }
    count_wrong_code(db, account_id, now).await?;
    Ok(CodeOutcome::Wrong)
}

/// Counts a wrong code; the one that reaches [`LOCK_AFTER`] locks the second factor and
/// tells the owner.
async fn count_wrong_code(
    db: &impl ConnectionTrait,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    second_factor::Entity::update_many()
        .col_expr(
            second_factor::Column::FailedCodes,
            Expr::col(second_factor::Column::FailedCodes).add(1),
        )
        .filter(second_factor::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    // Only the request whose increment reached the limit locks (and tells) once.
    let locked = second_factor::Entity::update_many()
        .col_expr(second_factor::Column::FailedCodes, Expr::value(0))
        .col_expr(
            second_factor::Column::LockedUntil,
            Expr::value(now + LOCK_DURATION),
        )
        .filter(second_factor::Column::AccountId.eq(account_id))
        .filter(second_factor::Column::FailedCodes.gte(LOCK_AFTER))
        .exec(db)
        .await?;
    if locked.rows_affected == 1 {
        tracing::warn!(
            account_id,
            "second factor locked after repeated wrong codes"
        );
        inbox::send(
            db,
            account_id,
            inbox::kinds::SECOND_FACTOR_LOCKED,
            serde_json::json!({
                "at": now.to_rfc3339(),
                "until": (now + LOCK_DURATION).to_rfc3339(),
                "wrong_codes": LOCK_AFTER,
            }),
            now,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_typed_forgivingly() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            recovery_hash(&code),
            recovery_hash(&code.to_lowercase().replace('-', " "))
        );
    }
}
