//! Short-lived drafts of forms that failed validation without JavaScript.
//!
//! A plain form post is answered with a redirect, so the re-rendered page has lost what the
//! user typed. The server keeps it here for a few minutes, keyed by a random token in a
//! cookie (only its SHA-256 is stored), and the next render takes it back exactly once.
//! Callers must never put passwords in a draft.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};

use crate::entities::form_draft;

/// How long a draft waits for the page that shows it again.
pub const DRAFT_LIFETIME: Duration = Duration::minutes(10);

/// Stores `payload` for the form named `form` and returns the token for the cookie.
/// Expired drafts of everyone are removed on the way.
pub async fn save_draft(
    db: &DatabaseConnection,
    form: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    form_draft::Entity::delete_many()
        .filter(form_draft::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let token = crate::tokens::new_token();
    form_draft::ActiveModel {
        token_hash: Set(crate::tokens::hash(&token)),
        form: Set(form.to_owned()),
        payload: Set(payload.to_string()),
        expires_at: Set(now + DRAFT_LIFETIME),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Takes the draft of `form` saved under `token`, if it exists and has not expired.
/// A draft is returned at most once.
pub async fn take_draft(
    db: &DatabaseConnection,
    form: &str,
    token: &str,
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
    form_draft::Entity::delete_by_id(hash).exec(db).await?;
    if draft.expires_at < now {
        return Ok(None);
    }
    Ok(serde_json::from_str(&draft.payload).ok())
}
