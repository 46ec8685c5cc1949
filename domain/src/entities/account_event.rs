//! One event in an account's activity history: something the user did, or something the
//! operator or the portal did to the account (with the operator's stated reason).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The account; 0 once the account is deleted (ids start at 1), see `pseudonym`.
    pub account_id: i64,
    /// `user`, `operator` or `system`.
    pub actor: String,
    /// See `crate::history::EventKind`.
    pub kind: String,
    /// JSON object with the kind's parameters (a document's name, a session's device...).
    #[sea_orm(column_type = "Text")]
    pub details: String,
    /// The operator's stated reason, for operator actions.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub address: String,
    pub user_agent: String,
    pub created_at: DateTimeUtc,
    /// Set when the account was deleted: the pseudonym its retained events carry instead.
    pub pseudonym: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
