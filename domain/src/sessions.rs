//! Server-side sessions (product.md §3, Security): a random 256-bit token in the browser,
//! its SHA-256 here; an idle timeout and an absolute lifetime; listing and revoking them
//! per account. Every query that lists or revokes is scoped by the account.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use crate::{
    entities::session,
    history::{self, EventKind, NewEvent},
    inbox, services,
};

/// How long sessions live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Without a request for this long, the session ends.
    pub idle_timeout: Duration,
    /// Whatever the activity, the session ends this long after sign-in.
    pub absolute_lifetime: Duration,
    /// How long before the idle timeout the page warns and offers to stay signed in.
    pub idle_warning: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::minutes(15),
            absolute_lifetime: Duration::hours(12),
            idle_warning: Duration::minutes(2),
        }
    }
}

/// `last_seen_at` is written at most this often, so that reading pages is not a write each.
const TOUCH_INTERVAL: Duration = Duration::seconds(30);

/// Why a token no longer signs anyone in; the sign-in page explains each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// Unknown token (never issued, or its account is gone).
    Unknown,
    IdleTimeout,
    LifetimeOver,
    /// Ended by Exit, by the user from another session, or by a password change.
    Revoked,
}

/// A valid session, as a request sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveSession {
    pub session_id: i64,
    pub account_id: i64,
    /// When the session ends if no further request comes.
    pub idle_deadline: DateTime<Utc>,
}

/// A session as its owner sees it in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSummary {
    pub session_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub address: String,
    pub user_agent: String,
}

/// A new session: `token` goes into the cookie and is never stored.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub session_id: i64,
    pub token: String,
}

/// Starts a session with a fresh token (a new token at every sign-in: no fixation).
pub async fn start_session(
    db: &impl ConnectionTrait,
    account_id: i64,
    address: &str,
    user_agent: &str,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<NewSession, DbErr> {
    let user_agent: String = user_agent.chars().take(512).collect();
    let earlier = session::Entity::find()
        .select_only()
        .column(session::Column::UserAgent)
        .filter(session::Column::AccountId.eq(account_id))
        .into_tuple::<String>()
        .all(db)
        .await?;
    // A sign-in from a device this account never used before is a security notice (the
    // very first sign-in, right after registering, is not).
    if !earlier.is_empty() && !earlier.contains(&user_agent) {
        inbox::send(
            db,
            account_id,
            inbox::kinds::NEW_DEVICE_SIGN_IN,
            serde_json::json!({ "user_agent": user_agent, "address": address, "at": now.to_rfc3339() }),
            now,
        )
        .await?;
    }
    let token = crate::tokens::new_token();
    let row = session::ActiveModel {
        token_hash: Set(crate::tokens::hash(&token)),
        account_id: Set(account_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + policy.absolute_lifetime),
        address: Set(address.chars().take(64).collect()),
        user_agent: Set(user_agent.clone()),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Signing in is using the cabinet (which cannot be terminated on its own).
    let _ = services::record_use(db, account_id, services::CABINET, now).await?;
    history::record(
        db,
        NewEvent::by_user(account_id, EventKind::SignedIn, address, &user_agent, now)
            .with_details(serde_json::json!({ "session_id": row.id })),
    )
    .await?;
    Ok(NewSession {
        session_id: row.id,
        token,
    })
}

/// What a request that carries the session does to its idle timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// An ordinary request: activity, recorded at most every [`TOUCH_INTERVAL`] (or a tenth
    /// of the idle timeout, if shorter).
    Request,
    /// "Stay signed in": activity, recorded now.
    StayAlive,
    /// Asking how long the session has left is not activity: nothing is recorded.
    Peek,
}

/// The session behind `token`, if it is still valid at `now`; records the activity.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<Result<ActiveSession, SessionEnd>, DbErr> {
    check_session(db, token, now, policy, Activity::Request).await
}

/// The session behind `token`, if it is still valid at `now`; `activity` says whether the
/// request resets the idle timer.
pub async fn check_session(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
    policy: SessionPolicy,
    activity: Activity,
) -> Result<Result<ActiveSession, SessionEnd>, DbErr> {
    let Some(row) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(crate::tokens::hash(token)))
        .one(db)
        .await?
    else {
        return Ok(Err(SessionEnd::Unknown));
    };
    if row.revoked_at.is_some() {
        return Ok(Err(SessionEnd::Revoked));
    }
    if now >= row.expires_at {
        return Ok(Err(SessionEnd::LifetimeOver));
    }
    if now >= row.last_seen_at + policy.idle_timeout {
        return Ok(Err(SessionEnd::IdleTimeout));
    }
    let touch_interval = TOUCH_INTERVAL.min(policy.idle_timeout / 10);
    let touch = match activity {
        Activity::Request => now - row.last_seen_at >= touch_interval,
        Activity::StayAlive => now > row.last_seen_at,
        Activity::Peek => false,
    };
    let mut last_seen = row.last_seen_at;
    if touch {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(row.id))
            .exec(db)
            .await?;
        last_seen = now;
    }
    Ok(Ok(ActiveSession {
        session_id: row.id,
        account_id: row.account_id,
        idle_deadline: (last_seen + policy.idle_timeout).min(row.expires_at),
    }))
}

/// The account's sessions that are still valid at `now`, most recently used first.
pub async fn list_sessions(
    db: &impl ConnectionTrait,
    account_id: i64,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<Vec<SessionSummary>, DbErr> {
    let rows = session::Entity::find()
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .filter(session::Column::LastSeenAt.gt(now - policy.idle_timeout))
        .order_by_desc(session::Column::LastSeenAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionSummary {
            session_id: row.id,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            address: row.address,
            user_agent: row.user_agent,
        })
        .collect())
}

/// Whether session `session_id` has not been ended. A change made on the strength of a
/// session checks this inside its transaction: a report of unauthorized access that ended
/// every session a moment ago must not be outrun.
pub async fn is_active(db: &impl ConnectionTrait, session_id: i64) -> Result<bool, DbErr> {
    Ok(session::Entity::find_by_id(session_id)
        .filter(session::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// Ends one session of the account (Exit, or "sign out" in the list). A session of
/// another account is left alone: the answer is false, as for an unknown one.
pub async fn revoke_session(
    db: &impl ConnectionTrait,
    account_id: i64,
    session_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Ends every session of the account except `keep` (none: all of them). Returns how many.
pub async fn revoke_other_sessions(
    db: &impl ConnectionTrait,
    account_id: i64,
    keep: Option<i64>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(session::Column::Id.ne(keep));
    }
    Ok(update.exec(db).await?.rows_affected)
}
