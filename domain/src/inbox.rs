//! The user's inbox, as far as the agreement needs it: announcements of new versions.
//! (Reading, marking read and the operator's messages come with the cabinet.)

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::inbox_message;

/// The account's newest messages, at most `limit`.
pub async fn latest(
    db: &impl ConnectionTrait,
    account_id: i64,
    limit: u64,
) -> Result<Vec<inbox_message::Model>, DbErr> {
    inbox_message::Entity::find()
        .filter(inbox_message::Column::AccountId.eq(account_id))
        .order_by_desc(inbox_message::Column::CreatedAt)
        .order_by_desc(inbox_message::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
