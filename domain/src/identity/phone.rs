//! A Kyrgyz mobile or landline number: +996 followed by 9 digits.

/// A phone number in the form `+996XXXXXXXXX`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneProblem {
    Missing,
    /// Not +996 followed by 9 digits.
    Format,
}

impl Phone {
    /// Parses a number as typed: spaces, dashes and brackets are ignored.
    pub fn parse(input: &str) -> Result<Self, PhoneProblem> {
        let compact: String = super::digits_only(input)
            .chars()
            .filter(|c| !matches!(c, '(' | ')'))
            .collect();
        if compact.is_empty() {
            return Err(PhoneProblem::Missing);
        }
        let national = compact.strip_prefix("+996").ok_or(PhoneProblem::Format)?;
        if national.len() != 9 || !national.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneProblem::Format);
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_to_plus_996_and_nine_digits() {
        assert_eq!(
            Phone::parse("+996 (555) 12-34-56").map(|p| p.0),
            Ok("+996555123456".into())
        );
        assert_eq!(Phone::parse(""), Err(PhoneProblem::Missing));
        for bad in [
            "0555123456",
            "+99655512345",
            "+9965551234567",
            "+7 555 123 456",
            "+996 555 12a 456",
        ] {
            assert_eq!(Phone::parse(bad), Err(PhoneProblem::Format), "{bad}");
        }
    }
}
