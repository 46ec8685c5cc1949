//! A stored file whose document row a committed deletion removed: the file goes right
//! after the commit, or at the next start-up if the process stopped first.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "file_removal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stored_name: String,
    pub queued_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
