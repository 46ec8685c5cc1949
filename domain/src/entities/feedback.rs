//! A feedback message sent to the operator through the contact page.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The reference shown to the sender, e.g. `FB-2026-000123`; set in the same
    /// transaction as the insert, once the row id is known.
    #[sea_orm(unique)]
    pub reference: Option<String>,
    pub topic: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub reply_email: Option<String>,
    /// The language the sender used, so that the operator can answer in it.
    pub language: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
