//! A service in the portal's catalog: the portal's own (`portal`: the cabinet, feedback)
//! and, as product.md §7 adds them, state and municipal services (`state`) with the body
//! that provides them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// `portal` or `state`.
    pub kind: String,
    /// The state body providing it (empty for the portal's own).
    pub provider: String,
    pub name_ky: String,
    pub name_ru: String,
    pub name_en: String,
    /// Order in the catalog.
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
