//! The optional second factor (product.md §1): time-based one-time codes (TOTP, RFC 6238:
//! HMAC-SHA1, 6 digits, 30-second steps) from an authenticator app, and ten one-time
//! recovery codes for the day the phone is lost.
//!
//! Enrolment: a secret is drawn and shown (QR code and text); the second factor is on only
//! once the user has typed a code the app made from it. The recovery codes are made at that
//! moment, returned once, and stored as SHA-256 hashes.
//!
//! Sign-in: a correct password on an account with the second factor opens a
//! [`sign_in_challenge`] instead of a session; the code (or a recovery code) answers it.
//! A code is accepted once (the step is remembered), one step of clock drift either way is
//! forgiven, a challenge dies after [`CHALLENGE_ATTEMPTS`] wrong codes or
//! [`CHALLENGE_LIFETIME`], and every wrong code also counts against the identifier's
//! sign-in throttle, so guessing codes is as slow as guessing passwords.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::{Rng, RngCore};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::{
    accounts::find_account,
    entities::{recovery_code, second_factor, sign_in_challenge},
    password::{HashError, PasswordHasher},
    sessions::{self, SessionPolicy},
    sign_in::SignedIn,
    throttle::{self, AttemptKind, Throttled},
};

/// Seconds per code.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// How many recovery codes an enrolment makes.
pub const RECOVERY_CODES: usize = 10;
/// How long a correct password waits for its code.
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);
/// Wrong codes a challenge takes before the password must be typed again.
pub const CHALLENGE_ATTEMPTS: i32 = 5;
/// The name the authenticator app shows next to the codes.
pub const ISSUER: &str = "Portal KG";

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Letters and digits of recovery codes: no 0/O, 1/I/L to misread.
const RECOVERY_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Whether the account has a second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactorState {
    Off,
    /// A secret was shown but no code has confirmed it yet.
    Enrolling,
    On {
        recovery_codes_left: u64,
    },
}

/// What the enrolment page shows: the secret as text and inside the `otpauth://` address
/// that the QR code carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
}

/// Why a code or a change of the second factor was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactorProblem {
    CodeMissing,
    CodeWrong,
    /// The second factor is already on (enrol again only after turning it off).
    AlreadyOn,
    /// There is no enrolment to confirm (or nothing to turn off).
    NotEnrolling,
    /// Turning the second factor off needs the current password.
    PasswordWrong,
}

#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    #[error("refused: {0:?}")]
    Invalid(SecondFactorProblem),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Why a sign-in challenge was not answered with a session.
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    /// Unknown, expired, or out of attempts: sign in again with the password.
    #[error("the sign-in is no longer waiting for a code")]
    Over,
    #[error("the code is missing")]
    CodeMissing,
    #[error("the code is wrong")]
    CodeWrong,
    #[error("too many attempts; retry at {}", .0.retry_at)]
    Throttled(Throttled),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case, spaces and padding ignored); `None` for any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let upper = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| char::from(b) == upper)?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The code for `secret` at time step `step` (RFC 4226 dynamic truncation).
pub fn code_at_step(secret: &[u8], step: i64) -> u32 {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this cannot happen.
        return u32::MAX;
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    value % 10u32.pow(DIGITS)
}

/// The 30-second step that `now` falls in.
pub fn step_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(STEP_SECONDS)
}

/// The code an authenticator app shows at `now` (for tests and the e2e helper).
pub fn current_code(secret_base32: &str, now: DateTime<Utc>) -> Option<String> {
    let secret = base32_decode(secret_base32)?;
    Some(format!(
        "{:0width$}",
        code_at_step(&secret, step_of(now)),
        width = DIGITS as usize
    ))
}

/// The step whose code `typed` is, within one step of `now`, and later than `after`.
fn matching_step(
    secret_base32: &str,
    typed: &str,
    now: DateTime<Utc>,
    after: Option<i64>,
) -> Option<i64> {
    let secret = base32_decode(secret_base32)?;
    let typed: u32 = typed.parse().ok()?;
    let current = step_of(now);
    [current, current - 1, current + 1]
        .into_iter()
        .filter(|step| after.is_none_or(|last| *step > last))
        .find(|step| code_at_step(&secret, *step) == typed)
}

/// The digits of a typed code with spaces removed, if it looks like a TOTP code.
fn as_totp(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS as usize && digits.chars().all(|c| c.is_ascii_digit()))
        .then_some(digits)
}

fn recovery_hash(typed: &str) -> String {
    let normal: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

fn new_recovery_code() -> String {
    let mut rng = rand::rng();
    let mut code = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            code.push('-');
        }
        let index = rng.random_range(0..RECOVERY_ALPHABET.len());
        code.push(char::from(RECOVERY_ALPHABET[index]));
    }
    code
}

/// The `otpauth://` address of a secret, labelled with the issuer and `label`.
pub fn otpauth_uri(secret: &str, label: &str) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    char::from(b).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{issuer}:{label}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        issuer = encode(ISSUER),
        label = encode(label),
    )
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

/// Whether `account_id` has a second factor, and how many recovery codes remain.
pub async fn state(db: &impl ConnectionTrait, account_id: i64) -> Result<SecondFactorState, DbErr> {
    let Some(row) = second_factor::Entity::find_by_id(account_id)
        .one(db)
        .await?
    else {
        return Ok(SecondFactorState::Off);
    };
    if row.confirmed_at.is_none() {
        return Ok(SecondFactorState::Enrolling);
    }
    let recovery_codes_left = recovery_code::Entity::find()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db)
        .await?;
    Ok(SecondFactorState::On {
        recovery_codes_left,
    })
}

/// The secret being enrolled: the one already shown if the user comes back to the page,
/// else a new one. Refused while the second factor is on.
pub async fn start_enrolment(
    db: &DatabaseConnection,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<Enrolment, SecondFactorError> {
    let account = find_account(db, account_id)
        .await?
        .ok_or(SecondFactorError::Invalid(
            SecondFactorProblem::NotEnrolling,
        ))?;
    // The app shows this next to the codes; the end of the identifier is enough to tell
    // two accounts apart without putting a whole PIN on the phone's screen.
    let digits = &account.identifier;
    // Identifiers are ASCII digits, so this slice is on a character boundary.
    let tail = digits
        .get(digits.len().saturating_sub(4)..)
        .unwrap_or_default();
    let label = format!("…{tail}");
    if let Some(existing) = second_factor::Entity::find_by_id(account_id)
        .one(db)
        .await?
    {
        if existing.confirmed_at.is_some() {
            return Err(SecondFactorError::Invalid(SecondFactorProblem::AlreadyOn));
        }
        return Ok(Enrolment {
            uri: otpauth_uri(&existing.secret, &label),
            secret: existing.secret,
        });
    }
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base32_encode(&bytes);
    second_factor::ActiveModel {
        account_id: Set(account_id),
        secret: Set(secret.clone()),
        created_at: Set(now),
        confirmed_at: Set(None),
        last_used_step: Set(None),
    }
    .insert(db)
    .await?;
    Ok(Enrolment {
        uri: otpauth_uri(&secret, &label),
        secret,
    })
}

/// Turns the second factor on if `code` comes from the enrolled secret, and returns the
/// recovery codes: the only time they exist outside the user's hands unhashed.
pub async fn confirm_enrolment(
    db: &DatabaseConnection,
    account_id: i64,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, SecondFactorError> {
    use SecondFactorProblem as P;
    let refuse = |problem| Err(SecondFactorError::Invalid(problem));
    let Some(row) = second_factor::Entity::find_by_id(account_id)
        .one(db)
        .await?
    else {
        return refuse(P::NotEnrolling);
    };
    if row.confirmed_at.is_some() {
        return refuse(P::AlreadyOn);
    }
    if code.trim().is_empty() {
        return refuse(P::CodeMissing);
    }
    let Some(step) =
        as_totp(code).and_then(|digits| matching_step(&row.secret, &digits, now, None))
    else {
        return refuse(P::CodeWrong);
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let txn = db.begin().await?;
    let confirmed = second_factor::Entity::update_many()
        .col_expr(second_factor::Column::ConfirmedAt, Expr::value(now))
        .col_expr(second_factor::Column::LastUsedStep, Expr::value(step))
        .filter(second_factor::Column::AccountId.eq(account_id))
        .filter(second_factor::Column::ConfirmedAt.is_null())
        .exec(&txn)
        .await?;
    if confirmed.rows_affected != 1 {
        // Confirmed meanwhile from another tab.
        return refuse(P::AlreadyOn);
    }
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?;
    recovery_code::Entity::insert_many(codes.iter().map(|code| recovery_code::ActiveModel {
        account_id: Set(account_id),
        code_hash: Set(recovery_hash(code)),
        used_at: Set(None),
        ..Default::default()
    }))
    .exec(&txn)
    .await?;
    txn.commit().await?;
    tracing::info!(account_id, "second factor turned on");
    Ok(codes)
}

/// Turns the second factor off (or abandons an enrolment); needs the current password.
pub async fn turn_off(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    account_id: i64,
    password: &str,
) -> Result<(), SecondFactorError> {
    let account = find_account(db, account_id)
        .await?
        .ok_or(SecondFactorError::Invalid(
            SecondFactorProblem::NotEnrolling,
        ))?;
    if !hasher
        .verify(password, Some(&account.password_hash))
        .await?
    {
        return Err(SecondFactorError::Invalid(
            SecondFactorProblem::PasswordWrong,
        ));
    }
    let txn = db.begin().await?;
    let removed = second_factor::Entity::delete_by_id(account_id)
        .exec(&txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    if removed.rows_affected == 0 {
        return Err(SecondFactorError::Invalid(
            SecondFactorProblem::NotEnrolling,
        ));
    }
    tracing::info!(account_id, "second factor turned off");
    Ok(())
}

/// Whether a sign-in of `account_id` must also answer with a code.
pub async fn is_on(db: &impl ConnectionTrait, account_id: i64) -> Result<bool, DbErr> {
    Ok(second_factor::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .is_some_and(|row| row.confirmed_at.is_some()))
}

/// Opens a challenge for an account whose password was right; returns the token for the
/// browser.
pub async fn open_challenge(
    db: &impl ConnectionTrait,
    account_id: i64,
    identifier_key: &str,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    sign_in_challenge::Entity::delete_many()
        .filter(sign_in_challenge::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let token = crate::tokens::new_token();
    sign_in_challenge::ActiveModel {
        token_hash: Set(crate::tokens::hash(&token)),
        account_id: Set(account_id),
        identifier_hash: Set(identifier_key.to_owned()),
        created_at: Set(now),
        expires_at: Set(now + CHALLENGE_LIFETIME),
        failed_attempts: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Whether `token` names a challenge still waiting for its code.
pub async fn challenge_is_open(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(sign_in_challenge::Entity::find()
        .filter(sign_in_challenge::Column::TokenHash.eq(crate::tokens::hash(token)))
        .filter(sign_in_challenge::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .is_some())
}

/// Where a challenge answer comes from.
#[derive(Clone, Debug, Default)]
pub struct ChallengeAnswer {
    pub token: String,
    /// A 6-digit code or a recovery code.
    pub code: String,
    pub address: String,
    pub user_agent: String,
}

/// Whether `typed` is the account's current TOTP code (not used before) or one of its unused
/// recovery codes; a right code is spent (its step recorded, or the recovery code marked).
pub async fn spend_code(
    db: &impl ConnectionTrait,
    account_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if let Some(digits) = as_totp(typed) {
        let secret = second_factor::Entity::find_by_id(account_id)
            .one(db)
            .await?
            .filter(|row| row.confirmed_at.is_some());
        let Some(step) =
            secret.and_then(|row| matching_step(&row.secret, &digits, now, row.last_used_step))
        else {
            return Ok(false);
        };
        second_factor::Entity::update_many()
            .col_expr(second_factor::Column::LastUsedStep, Expr::value(step))
            .filter(second_factor::Column::AccountId.eq(account_id))
            .exec(db)
            .await?;
        return Ok(true);
    }
    let spent = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(now))
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .filter(recovery_code::Column::CodeHash.eq(recovery_hash(typed)))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(spent.rows_affected == 1)
}

/// Checks the code against the challenge's account and, when right, starts the session
/// (and closes the challenge). A recovery code is spent by its use.
pub async fn answer_challenge(
    db: &DatabaseConnection,
    answer: &ChallengeAnswer,
    now: DateTime<Utc>,
    policy: SessionPolicy,
    address_limit: u64,
) -> Result<SignedIn, ChallengeError> {
    let Some(challenge) = sign_in_challenge::Entity::find()
        .filter(sign_in_challenge::Column::TokenHash.eq(crate::tokens::hash(&answer.token)))
        .one(db)
        .await?
    else {
        return Err(ChallengeError::Over);
    };
    if now >= challenge.expires_at || challenge.failed_attempts >= CHALLENGE_ATTEMPTS {
        sign_in_challenge::Entity::delete_by_id(challenge.id)
            .exec(db)
            .await?;
        return Err(ChallengeError::Over);
    }
    if answer.code.trim().is_empty() {
        return Err(ChallengeError::CodeMissing);
    }
    throttle::check_address(db, &answer.address, address_limit, now)
        .await?
        .map_err(ChallengeError::Throttled)?;
    throttle::check_identifier(db, &challenge.identifier_hash, now)
        .await?
        .map_err(ChallengeError::Throttled)?;

    let txn = db.begin().await?;
    let accepted = spend_code(&txn, challenge.account_id, &answer.code, now).await?;
    throttle::record_attempt(
        &txn,
        AttemptKind::SignIn,
        Some(&challenge.identifier_hash),
        &answer.address,
        accepted,
        now,
    )
    .await?;
    if !accepted {
        sign_in_challenge::Entity::update_many()
            .col_expr(
                sign_in_challenge::Column::FailedAttempts,
                Expr::col(sign_in_challenge::Column::FailedAttempts).add(1),
            )
            .filter(sign_in_challenge::Column::Id.eq(challenge.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        tracing::info!(
            account_id = challenge.account_id,
            "wrong second-factor code"
        );
        return Err(ChallengeError::CodeWrong);
    }
    sign_in_challenge::Entity::delete_by_id(challenge.id)
        .exec(&txn)
        .await?;
    let session = sessions::start_session(
        &txn,
        challenge.account_id,
        &answer.address,
        &answer.user_agent,
        now,
        policy,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        account_id = challenge.account_id,
        "signed in with a second factor"
    );
    Ok(SignedIn {
        account_id: challenge.account_id,
        session,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32_decode("mzxw 6ytb oi").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZXW6YTBOI1"), None);
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits there; the
        // last six digits are the 6-digit codes.
        let secret = b"12345678901234567890";
        for (time, eight_digits) in [
            (59_i64, 94_287_082_u32),
            (1_111_111_109, 7_081_804),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
        ] {
            assert_eq!(
                code_at_step(secret, time / STEP_SECONDS),
                eight_digits % 1_000_000,
                "{time}"
            );
        }
    }

    #[test]
    fn recovery_codes_are_typed_forgivingly() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            recovery_hash(&code),
            recovery_hash(&code.to_lowercase().replace('-', " "))
        );
    }

    #[test]
    fn the_otpauth_address_names_the_issuer_and_secret() {
        let uri = otpauth_uri("MZXW6YTBOI", "…0123");
        assert!(uri.starts_with(
            "otpauth://totp/Portal%20KG:%E2%80%A60123?secret=MZXW6YTBOI&issuer=Portal%20KG"
        ));
        assert!(qr_svg(&uri).is_some_and(|svg| svg.contains("<svg")));
    }
}
