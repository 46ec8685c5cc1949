//! One module per page, with the server functions that page calls.

pub mod agreement;
pub mod agreement_update;
pub mod cabinet;
pub mod consents;
pub mod delete_account;
pub mod dev_components;
pub mod documents;
pub mod export;
pub mod feedback;
pub mod feedback_sent;
pub mod guard;
pub mod history;
pub mod home;
pub mod inbox;
pub mod login;
pub mod login_code;
pub mod not_found;
pub mod profile;
pub mod register;
pub mod report;
pub mod security;
pub mod services;
pub mod two_factor;
