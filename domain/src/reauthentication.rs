//! Asking a signed-in user to prove again that they are the owner: the current password
//! (and the second factor's code) before changing the password or the contacts, turning
//! two-step verification on or off, or deleting the account.
//!
//! A session alone must not buy unlimited guesses: every check is reserved on the
//! account's throttle counter (the one sign-in uses) before the work, so guesses here and
//! at the sign-in page add up and wait alike; and when the failures in a row reach
//! [`SESSION_ENDS_AFTER`], the session that made them ends.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::{
    history::{self, EventKind, NewEvent},
    password::{HashError, PasswordHasher},
    second_factor::{self, CodeOutcome},
    sessions,
    throttle::{Subject, Throttle, Throttled},
};

/// Failed checks in a row (sign-in failures included) that end the session making them.
pub const SESSION_ENDS_AFTER: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum ReauthError {
    /// Too many wrong passwords or codes: this session has been ended.
    #[error("too many wrong passwords or codes; the session was ended")]
    SessionEnded,
    #[error("too many attempts; retry at {}", .0.retry_at)]
    Throttled(Throttled),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Who is asked, and with what.
#[derive(Clone, Copy, Debug)]
pub struct Reauthentication<'a> {
    pub hasher: &'a PasswordHasher,
    pub throttle: &'a Throttle,
    pub account_id: i64,
    pub session_id: i64,
    /// The account's password hash, as read for this check.
    pub password_hash: &'a str,
    pub address: &'a str,
    pub user_agent: &'a str,
}

impl Reauthentication<'_> {
    fn subject(&self) -> Subject<'static> {
        Subject::Account(self.account_id)
    }

    /// Whether `typed` is the current password. A wrong one counts against the account.
    pub async fn password(
        &self,
        db: &impl ConnectionTrait,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, ReauthError> {
        let reserved = self
            .throttle
            .reserve(db, self.subject(), now)
            .await?
            .map_err(ReauthError::Throttled)?;
        let right = match self.hasher.verify(typed, Some(self.password_hash)).await {
            Ok(right) => right,
            Err(error) => {
                // Nothing was tested: the attempt is not counted.
                self.throttle.release(db, self.subject(), &reserved).await?;
                return Err(error.into());
            }
        };
        if right {
            // Right, but not yet a success (a code may still be due): neither counted nor
            // forgiving; `succeeded` forgives once everything asked was right.
            self.throttle.release(db, self.subject(), &reserved).await?;
        } else {
            self.wrong(db, reserved.failures, now).await?;
        }
        Ok(right)
    }

    /// Whether `typed` is a current TOTP code or an unused recovery code of the account;
    /// a right one is spent. A wrong one counts against the account (and the lock).
    pub async fn code(
        &self,
        db: &impl ConnectionTrait,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<CodeOutcome, ReauthError> {
        let reserved = self
            .throttle
            .reserve(db, self.subject(), now)
            .await?
            .map_err(ReauthError::Throttled)?;
        let outcome = second_factor::spend_code(db, self.account_id, typed, now).await?;
        match outcome {
            CodeOutcome::Accepted => {}
            CodeOutcome::Wrong => self.wrong(db, reserved.failures, now).await?,
            CodeOutcome::Locked { .. } => {
                self.throttle.release(db, self.subject(), &reserved).await?;
            }
        }
        Ok(outcome)
    }

    /// Everything asked was right: the account's failures are forgotten.
    pub async fn succeeded(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        self.throttle.succeeded(db, self.subject()).await
    }

    /// After a wrong answer: the failure stays counted, and the one that reaches
    /// [`SESSION_ENDS_AFTER`] ends this session.
    async fn wrong(
        &self,
        db: &impl ConnectionTrait,
        failures: i32,
        now: DateTime<Utc>,
    ) -> Result<(), ReauthError> {
        if failures < SESSION_ENDS_AFTER {
            return Ok(());
        }
        sessions::revoke_session(
            db,
            self.account_id,
            self.session_id,
            "reauthentication_failed",
            now,
        )
        .await?;
        history::record(
            db,
            NewEvent::by_user(
                self.account_id,
                EventKind::SessionRevoked,
                self.address,
                self.user_agent,
                now,
            )
            .with_details(serde_json::json!({
                "session_id": self.session_id,
                "reason": "reauthentication_failed",
            })),
        )
        .await?;
        tracing::warn!(
            account_id = self.account_id,
            failures,
            "session ended after repeated wrong passwords or codes"
        );
        Err(ReauthError::SessionEnded)
    }
}
