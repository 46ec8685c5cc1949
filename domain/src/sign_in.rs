//! Signing in with a PIN, an INN or an email and a password (product.md §1).
//!
//! An unknown identifier and a wrong password get the same answer after the same work (a
//! dummy Argon2 verification) and the same throttling, so nothing here tells an attacker
//! which accounts exist. Failures count against the account, however its identifier was
//! spelled (see `crate::throttle`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use crate::{
    entities::account,
    history::{self, EventKind, NewEvent},
    identity::SignInIdentifier,
    password::{HashError, PasswordHasher},
    second_factor,
    sessions::{self, NewSession, SessionPolicy},
    throttle::{AddressScope, Reserved, Subject, Throttle, Throttled},
};

/// What the sign-in form sent, and where it came from.
#[derive(Clone, Debug, Default)]
pub struct SignInForm {
    /// A PIN, an INN or an email address.
    pub identifier: String,
    pub password: String,
    pub address: String,
    pub user_agent: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The identifier or the password is missing.
    #[error("identifier and password are required")]
    Incomplete,
    /// Unknown identifier or wrong password: deliberately indistinguishable.
    #[error("the identifier or the password is wrong")]
    InvalidCredentials,
    /// Unauthorized access was reported: the password must be renewed (with the old one,
    /// and the code with two-step verification on) before it signs in again.
    #[error("the password must be renewed after a report of unauthorized access")]
    RenewalRequired,
    #[error("too many attempts; retry at {}", .0.retry_at)]
    Throttled(Throttled),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Where a correct password leads.
#[derive(Clone, Debug)]
pub enum SignInStep {
    /// Signed in: the session has started.
    SignedIn(SignedIn),
    /// The account has a second factor: `challenge` (a token for the browser) waits for
    /// the code, see [`crate::second_factor::answer_challenge`].
    CodeRequired { challenge: String },
}

impl SignInStep {
    /// The session, if no code is due.
    pub fn signed_in(self) -> Option<SignedIn> {
        match self {
            Self::SignedIn(signed_in) => Some(signed_in),
            Self::CodeRequired { .. } => None,
        }
    }
}

/// A successful sign-in: the account and its new session.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub account_id: i64,
    pub session: NewSession,
}

/// The account an identifier names: an email, else a PIN (individual), else an INN
/// (organization). A person whose PIN equals an organization's INN signs in to the
/// organization with its email.
pub async fn find_account(
    db: &impl ConnectionTrait,
    identifier: &SignInIdentifier,
) -> Result<Option<account::Model>, DbErr> {
    match identifier {
        SignInIdentifier::Email(email) => {
            account::Entity::find()
                .filter(account::Column::Email.eq(email))
                .one(db)
                .await
        }
        SignInIdentifier::Number(digits) => {
            for kind in ["individual", "organization"] {
                let found = account::Entity::find()
                    .filter(account::Column::Kind.eq(kind))
                    .filter(account::Column::Identifier.eq(digits))
                    .one(db)
                    .await?;
                if found.is_some() {
                    return Ok(found);
                }
            }
            Ok(None)
        }
    }
}

/// A password typed with an identifier, checked under the throttle.
pub(crate) struct CheckedPassword {
    typed: SignInIdentifier,
    /// The account the identifier names, whether or not the password matched.
    pub account: Option<account::Model>,
    pub matches: bool,
    /// The attempt, counted as a failure until it is released or forgiven.
    pub reserved: Reserved,
}

impl CheckedPassword {
    /// Whose counter the attempt counts on: the account, whatever spelling reached it, or
    /// what was typed when no account answers (the same answer and wait either way).
    pub fn subject(&self) -> Subject<'_> {
        self.account
            .as_ref()
            .map_or(Subject::Identifier(self.typed.as_str()), |a| {
                Subject::Account(a.id)
            })
    }
}

/// Why a password could not be checked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CheckError {
    #[error("too many attempts")]
    Throttled(Throttled),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<CheckError> for SignInError {
    fn from(error: CheckError) -> Self {
        match error {
            CheckError::Throttled(throttled) => Self::Throttled(throttled),
            CheckError::Hash(error) => Self::Hash(error),
            CheckError::Database(error) => Self::Database(error),
        }
    }
}

/// Checks `password` against the account `identifier` names, as sign-in does: the address
/// takes one attempt, the account's (or the identifier's) counter reserves one before the
/// Argon2 work (released if the work could not be done), and an unknown identifier costs
/// the same work as a wrong password.
pub(crate) async fn check_password(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    identifier: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<CheckedPassword, CheckError> {
    throttle
        .take_address(db, AddressScope::SignIn, address, now)
        .await?
        .map_err(CheckError::Throttled)?;
    let typed = SignInIdentifier::parse(identifier);
    let account = find_account(db, &typed).await?;
    let mut checked = CheckedPassword {
        typed,
        account,
        matches: false,
        reserved: Reserved::default(),
    };
    // Reserved (counted as a failure) before the work: parallel attempts cannot all pass.
    checked.reserved = throttle
        .reserve(db, checked.subject(), now)
        .await?
        .map_err(CheckError::Throttled)?;
    let stored = checked.account.as_ref().map(|a| a.password_hash.as_str());
    match hasher.verify(password, stored).await {
        Ok(matches) => checked.matches = matches,
        Err(error) => {
            // Nothing was tested: the attempt is not counted.
            throttle
                .release(db, checked.subject(), &checked.reserved)
                .await?;
            return Err(error.into());
        }
    }
    Ok(checked)
}

/// Checks the password and starts a session (or, with a second factor, a challenge for the
/// code), or explains why not.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    form: &SignInForm,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<SignInStep, SignInError> {
    if form.identifier.trim().is_empty() || form.password.is_empty() {
        return Err(SignInError::Incomplete);
    }
    let checked = check_password(
        db,
        hasher,
        throttle,
        &form.identifier,
        &form.password,
        &form.address,
        now,
    )
    .await?;
    let (account, matches, subject) = (checked.account.clone(), checked.matches, checked.subject());
    if let (Some(account), false) = (&account, matches) {
        history::record(
            db,
            NewEvent::by_user(
                account.id,
                EventKind::SignInFailed,
                &form.address,
                &form.user_agent,
                now,
            ),
        )
        .await?;
    }
    let Some(account) = account.filter(|_| matches) else {
        tracing::info!("sign-in refused");
        return Err(SignInError::InvalidCredentials);
    };
    if account.must_renew_password {
        tracing::info!(
            account_id = account.id,
            "password right, but it must be renewed"
        );
        return Err(SignInError::RenewalRequired);
    }
    if second_factor::is_on(db, account.id).await? {
        // "Password right, code pending": this attempt is not a failure, but it forgives
        // none of the earlier ones (wrong codes included); only the code completes.
        throttle.release(db, subject, &checked.reserved).await?;
        let challenge = second_factor::open_challenge(db, account.id, now).await?;
        tracing::info!(account_id = account.id, "password right; code due");
        return Ok(SignInStep::CodeRequired { challenge });
    }
    let txn = db.begin().await?;
    // Read again, locked: a report of unauthorized access that committed while the
    // password was being checked stops this sign-in too.
    let still = account::Entity::find_by_id(account.id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    match still {
        Some(current) if !current.must_renew_password => {}
        Some(_) => return Err(SignInError::RenewalRequired),
        None => return Err(SignInError::InvalidCredentials),
    }
    let session = sessions::start_session(
        &txn,
        account.id,
        &form.address,
        &form.user_agent,
        now,
        policy,
    )
    .await?;
    throttle.succeeded(&txn, subject).await?;
    txn.commit().await?;
    tracing::info!(account_id = account.id, "signed in");
    Ok(SignInStep::SignedIn(SignedIn {
        account_id: account.id,
        session,
    }))
}
