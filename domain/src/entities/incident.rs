//! Something the operator must look at: a stored file whose content no longer matches its
//! hash, a user's report of unauthorized access...

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `INC-<year>-<id>`, shown to the user when they raised it.
    #[sea_orm(unique)]
    pub reference: Option<String>,
    /// `file_integrity`, `unauthorized_access`.
    pub kind: String,
    pub account_id: Option<i64>,
    /// JSON object with what the operator needs to know.
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
