//! One module per page, with the server functions that page calls.

pub mod dev_components;
pub mod feedback;
pub mod feedback_sent;
pub mod home;
pub mod not_found;
