//! Schema migrations, applied in order at start-up (`server migrate` applies them alone).
//! The same migrations run on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

mod m20261125_000001_feedback;
mod m20261125_000002_form_draft;
mod m20261125_000003_identity;
mod m20261125_000004_sign_in_attempt;
mod m20261125_000005_second_factor;
mod m20261126_000006_agreement;
mod m20261126_000007_cabinet;
mod m20261126_000008_deletion;
mod m20261205_000009_trustworthy_core;
mod m20261205_000010_performance;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_feedback::Migration),
            Box::new(m20261125_000002_form_draft::Migration),
            Box::new(m20261125_000003_identity::Migration),
            Box::new(m20261125_000004_sign_in_attempt::Migration),
            Box::new(m20261125_000005_second_factor::Migration),
            Box::new(m20261126_000006_agreement::Migration),
            Box::new(m20261126_000007_cabinet::Migration),
            Box::new(m20261126_000008_deletion::Migration),
            Box::new(m20261205_000009_trustworthy_core::Migration),
            Box::new(m20261205_000010_performance::Migration),
        ]
    }
}
