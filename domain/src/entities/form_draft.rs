//! What a citizen typed into a form that failed validation without JavaScript, kept for a few
//! minutes so that the re-rendered form shows it again. Never holds passwords.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "form_draft")]
pub struct Model {
    /// SHA-256 (hex) of the random token held in the browser's cookie.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub form: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub expires_at: DateTimeUtc,
    /// The session a signed-in form's draft belongs to: only it reads it, and Exit
    /// removes it.
    pub session_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
