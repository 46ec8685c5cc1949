//! The identifiers of the identification system (ESI): a person's PIN, an organization's
//! INN, and a contact phone number, each parsed from what a person typed into its one
//! canonical form or refused with the precise reason.

pub mod inn;
pub mod phone;
pub mod pin;

pub use inn::{Inn, InnProblem};
pub use phone::{Phone, PhoneProblem};
pub use pin::{Pin, PinProblem};

/// The input without the spaces and dashes people type to group digits.
fn digits_only(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}
