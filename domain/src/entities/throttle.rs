//! One throttling counter: attempts from an address in the current minute, or consecutive
//! failed passwords and codes of an account (or of an identifier no account has). Keyed by
//! a keyed digest (`ServerSecret::keyed`), so the table names no address or identifier.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "throttle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// `address`, `account` or `identifier`.
    pub scope: String,
    /// The account a per-account counter belongs to (deletion removes it).
    pub account_id: Option<i64>,
    /// Attempts in the window (address), or consecutive failures (account, identifier).
    pub count: i32,
    /// When the address's current minute began.
    pub window_start: DateTimeUtc,
    /// The latest counted attempt.
    pub last_at: DateTimeUtc,
    /// Bumped by every change: a change applies only to the row it was decided on.
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
