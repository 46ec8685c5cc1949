//! Evidence of what a user accepted, consented to, declined or withdrew. Append-only: rows
//! are never updated or deleted, and they refer to the account's `subject`, not its id.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "acceptance_record")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The account's `subject`.
    pub subject: String,
    /// `agreement_accepted`, `pd_consent_given`, `agreement_declined`, `pd_consent_withdrawn`.
    pub kind: String,
    pub agreement_version: i32,
    /// The language of the text shown.
    pub language: String,
    /// Hex SHA-256 of the exact text shown.
    pub text_sha256: String,
    /// The checkbox wording exactly as shown.
    #[sea_orm(column_type = "Text")]
    pub wording: String,
    pub recorded_at: DateTimeUtc,
    pub address: String,
    #[sea_orm(column_type = "Text")]
    pub user_agent: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
