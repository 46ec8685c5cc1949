//! SeaORM entities, one file per table. Entities never leave the server: the `app` crate
//! sends its own DTOs over the wire.

pub mod acceptance_record;
pub mod account;
pub mod account_event;
pub mod agreement_text;
pub mod agreement_version;
pub mod deletion_receipt;
pub mod document;
pub mod feedback;
pub mod file_removal;
pub mod form_draft;
pub mod inbox_message;
pub mod incident;
pub mod recovery_code;
pub mod second_factor;
pub mod service;
pub mod service_link;
pub mod session;
pub mod sign_in_challenge;
pub mod throttle;
