//! An organization's taxpayer identification number (INN): 14 digits.

/// A syntactically valid INN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inn(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InnProblem {
    Missing,
    /// Not exactly 14 digits.
    Format,
}

impl Inn {
    /// Parses an INN as typed (spaces and dashes ignored).
    pub fn parse(input: &str) -> Result<Self, InnProblem> {
        let digits = super::digits_only(input);
        if digits.is_empty() {
            return Err(InnProblem::Missing);
        }
        if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InnProblem::Format);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourteen_digits_make_an_inn() {
        assert_eq!(
            Inn::parse("0123 4567 8901 23").map(|i| i.0),
            Ok("01234567890123".into())
        );
        assert_eq!(Inn::parse(""), Err(InnProblem::Missing));
        assert_eq!(Inn::parse("0123456789012"), Err(InnProblem::Format));
        assert_eq!(Inn::parse("0123456789012x"), Err(InnProblem::Format));
    }
}
