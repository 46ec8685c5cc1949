//! Short-lived drafts of forms that failed validation without JavaScript.
//!
//! A plain form post is answered with a redirect, so the re-rendered page has lost what the
//! user typed. The server keeps it here for a few minutes, keyed by a random token in a
//! cookie (only its SHA-256 is stored), and the next render takes it back exactly once.
//! Callers must never put passwords in a draft.
//!
//! A draft is bounded: every text in it is cut to [`MAX_FIELD_CHARS`], and a draft larger
//! than [`MAX_DRAFT_BYTES`] is not kept (the user retypes; the errors still show). A
//! signed-in form's draft (recovery codes, contacts) belongs to its session: no other
//! session reads it, and Exit removes it. Expired drafts are purged by the maintenance
//! job ([`purge`]).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};

use crate::{entities::form_draft, validate::clip};

/// How long a draft waits for the page that shows it again.
pub const DRAFT_LIFETIME: Duration = Duration::minutes(10);
/// The longest text kept of any one field: twice the longest a form accepts (feedback's
/// 5,000), so that a message refused for its length comes back whole to be shortened.
pub const MAX_FIELD_CHARS: usize = 10_000;
/// The largest draft kept, in bytes of JSON.
pub const MAX_DRAFT_BYTES: usize = 64 * 1024;

/// Every text in `value` cut to [`MAX_FIELD_CHARS`] characters.
fn bounded(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(clip(text, MAX_FIELD_CHARS)),
        Value::Array(items) => Value::Array(items.iter().map(bounded).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (clip(key, 64), bounded(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Stores `payload` for the form named `form` (and, signed in, for `session_id` alone) and
/// returns the token for the cookie; `None` when the draft is too large to keep.
pub async fn save_draft(
    db: &impl ConnectionTrait,
    form: &str,
    payload: &serde_json::Value,
    session_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let payload = bounded(payload).to_string();
    if payload.len() > MAX_DRAFT_BYTES {
        return Ok(None);
    }
    let token = crate::tokens::new_token();
    form_draft::ActiveModel {
        token_hash: Set(crate::tokens::hash(&token)),
        form: Set(clip(form, 32)),
        payload: Set(payload),
        expires_at: Set(now + DRAFT_LIFETIME),
        session_id: Set(session_id),
    }
    .insert(db)
    .await?;
    Ok(Some(token))
}

/// Takes the draft of `form` saved under `token`, if it exists, has not expired and
/// belongs to this request's session (or to none). A draft is returned at most once.
pub async fn take_draft(
    db: &impl ConnectionTrait,
    form: &str,
    token: &str,
    session_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<serde_json::Value>, DbErr> {
    let hash = crate::tokens::hash(token);
    let Some(draft) = form_draft::Entity::find_by_id(hash.clone()).one(db).await? else {
        return Ok(None);
    };
    if draft.form != form {
        // A draft of another form stays for the page it belongs to.
        return Ok(None);
    }
    if draft.session_id.is_some() && draft.session_id != session_id {
        return Ok(None);
    }
    // Of two parallel reads, the one whose delete took the row gives it back.
    let taken = form_draft::Entity::delete_by_id(hash).exec(db).await?;
    if taken.rows_affected != 1 || draft.expires_at < now {
        return Ok(None);
    }
    Ok(serde_json::from_str(&draft.payload).ok())
}

/// Removes the drafts of a session that has ended (Exit).
pub async fn forget_session(db: &impl ConnectionTrait, session_id: i64) -> Result<u64, DbErr> {
    Ok(form_draft::Entity::delete_many()
        .filter(form_draft::Column::SessionId.eq(session_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Removes expired drafts.
pub async fn purge(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(form_draft::Entity::delete_many()
        .filter(form_draft::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected)
}
