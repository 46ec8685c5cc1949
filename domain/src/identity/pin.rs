//! The personal identification number (PIN): 14 digits, the first 1 or 2, then the birth
//! date as DDMMYYYY, then a five-digit code.

use chrono::{Datelike, NaiveDate};

/// The youngest age at which a person may register.
pub const MINIMUM_AGE_YEARS: i32 = 14;

/// A valid PIN and the birth date it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    digits: String,
    birth_date: NaiveDate,
}

/// Why a PIN was refused; each has its own message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinProblem {
    Missing,
    /// Not exactly 14 digits.
    Format,
    /// The first digit is not 1 or 2.
    FirstDigit,
    /// Digits 2 to 9 are not a calendar date.
    BirthDate,
    /// The birth date is after today.
    BirthDateInFuture,
    /// The person is younger than [`MINIMUM_AGE_YEARS`].
    TooYoung,
}

impl Pin {
    /// Parses a PIN as typed (spaces and dashes ignored), checked against `today`.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, PinProblem> {
        let digits = super::digits_only(input);
        if digits.is_empty() {
            return Err(PinProblem::Missing);
        }
        if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PinProblem::Format);
        }
        if !matches!(&digits[..1], "1" | "2") {
            return Err(PinProblem::FirstDigit);
        }
        let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().ok();
        let (Some(day), Some(month), Some(year)) = (number(1..3), number(3..5), number(5..9))
        else {
            return Err(PinProblem::Format);
        };
        let birth_date = i32::try_from(year)
            .ok()
            .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
            .filter(|date| date.year() >= 1900)
            .ok_or(PinProblem::BirthDate)?;
        if birth_date > today {
            return Err(PinProblem::BirthDateInFuture);
        }
        if age_on(birth_date, today) < MINIMUM_AGE_YEARS {
            return Err(PinProblem::TooYoung);
        }
        Ok(Self { digits, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The PIN with all but the first and last two digits hidden, for display.
    pub fn masked(&self) -> String {
        format!("{}••••••••••{}", &self.digits[..2], &self.digits[12..])
    }
}

/// Full years between `birth` and `today`.
fn age_on(birth: NaiveDate, today: NaiveDate) -> i32 {
    let had_birthday = (today.month(), today.day()) >= (birth.month(), birth.day());
    today.year() - birth.year() - i32::from(!had_birthday)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default()
    }

    #[test]
    fn a_valid_pin_carries_the_birth_date() {
        let pin = Pin::parse("2 1503 1990 00123", today());
        assert_eq!(pin.as_ref().map(Pin::as_str), Ok("21503199000123"));
        assert_eq!(
            pin.map(|p| p.birth_date()),
            NaiveDate::from_ymd_opt(1990, 3, 15).ok_or(PinProblem::BirthDate)
        );
        assert_eq!(
            Pin::parse("12902200012345", today()).map(|p| p.masked()),
            Ok("12••••••••••45".to_owned()),
            "29 February of a leap year is a date"
        );
    }

    #[test]
    fn every_rule_has_its_own_problem() {
        let cases = [
            ("", PinProblem::Missing),
            ("   ", PinProblem::Missing),
            ("2150319900012", PinProblem::Format),
            ("215031990001234", PinProblem::Format),
            ("2150319900012a", PinProblem::Format),
            ("31503199000123", PinProblem::FirstDigit),
            ("01503199000123", PinProblem::FirstDigit),
            ("23202199000123", PinProblem::BirthDate),
            ("12902199900123", PinProblem::BirthDate),
            ("11513199000123", PinProblem::BirthDate),
            ("10101180000123", PinProblem::BirthDate),
            ("12611202600123", PinProblem::BirthDateInFuture),
            ("12611201200123", PinProblem::TooYoung),
        ];
        for (input, problem) in cases {
            assert_eq!(Pin::parse(input, today()), Err(problem), "{input:?}");
        }
    }

    #[test]
    fn the_minimum_age_is_reached_on_the_fourteenth_birthday() {
        assert!(Pin::parse("12511201200123", today()).is_ok(), "14 today");
        assert_eq!(
            Pin::parse("12611201200123", today()),
            Err(PinProblem::TooYoung),
            "14 tomorrow"
        );
    }
}
