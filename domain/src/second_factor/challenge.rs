//! The second step of a sign-in: a correct password on an account with the second factor
//! opens a challenge (a random token for the browser, its SHA-256 here) instead of a
//! session, and the code (or a recovery code) answers it.
//!
//! A challenge lives [`CHALLENGE_LIFETIME`] and takes [`CHALLENGE_ATTEMPTS`] answers at most,
//! each reserved by a conditional increment before the code is looked at. Every answer
//! also counts against the account's sign-in throttle, which the correct password did not
//! reset: only a completed sign-in does. A report of unauthorized access or a password
//! change deletes the account's open challenges, and an answer re-checks the account.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::CodeOutcome;
use crate::{
    accounts::find_account,
    entities::sign_in_challenge,
    sessions::{self, SessionPolicy},
    sign_in::SignedIn,
    throttle::{AddressScope, Subject, Throttle, Throttled},
};

/// How long a correct password waits for its code.
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);
/// Answers a challenge takes before the password must be typed again.
pub const CHALLENGE_ATTEMPTS: i32 = 5;

/// Why a sign-in challenge was not answered with a session.
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    /// Unknown, expired, out of attempts, or the account changed: sign in again.
    #[error("the sign-in is no longer waiting for a code")]
    Over,
    #[error("the code is missing")]
    CodeMissing,
    #[error("the code is wrong")]
    CodeWrong,
    #[error("the second factor is locked until {until}")]
    Locked { until: DateTime<Utc> },
    #[error("too many attempts; retry at {}", .0.retry_at)]
    Throttled(Throttled),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Opens a challenge for an account whose password was right; returns the token for the
/// browser.
pub async fn open_challenge(
    db: &impl ConnectionTrait,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    sign_in_challenge::Entity::delete_many()
        .filter(sign_in_challenge::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let token = crate::tokens::new_token();
    sign_in_challenge::ActiveModel {
        token_hash: Set(crate::tokens::hash(&token)),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(now + CHALLENGE_LIFETIME),
        failed_attempts: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Whether `token` names a challenge still waiting for its code.
pub async fn challenge_is_open(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(sign_in_challenge::Entity::find()
        .filter(sign_in_challenge::Column::TokenHash.eq(crate::tokens::hash(token)))
        .filter(sign_in_challenge::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .is_some())
}

/// Ends every open challenge of an account (its password changed or was reported).
pub async fn close_challenges(db: &impl ConnectionTrait, account_id: i64) -> Result<(), DbErr> {
    sign_in_challenge::Entity::delete_many()
        .filter(sign_in_challenge::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Where a challenge answer comes from.
#[derive(Clone, Debug, Default)]
pub struct ChallengeAnswer {
    pub token: String,
    /// A 6-digit code or a recovery code.
    pub code: String,
    pub address: String,
    pub user_agent: String,
}

/// Checks the code against the challenge's account and, when right, starts the session
/// (and closes the challenge). A recovery code is spent by its use.
pub async fn answer_challenge(
    db: &DatabaseConnection,
    throttle: &Throttle,
    answer: &ChallengeAnswer,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<SignedIn, ChallengeError> {
    let token_hash = crate::tokens::hash(&answer.token);
    let Some(challenge) = sign_in_challenge::Entity::find()
        .filter(sign_in_challenge::Column::TokenHash.eq(&token_hash))
        .one(db)
        .await?
    else {
        return Err(ChallengeError::Over);
    };
    if now >= challenge.expires_at {
        sign_in_challenge::Entity::delete_by_id(challenge.id)
            .exec(db)
            .await?;
        return Err(ChallengeError::Over);
    }
    if answer.code.trim().is_empty() {
        return Err(ChallengeError::CodeMissing);
    }
    throttle
        .take_address(db, AddressScope::SignIn, &answer.address, now)
        .await?
        .map_err(ChallengeError::Throttled)?;
    // One of the challenge's answers, taken before the code is looked at: parallel
    // answers cannot share the last one.
    let taken = sign_in_challenge::Entity::update_many()
        .col_expr(
            sign_in_challenge::Column::FailedAttempts,
            Expr::col(sign_in_challenge::Column::FailedAttempts).add(1),
        )
        .filter(sign_in_challenge::Column::Id.eq(challenge.id))
        .filter(sign_in_challenge::Column::FailedAttempts.lt(CHALLENGE_ATTEMPTS))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        sign_in_challenge::Entity::delete_by_id(challenge.id)
            .exec(db)
            .await?;
        return Err(ChallengeError::Over);
    }
    let account_id = challenge.account_id;
    let subject = Subject::Account(account_id);
    let reserved = throttle
        .reserve(db, subject, now)
        .await?
        .map_err(ChallengeError::Throttled)?;
    // What held when the password was typed must still hold.
    let account = find_account(db, account_id).await?;
    let still_valid = match &account {
        Some(account) => !account.must_renew_password && super::is_on(db, account_id).await?,
        None => false,
    };
    if !still_valid {
        sign_in_challenge::Entity::delete_by_id(challenge.id)
            .exec(db)
            .await?;
        return Err(ChallengeError::Over);
    }

    let txn = db.begin().await?;
    match super::spend_code(&txn, account_id, &answer.code, now).await? {
        CodeOutcome::Accepted => {}
        CodeOutcome::Wrong => {
            txn.commit().await?;
            tracing::info!(account_id, "wrong second-factor code");
            return Err(ChallengeError::CodeWrong);
        }
        CodeOutcome::Locked { until } => {
            txn.commit().await?;
            throttle.release(db, subject, &reserved).await?;
            return Err(ChallengeError::Locked { until });
        }
    }
    // Of two right answers to one challenge, one closes it and signs in.
    let closed = sign_in_challenge::Entity::delete_many()
        .filter(sign_in_challenge::Column::Id.eq(challenge.id))
        .exec(&txn)
        .await?;
    if closed.rows_affected != 1 {
        return Err(ChallengeError::Over);
    }
    let session = sessions::start_session(
        &txn,
        account_id,
        &answer.address,
        &answer.user_agent,
        now,
        policy,
    )
    .await?;
    throttle.succeeded(&txn, subject).await?;
    txn.commit().await?;
    tracing::info!(account_id, "signed in with a second factor");
    Ok(SignedIn {
        account_id,
        session,
    })
}
