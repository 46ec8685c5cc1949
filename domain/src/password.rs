//! Passwords: the policy a new password must meet, and Argon2id hashing that never blocks
//! the async runtime.
//!
//! Hashing runs on the blocking thread pool, at most as many at once as there are cores, so
//! a burst of sign-ins queues for the hasher instead of starving every other request. The
//! queue is bounded in time: a hash that cannot start within [`MAX_QUEUE_WAIT`] is refused
//! as [`HashError::Busy`] (the server answers 503 with Retry-After), so a flood of
//! sign-ins cannot make every other sign-in wait for minutes.

use std::{
    collections::HashSet,
    sync::{Arc, LazyLock},
};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher as _, PasswordVerifier as _, phc::PasswordHash},
};
use tokio::sync::Semaphore;

/// Shortest and longest password accepted, in characters.
pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// OWASP's Argon2id parameters: 19 MiB of memory, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// The 10,000 most common passwords (see `data/common-passwords.NOTICE`).
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// Why a new password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    Missing,
    TooShort,
    TooLong,
    /// Among the most common passwords, so among the first an attacker tries.
    TooCommon,
    /// The same as the account's own identifier (PIN, INN or email).
    SameAsIdentifier,
}

/// Checks a new password. `identifiers` are the account's PIN, INN or email, which a
/// password must not repeat. Nothing is trimmed: spaces are part of a passphrase.
pub fn check_new_password(password: &str, identifiers: &[&str]) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars == 0 {
        return Err(PasswordProblem::Missing);
    }
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON_PASSWORDS.contains(password) || COMMON_PASSWORDS.contains(lowered.as_str()) {
        return Err(PasswordProblem::TooCommon);
    }
    if identifiers
        .iter()
        .any(|id| !id.is_empty() && lowered == id.to_lowercase())
    {
        return Err(PasswordProblem::SameAsIdentifier);
    }
    Ok(())
}

/// How long a hash may wait for a free core before it is refused.
pub const MAX_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every core was hashing for longer than the queue waits: try again in a moment.
    #[error("the password hasher is busy")]
    Busy,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the hashing task did not finish: {0}")]
    Task(String),
}

/// Argon2id hashing on a bounded share of the blocking pool. Cheap to clone.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when an account does not exist so
    /// that "no such user" costs as much time as "wrong password".
    dummy_hash: Arc<String>,
    max_wait: std::time::Duration,
}

fn argon2() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
        .map_err(|e| HashError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, HashError> {
    argon2()?
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    argon2().is_ok_and(|argon2| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
}

impl PasswordHasher {
    /// A hasher allowing as many concurrent hashes as the machine has cores.
    pub fn new() -> Result<Self, HashError> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_concurrency(cores)
    }

    pub fn with_concurrency(concurrent: usize) -> Result<Self, HashError> {
        Self::with_limits(concurrent, MAX_QUEUE_WAIT)
    }

    /// A hasher allowing `concurrent` hashes at once, each waiting at most `max_wait` for
    /// its turn.
    pub fn with_limits(
        concurrent: usize,
        max_wait: std::time::Duration,
    ) -> Result<Self, HashError> {
        let random: [u8; 24] = rand::random();
        let started = std::time::Instant::now();
        let dummy_hash = hash_blocking(&hex::encode(random))?;
        let hash_ms = started.elapsed().as_secs_f64() * 1000.0;
        // What this machine can do: operators size deployments by it, and the identity
        // benchmark compares the measured sign-in rate with it.
        tracing::info!(
            hash_ms,
            concurrent,
            sign_ins_per_second_limit = concurrent as f64 * 1000.0 / hash_ms.max(0.001),
            "one Argon2id hash"
        );
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrent.max(1))),
            dummy_hash: Arc::new(dummy_hash),
            max_wait,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = tokio::time::timeout(self.max_wait, self.permits.acquire())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|e| HashError::Task(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError::Task(e.to_string()))
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) of `password`.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.run(move || hash_blocking(&password)).await?
    }

    /// Whether `password` matches `stored`. With `None` (no such account) the work is
    /// done anyway against a dummy hash and the answer is always false.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        let password = password.to_owned();
        let (stored, exists) = match stored {
            Some(stored) => (stored.to_owned(), true),
            None => (self.dummy_hash.as_str().to_owned(), false),
        };
        let matches = self
            .run(move || verify_blocking(&password, &stored))
            .await?;
        Ok(exists && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_gives_one_reason_per_refusal() {
        assert_eq!(check_new_password("", &[]), Err(PasswordProblem::Missing));
        assert_eq!(
            check_new_password("Ab3$efg", &[]),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_new_password(&"x".repeat(129), &[]),
            Err(PasswordProblem::TooLong)
        );
        assert!(
            check_new_password(&"жылдыз".repeat(21), &[]).is_ok(),
            "126 characters"
        );
        for common in ["password", "12345678", "qwertyuiop", "PASSWORD", "iloveyou"] {
            assert_eq!(
                check_new_password(common, &[]),
                Err(PasswordProblem::TooCommon),
                "{common}"
            );
        }
        assert_eq!(
            check_new_password("21503199000123", &["21503199000123"]),
            Err(PasswordProblem::SameAsIdentifier)
        );
        assert!(check_new_password("Тоо-Ата жайлоосу 2026", &["21503199000123"]).is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_of_hashes_is_refused_once_the_queue_wait_is_over() {
        let hasher = PasswordHasher::with_limits(1, std::time::Duration::from_millis(20)).unwrap();
        let hash = hasher.hash("Тоо-Ата жайлоосу 2026").await.unwrap();
        let flood: Vec<_> = (0..20)
            .map(|_| {
                let hasher = hasher.clone();
                let hash = hash.clone();
                tokio::spawn(async move { hasher.verify("wrong guess", Some(&hash)).await })
            })
            .collect();
        let mut busy = 0;
        for attempt in flood {
            match attempt.await.unwrap() {
                Ok(matches) => assert!(!matches),
                Err(HashError::Busy) => busy += 1,
                Err(other) => panic!("{other}"),
            }
        }
        assert!(busy > 0, "one core cannot hash 20 passwords within 20 ms");
        assert!(
            hasher
                .verify("Тоо-Ата жайлоосу 2026", Some(&hash))
                .await
                .unwrap(),
            "once the flood is over, hashing works again"
        );
    }

    #[test]
    fn the_list_holds_ten_thousand_passwords() {
        assert_eq!(COMMON_PASSWORDS.len(), 10_000);
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::with_concurrency(2).unwrap();
        let hash = hasher.hash("Тоо-Ата жайлоосу 2026").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("Тоо-Ата жайлоосу 2026", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("тоо-ата жайлоосу 2026", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher.verify("anything", None).await.unwrap(),
            "no account never matches"
        );
        assert!(!hasher.verify("anything", Some("not a hash")).await.unwrap());
        let again = hasher.hash("Тоо-Ата жайлоосу 2026").await.unwrap();
        assert_ne!(hash, again, "every hash has its own salt");
    }
}
