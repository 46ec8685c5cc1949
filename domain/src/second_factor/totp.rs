//! Time-based one-time codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) through the
//! `totp-rs` crate, and the `otpauth://` address and QR code an authenticator app reads.
//! What stays ours: which step a code belongs to, so that a code is accepted once.

use chrono::{DateTime, Utc};
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per code.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// The name the authenticator app shows next to the codes.
pub const ISSUER: &str = "Portal KG";

/// A new shared secret (160 bits, as RFC 4226 recommends), in base32 as apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

/// The code generator of `secret_base32` that accepts exactly one step (no drift), labelled
/// with the issuer and `label`.
fn generator(secret_base32: &str, label: &str) -> Option<TOTP> {
    let secret = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    let step = u64::try_from(STEP_SECONDS).ok()?;
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        step,
        secret,
        Some(ISSUER.to_owned()),
        label.to_owned(),
    ))
}

/// The 30-second step that `now` falls in.
pub fn step_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(STEP_SECONDS)
}

fn start_of(step: i64) -> Option<u64> {
    u64::try_from(step.checked_mul(STEP_SECONDS)?).ok()
}

/// The code an authenticator app shows at `now` (for tests and the end-to-end helper).
pub fn current_code(secret_base32: &str, now: DateTime<Utc>) -> Option<String> {
    Some(generator(secret_base32, "-")?.generate(start_of(step_of(now))?))
}

/// The step whose code `digits` is, within one step of `now`, and later than `after` (a
/// step already used). The comparison takes the same time whatever the digits.
pub fn matching_step(
    secret_base32: &str,
    digits: &str,
    now: DateTime<Utc>,
    after: Option<i64>,
) -> Option<i64> {
    let totp = generator(secret_base32, "-")?;
    let current = step_of(now);
    [current - 1, current, current + 1]
        .into_iter()
        .filter(|step| after.is_none_or(|last| *step > last))
        .find(|step| start_of(*step).is_some_and(|time| totp.check(digits, time)))
}

/// The digits of a typed code with spaces removed, if it looks like a TOTP code.
pub fn as_totp(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// The `otpauth://` address of a secret, labelled with the issuer and `label`.
pub fn otpauth_uri(secret_base32: &str, label: &str) -> Option<String> {
    Some(generator(secret_base32, label)?.get_url())
}

/// The QR code of `text` as an SVG document.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (8 digits there; the last
    /// six are the 6-digit codes).
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        for (time, eight_digits) in [
            (59_i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let now = DateTime::from_timestamp(time, 0).unwrap();
            assert_eq!(
                current_code(&secret, now).unwrap(),
                eight_digits[2..],
                "{time}"
            );
            let step = step_of(now);
            assert_eq!(
                matching_step(&secret, &eight_digits[2..], now, None),
                Some(step)
            );
            assert_eq!(
                matching_step(&secret, &eight_digits[2..], now, Some(step)),
                None,
                "a used step is not accepted again"
            );
        }
    }

    #[test]
    fn a_code_of_the_neighbouring_steps_is_forgiven_and_no_further() {
        let secret = new_secret();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let step = chrono::Duration::seconds(STEP_SECONDS);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = current_code(&secret, now + step * offset).unwrap();
            assert_eq!(
                matching_step(&secret, &code, now, None).is_some(),
                accepted,
                "{offset}"
            );
        }
        assert_eq!(as_totp("123 456").as_deref(), Some("123456"));
        assert_eq!(as_totp("12345a"), None);
    }

    #[test]
    fn the_otpauth_address_names_the_issuer_and_secret() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let uri = otpauth_uri(&secret, "…0123").unwrap();
        assert_eq!(
            uri,
            format!("otpauth://totp/Portal%20KG:%E2%80%A60123?secret={secret}&issuer=Portal%20KG")
        );
        assert!(qr_svg(&uri).is_some_and(|svg| svg.contains("<svg")));
    }
}
