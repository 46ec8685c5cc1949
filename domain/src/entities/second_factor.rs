//! An account's TOTP secret. Unconfirmed (`confirmed_at` empty) while the user is enrolling;
//! the second factor is on once a code from the authenticator app has been confirmed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "second_factor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i64,
    /// The shared secret in base32, as the authenticator app holds it.
    pub secret: String,
    pub created_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    /// The 30-second step of the last accepted code: a code is never accepted twice.
    pub last_used_step: Option<i64>,
    /// While enrolling: the session that asked for this secret (only it sees it).
    pub session_id: Option<i64>,
    /// Wrong codes in a row; at `second_factor::LOCK_AFTER` the factor locks.
    pub failed_codes: i32,
    /// Every code is refused until then.
    pub locked_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
