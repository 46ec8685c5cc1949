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

/// What a new password of this account must not be: its PIN or INN, the person's PIN, its
/// email.
pub fn identifiers(account: &account::Model) -> [&str; 3] {
    [
        account.identifier.as_str(),
        account.person_pin.as_str(),
        account.email.as_deref().unwrap_or_default(),
    ]
}
