//! The portal's rules, kept apart from HTTP and UI: SeaORM entities, migrations, and the
//! services that validate and persist what citizens and the operator do.
//!
//! Every service takes a `&DatabaseConnection` (or a transaction) and is tested directly on
//! SQLite and PostgreSQL. Nothing here knows about requests, cookies or translations: errors
//! carry machine-readable problems that the `app` crate turns into translated messages.

pub mod accounts;
pub mod agreement;
pub mod database;
pub mod deletion;
pub mod documents;
pub mod entities;
pub mod export;
pub mod fault;
pub mod feedback;
pub mod form_draft;
pub mod history;
pub mod identity;
pub mod inbox;
pub mod incidents;
pub mod maintenance;
pub mod migration;
pub mod password;
pub mod password_change;
pub mod profile;
pub mod reauthentication;
pub mod registration;
pub mod second_factor;
pub mod secret;
pub mod security_report;
pub mod services;
pub mod sessions;
pub mod sign_in;
pub mod throttle;
pub mod tokens;
pub mod validate;

pub use sea_orm::{DatabaseConnection, DbErr};
