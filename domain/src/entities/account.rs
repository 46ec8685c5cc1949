//! An account of the identification system: an individual, or an organization acting
//! through its representative. The row holds personal data and is erased on deletion.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// A random id that evidence records (acceptances, audit) refer to instead of `id`:
    /// once this row is erased, those records no longer point at a person, without any
    /// of them being rewritten.
    #[sea_orm(unique)]
    pub subject: String,
    /// `individual` or `organization`.
    pub kind: String,
    /// The PIN of an individual, or the INN of an organization; unique per kind.
    pub identifier: String,
    /// The PIN of the person: the individual, or the organization's representative.
    pub person_pin: String,
    pub full_name: String,
    pub organization_name: Option<String>,
    #[sea_orm(unique)]
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    /// The language the account registered in; messages to the user use it.
    pub language: String,
    pub created_at: DateTimeUtc,
    /// Set by a report of unauthorized access: the password no longer signs in until it
    /// is renewed through the one-time link the report gave.
    pub must_renew_password: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
