//! Syntax checks shared by several services: email, and a person's contacts (an email, a
//! phone, or both); and the two rules for text that is stored and shown to others: every
//! stored field has a length it is cut to ([`clip`]), and a name shown on a page is one
//! line of visible text in NFC ([`display_text`]).

use unicode_normalization::UnicodeNormalization;

use crate::identity::{Phone, PhoneProblem};

/// `text` cut to at most `max_chars` characters (never inside a character).
pub fn clip(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Invisible characters that change how the text around them reads: bidirectional
/// overrides and isolates (U+202E writes `fdp.exe` as `exe.pdf`), zero-width characters
/// and the byte-order mark.
fn is_format_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A name as it may be stored and shown: NFC, without control or format characters, runs
/// of white space as one space, trimmed.
pub fn display_text(typed: &str) -> String {
    let visible: String = typed
        .nfc()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_format_control(*c))
        .collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What is wrong with the contacts typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactProblem {
    /// Neither an email nor a phone.
    Missing,
    EmailInvalid,
    Phone(PhoneProblem),
}

/// Contacts as stored: the email in lower case, the phone as `+996` and nine digits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contacts {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Checks the contacts as typed (at least one of them, each well-formed); returns what could
/// be read and every problem found.
pub fn contacts(email: &str, phone: &str) -> (Contacts, Vec<ContactProblem>) {
    let email = email.trim().to_lowercase();
    let phone = phone.trim();
    let mut problems = Vec::new();
    if email.is_empty() && phone.is_empty() {
        problems.push(ContactProblem::Missing);
    }
    if !email.is_empty() && !is_email(&email) {
        problems.push(ContactProblem::EmailInvalid);
    }
    let phone = if phone.is_empty() {
        None
    } else {
        Phone::parse(phone)
            .map_err(|problem| problems.push(ContactProblem::Phone(problem)))
            .ok()
            .map(|p| p.as_str().to_owned())
    };
    let contacts = Contacts {
        email: (!email.is_empty()).then_some(email),
        phone,
    };
    (contacts, problems)
}

/// Whether `address` looks like a deliverable email address: one `@`, a non-empty local part
/// without spaces, and a domain of dot-separated labels made of letters, digits and hyphens
/// ending in a label of at least two letters. Deliberately simple: the only real check is
/// a message that arrives.
pub fn is_email(address: &str) -> bool {
    if address.len() > 254 || address.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let top = labels.last().copied().unwrap_or_default();
    labels.iter().all(label_ok) && top.chars().count() >= 2 && top.chars().all(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn ordinary_addresses_are_accepted() {
        for ok in [
            "a@b.kg",
            "first.last+tag@mail.example.org",
            "айбек@почта.кг",
        ] {
            assert!(is_email(ok), "{ok} should be accepted");
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "", "plain", "@b.kg", "a@", "a@b", "a@@b.kg", "a b@c.kg", "a@b..kg", "a@-b.kg",
            "a@b.k", "a@b.123",
        ] {
            assert!(!is_email(bad), "{bad:?} should be refused");
        }
    }
}

#[cfg(test)]
mod display_tests {
    use super::*;

    #[test]
    fn names_lose_bidi_overrides_and_invisible_characters_and_are_nfc() {
        assert_eq!(display_text("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(display_text(" Асанов\u{200B}  Бакыт\t"), "Асанов Бакыт");
        // "й" typed as и + combining breve is stored as the one character.
        assert_eq!(
            display_text("Бактыбек уулу Ай\u{0438}\u{0306}"),
            "Бактыбек уулу Айй"
        );
        assert_eq!(clip("Жылдыз", 3), "Жыл");
    }
}
