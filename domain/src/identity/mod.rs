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

/// What a person typed to sign in, in the form the accounts are looked up by: an email
/// (trimmed, lower case), else a PIN or an INN without spaces and dashes. Throttling keys
/// the same form, so every spelling that reaches an account counts as that account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInIdentifier {
    Email(String),
    Number(String),
}

impl SignInIdentifier {
    pub fn parse(typed: &str) -> Self {
        let typed = typed.trim();
        if typed.contains('@') {
            Self::Email(typed.to_lowercase())
        } else {
            Self::Number(digits_only(typed))
        }
    }

    /// The normalised text, for throttling when no account answers to it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(text) | Self::Number(text) => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_pin_is_one_identifier() {
        for typed in [
            "21503199001234",
            "2-1503199001234",
            "215031 99001234",
            " 2150-3199001234\t",
        ] {
            assert_eq!(
                SignInIdentifier::parse(typed),
                SignInIdentifier::Number("21503199001234".into()),
                "{typed:?}"
            );
        }
        assert_eq!(
            SignInIdentifier::parse(" Bakyt@Mail.KG "),
            SignInIdentifier::Email("bakyt@mail.kg".into())
        );
    }
}
