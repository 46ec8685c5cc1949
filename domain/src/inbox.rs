//! The user's inbox (product.md §3): announcements of new agreement versions, security
//! notices (a sign-in from a new device, a password change), and later the operator's
//! messages. A message is a kind and JSON parameters, rendered in the reader's language.
//! Every query is scoped by the account.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use crate::entities::inbox_message;

/// Kinds of message the portal itself sends.
pub mod kinds {
    pub const AGREEMENT_PUBLISHED: &str = "agreement_published";
    pub const NEW_DEVICE_SIGN_IN: &str = "new_device_sign_in";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const DOCUMENT_INTEGRITY: &str = "document_integrity";
    pub const SECOND_FACTOR_LOCKED: &str = "second_factor_locked";
    /// Someone tried to register this account's PIN, INN or email again.
    pub const REGISTRATION_ATTEMPT: &str = "registration_attempt";
}

/// Puts a message in the account's inbox.
pub async fn send(
    db: &impl ConnectionTrait,
    account_id: i64,
    kind: &str,
    params: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    inbox_message::ActiveModel {
        account_id: Set(account_id),
        kind: Set(kind.to_owned()),
        params: Set(params.to_string()),
        created_at: Set(now),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Tells the account its password was changed (whoever changed it).
pub async fn password_changed(
    db: &impl ConnectionTrait,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    send(
        db,
        account_id,
        kinds::PASSWORD_CHANGED,
        serde_json::json!({ "at": now.to_rfc3339() }),
        now,
    )
    .await
}

/// The account's newest messages, at most `limit`.
pub async fn latest(
    db: &impl ConnectionTrait,
    account_id: i64,
    limit: u64,
) -> Result<Vec<inbox_message::Model>, DbErr> {
    newest_first(account_id).limit(limit).all(db).await
}

fn newest_first(account_id: i64) -> sea_orm::Select<inbox_message::Entity> {
    inbox_message::Entity::find()
        .filter(inbox_message::Column::AccountId.eq(account_id))
        .order_by_desc(inbox_message::Column::CreatedAt)
        .order_by_desc(inbox_message::Column::Id)
}

/// One page of the inbox.
#[derive(Clone, Debug)]
pub struct InboxPage {
    pub messages: Vec<inbox_message::Model>,
    pub total: u64,
    pub unread: u64,
    /// 1-based, clamped to the pages that exist.
    pub page: u64,
    pub pages: u64,
}

/// Page `page` of the account's messages, newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    account_id: i64,
    page: u64,
    per_page: u64,
) -> Result<InboxPage, DbErr> {
    let per_page = per_page.max(1);
    let total = newest_first(account_id).count(db).await?;
    let pages = total.div_ceil(per_page).max(1);
    let page = page.clamp(1, pages);
    let messages = newest_first(account_id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok(InboxPage {
        messages,
        total,
        unread: unread_count(db, account_id).await?,
        page,
        pages,
    })
}

/// How many of the account's messages are unread.
pub async fn unread_count(db: &impl ConnectionTrait, account_id: i64) -> Result<u64, DbErr> {
    inbox_message::Entity::find()
        .filter(inbox_message::Column::AccountId.eq(account_id))
        .filter(inbox_message::Column::ReadAt.is_null())
        .count(db)
        .await
}

/// The account's message `id`; `None` if the account has no such message (whatever
/// another account holds). Reading changes nothing.
pub async fn find(
    db: &impl ConnectionTrait,
    account_id: i64,
    id: i64,
) -> Result<Option<inbox_message::Model>, DbErr> {
    inbox_message::Entity::find_by_id(id)
        .filter(inbox_message::Column::AccountId.eq(account_id))
        .one(db)
        .await
}

/// Marks the account's message `id` read (the reader asked to open it); false if the
/// account has no such message.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    account_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if find(db, account_id, id).await?.is_none() {
        return Ok(false);
    }
    inbox_message::Entity::update_many()
        .col_expr(inbox_message::Column::ReadAt, Expr::value(now))
        .filter(inbox_message::Column::Id.eq(id))
        .filter(inbox_message::Column::AccountId.eq(account_id))
        .filter(inbox_message::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(true)
}
