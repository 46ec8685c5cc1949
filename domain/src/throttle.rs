//! Throttling of sign-in and registration, stored in the database so that it holds across
//! several server processes.
//!
//! Per address: at most [`ADDRESS_LIMIT`] attempts of either kind a minute. Per identifier:
//! after [`FREE_FAILURES`] failed sign-ins within [`FAILURE_WINDOW`], each further attempt
//! waits twice as long as the one before, from 30 seconds up to 15 minutes. The identifier
//! is what was typed, known account or not, so throttling reveals nothing about which
//! accounts exist.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};

use crate::entities::sign_in_attempt;

/// The default number of attempts one address may make a minute.
pub const ADDRESS_LIMIT: u64 = 20;
pub const ADDRESS_WINDOW: Duration = Duration::minutes(1);
pub const FREE_FAILURES: u64 = 5;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
const FIRST_DELAY: Duration = Duration::seconds(30);
const LONGEST_DELAY: Duration = Duration::minutes(15);

/// What is being attempted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptKind {
    SignIn,
    Registration,
}

impl AttemptKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Registration => "registration",
        }
    }
}

/// The attempt must wait; the user is told when to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    pub retry_at: DateTime<Utc>,
}

/// The hash under which attempts on a typed identifier are counted.
pub fn identifier_key(identifier: &str) -> String {
    hex::encode(Sha256::digest(identifier.trim().to_lowercase().as_bytes()))
}

/// Whether `address` may make another attempt now, with at most `limit` a minute.
pub async fn check_address(
    db: &impl ConnectionTrait,
    address: &str,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<Result<(), Throttled>, DbErr> {
    let since = now - ADDRESS_WINDOW;
    let recent = sign_in_attempt::Entity::find()
        .filter(sign_in_attempt::Column::Address.eq(address))
        .filter(sign_in_attempt::Column::AttemptedAt.gt(since))
        .order_by_desc(sign_in_attempt::Column::AttemptedAt)
        .all(db)
        .await?;
    if (recent.len() as u64) < limit {
        return Ok(Ok(()));
    }
    // The window frees a place when the oldest attempt that fills it leaves.
    let oldest = recent
        .get(usize::try_from(limit.max(1)).unwrap_or(usize::MAX) - 1)
        .map_or(now, |row| row.attempted_at);
    Ok(Err(Throttled {
        retry_at: oldest + ADDRESS_WINDOW,
    }))
}

/// Whether the identifier may be tried again now, after its recent failures.
pub async fn check_identifier(
    db: &impl ConnectionTrait,
    identifier_key: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), Throttled>, DbErr> {
    let since = now - FAILURE_WINDOW;
    let last_success = sign_in_attempt::Entity::find()
        .filter(sign_in_attempt::Column::IdentifierHash.eq(identifier_key))
        .filter(sign_in_attempt::Column::Succeeded.eq(true))
        .filter(sign_in_attempt::Column::AttemptedAt.gt(since))
        .order_by_desc(sign_in_attempt::Column::AttemptedAt)
        .one(db)
        .await?
        .map_or(since, |row| row.attempted_at);
    let failures = sign_in_attempt::Entity::find()
        .filter(sign_in_attempt::Column::IdentifierHash.eq(identifier_key))
        .filter(sign_in_attempt::Column::Succeeded.eq(false))
        .filter(sign_in_attempt::Column::AttemptedAt.gt(last_success))
        .order_by_desc(sign_in_attempt::Column::AttemptedAt);
    let count = failures.clone().count(db).await?;
    if count < FREE_FAILURES {
        return Ok(Ok(()));
    }
    let Some(latest) = failures.one(db).await? else {
        return Ok(Ok(()));
    };
    let doublings = u32::try_from(count - FREE_FAILURES)
        .unwrap_or(u32::MAX)
        .min(10);
    let delay = (FIRST_DELAY * 2_i32.pow(doublings)).min(LONGEST_DELAY);
    let retry_at = latest.attempted_at + delay;
    Ok(if now < retry_at {
        Err(Throttled { retry_at })
    } else {
        Ok(())
    })
}

/// Records an attempt. Attempts older than a day are removed on the way.
pub async fn record_attempt(
    db: &impl ConnectionTrait,
    kind: AttemptKind,
    identifier_key: Option<&str>,
    address: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    sign_in_attempt::Entity::delete_many()
        .filter(sign_in_attempt::Column::AttemptedAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    sign_in_attempt::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        identifier_hash: Set(identifier_key.map(str::to_owned)),
        address: Set(address.chars().take(64).collect()),
        succeeded: Set(succeeded),
        attempted_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
