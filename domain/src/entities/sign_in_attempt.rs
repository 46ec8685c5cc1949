//! One sign-in or registration attempt, kept briefly for throttling. The identifier is
//! stored hashed: the table is about rates, not about who tried.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_attempt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `sign_in` or `registration`.
    pub kind: String,
    /// SHA-256 of the normalised identifier typed (sign-in only).
    pub identifier_hash: Option<String>,
    pub address: String,
    pub succeeded: bool,
    pub attempted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
