//! The server's secret key: what turns identifiers and addresses into keys that a copy of
//! the database alone cannot reverse (a PIN has only a few billion possible values, so a
//! bare SHA-256 of one is as good as the PIN itself).
//!
//! Every server of a deployment must hold the same key (`PORTAL_SECRET_KEY`); the embedded
//! default keeps one in the data directory, made on first start. The key is never stored
//! in the database, so a database backup alone gives nothing away.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// 256 bits of key. `Debug` never shows them.
#[derive(Clone)]
pub struct ServerSecret([u8; 32]);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key must be 64 hexadecimal characters (32 bytes)")]
    Malformed,
    #[error("cannot read or write the secret key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

impl ServerSecret {
    /// A fresh random key (tests, and the first start of an embedded portal).
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// The key written as 64 hexadecimal characters.
    pub fn from_hex(text: &str) -> Result<Self, SecretError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SecretError::Malformed)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::Malformed)?;
        Ok(Self(key))
    }

    /// The key in `path`, made (readable by its owner only) if the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let file_error = |source| SecretError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let secret = Self::random();
                write_private(path, &hex::encode(secret.0)).map_err(file_error)?;
                Ok(secret)
            }
            Err(error) => Err(file_error(error)),
        }
    }

    /// The keyed digest of `value` for `purpose` (HMAC-SHA256, hex): equal inputs give
    /// equal keys, and nobody without the key can test a guess against one.
    pub fn keyed(&self, purpose: &str, value: &str) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.0) else {
            // HMAC takes keys of any length; this cannot happen.
            return String::new();
        };
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_depend_on_the_secret_and_the_purpose() {
        let one = ServerSecret::random();
        let other = ServerSecret::random();
        assert_eq!(
            one.keyed("a", "21503199001234"),
            one.keyed("a", "21503199001234")
        );
        assert_ne!(
            one.keyed("a", "21503199001234"),
            other.keyed("a", "21503199001234")
        );
        assert_ne!(
            one.keyed("a", "21503199001234"),
            one.keyed("b", "21503199001234")
        );
        assert_eq!(one.keyed("a", "x").len(), 64);
        assert_eq!(format!("{one:?}"), "ServerSecret(..)");
    }

    #[test]
    fn the_key_file_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let made = ServerSecret::load_or_create(&path).unwrap();
        let read = ServerSecret::load_or_create(&path).unwrap();
        assert_eq!(made.keyed("p", "v"), read.keyed("p", "v"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            ServerSecret::from_hex("abc"),
            Err(SecretError::Malformed)
        ));
    }
}
