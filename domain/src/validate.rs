//! Syntax checks shared by several services (email now; phone and PIN with registration).

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
