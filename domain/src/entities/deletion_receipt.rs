//! What a deletion erased and kept: shown to the user once signed out (through a token
//! only they hold, for a limited time) and kept for the operator. It names the account
//! only by its pseudonym.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deletion_receipt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `DEL-<year>-<random>`, quoted by the user.
    #[sea_orm(unique)]
    pub reference: String,
    /// The pseudonym the retained records carry.
    pub pseudonym: String,
    /// `user` or `operator`.
    pub initiator: String,
    /// The operator's stated reason.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub deleted_at: DateTimeUtc,
    /// Until when the retained records are kept.
    pub retain_until: DateTimeUtc,
    /// JSON object: what was erased, counted.
    #[sea_orm(column_type = "Text")]
    pub erased: String,
    /// JSON object: what was kept, counted.
    #[sea_orm(column_type = "Text")]
    pub kept: String,
    /// SHA-256 of the token that shows the receipt without a session.
    #[sea_orm(unique)]
    pub token_hash: Option<String>,
    pub viewable_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
