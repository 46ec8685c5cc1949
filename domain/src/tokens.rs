//! Random values: secrets handed to a browser (session, sign-in challenge, form draft,
//! renewal link, deletion receipt), which are stored only as their SHA-256, and random names.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// A new secret for a browser: 32 random bytes as hex.
pub fn new_token() -> String {
    random_hex(32)
}

/// What is stored of a token: its SHA-256, as hex.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
