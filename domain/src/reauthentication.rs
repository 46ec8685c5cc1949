//! Asking a signed-in user to prove again that they are the owner: the current password
//! before changing the password or the contacts; the password and the second factor's
//! code before turning two-step verification off or deleting the account.
//!
//! A session alone must not buy unlimited guesses: every check is reserved on the
//! account's throttle counter (the one sign-in uses) before the work, so guesses here and
//! at the sign-in page add up and wait alike; and when the session's own wrong answers in a
//! row reach [`SESSION_ENDS_AFTER`], it ends (failures of others on the account, say at the
//! sign-in page, slow this session down but do not end it).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::{
    history::{self, EventKind, NewEvent},
    password::{HashError, PasswordHasher},
    second_factor::{self, CodeOutcome},
    sessions,
    throttle::{Subject, Throttle, Throttled},
};

/// Wrong answers in a row, in one session, that end it.
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

/// `impl From<ReauthError> for $error`: the errors of every change that asks again share
/// the check's own variants (`SessionEnded`, `Throttled`, `Hash`, `Database`).
macro_rules! from_reauth_error {
    ($error:ty) => {
        impl From<$crate::reauthentication::ReauthError> for $error {
            fn from(error: $crate::reauthentication::ReauthError) -> Self {
                use $crate::reauthentication::ReauthError;
                match error {
                    ReauthError::SessionEnded => Self::SessionEnded,
                    ReauthError::Throttled(throttled) => Self::Throttled(throttled),
                    ReauthError::Hash(error) => Self::Hash(error),
                    ReauthError::Database(error) => Self::Database(error),
                }
            }
        }
    };
}
pub(crate) use from_reauth_error;

impl<'a> Reauthentication<'a> {
    /// The check of `account`'s owner, asked in `session_id` from `address`.
    pub fn of(
        hasher: &'a PasswordHasher,
        throttle: &'a Throttle,
        account: &'a crate::entities::account::Model,
        session_id: i64,
        address: &'a str,
        user_agent: &'a str,
    ) -> Self {
        Self {
            hasher,
            throttle,
            account_id: account.id,
            session_id,
            password_hash: &account.password_hash,
            address,
            user_agent,
        }
    }

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
            self.wrong(db, now).await?;
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
            CodeOutcome::Wrong => self.wrong(db, now).await?,
            CodeOutcome::Locked { .. } => {
                self.throttle.release(db, self.subject(), &reserved).await?;
            }
        }
        Ok(outcome)
    }

    /// Everything asked was right: the account's (and this session's) failures are
    /// forgotten.
    pub async fn succeeded(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        self.throttle
            .succeeded(db, Subject::Session(self.session_id))
            .await?;
        self.throttle.succeeded(db, self.subject()).await
    }

    /// After a wrong answer: the account's failure stays counted, and the session's own
    /// that reaches [`SESSION_ENDS_AFTER`] ends it.
    async fn wrong(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<(), ReauthError> {
        let failures = self
            .throttle
            .add_failure(db, Subject::Session(self.session_id), now)
            .await?;
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
