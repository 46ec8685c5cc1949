//! An account's use of a service: first and last use, and whether the user stopped using
//! the account for it (the partial termination the agreement allows).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_link")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub service_code: String,
    pub first_used_at: DateTimeUtc,
    pub last_used_at: DateTimeUtc,
    /// Set while the user has stopped using the account for this service.
    pub terminated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
