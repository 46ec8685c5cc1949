//! A document a user uploaded to the cabinet. The file itself lives in the file store under
//! `stored_name` (random); `original_name` is for display only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    #[sea_orm(unique)]
    pub stored_name: String,
    pub original_name: String,
    /// Decided from the content, see `crate::documents::FileType`.
    pub media_type: String,
    pub size: i64,
    /// SHA-256 of the content, checked before every download.
    pub sha256: String,
    pub uploaded_at: DateTimeUtc,
    pub retain_until: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
