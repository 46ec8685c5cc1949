//! Reading accounts. (Changing them belongs to registration, the cabinet and deletion.)

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::entities::account;

/// The account with this id, if it still exists.
pub async fn find_account(
    db: &impl ConnectionTrait,
    account_id: i64,
) -> Result<Option<account::Model>, DbErr> {
    account::Entity::find_by_id(account_id).one(db).await
}
