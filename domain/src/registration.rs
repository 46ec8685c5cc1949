//! Registration in the identification system (product.md §1): an individual, or an
//! organization through its representative. No account exists until the user has accepted
//! the agreement in force and consented to personal-data processing; both are recorded as
//! evidence in the same transaction that creates the account.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, SqlErr, TransactionTrait,
};

use crate::{
    agreement,
    entities::account,
    history,
    identity::{Inn, InnProblem, PhoneProblem, Pin, PinProblem},
    inbox,
    password::{self, PasswordHasher, PasswordProblem},
    validate,
};

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    Individual,
    Organization,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Organization => "organization",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Individual, Self::Organization]
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }
}

/// The registration form as submitted, unvalidated, with what the user was shown.
#[derive(Clone, Debug, Default)]
pub struct RegistrationForm {
    pub kind: String,
    /// The PIN of the individual, or of the organization's representative.
    pub pin: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub password: String,
    pub inn: String,
    pub organization_name: String,
    pub accepts_agreement: bool,
    pub consents_to_personal_data: bool,
    /// The agreement version the form showed; registration fails if another took effect.
    pub agreement_version_shown: i32,
    /// The checkbox wordings exactly as shown, for the evidence records.
    pub agreement_wording: String,
    pub consent_wording: String,
    pub language: String,
    pub address: String,
    pub user_agent: String,
}

/// One thing wrong with the form, by field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationProblem {
    KindMissing,
    Pin(PinProblem),
    FullNameMissing,
    FullNameTooLong,
    /// Neither an email nor a phone was given.
    ContactMissing,
    EmailInvalid,
    Phone(PhoneProblem),
    Password(PasswordProblem),
    Inn(InnProblem),
    OrganizationNameMissing,
    OrganizationNameTooLong,
    AgreementNotAccepted,
    PersonalDataConsentMissing,
    /// The agreement changed while the form was open: it must be shown again.
    AgreementChanged,
}

impl RegistrationProblem {
    /// The form field the problem belongs to.
    pub fn field(self) -> &'static str {
        match self {
            Self::KindMissing => "kind",
            Self::Pin(_) => "pin",
            Self::FullNameMissing | Self::FullNameTooLong => "full_name",
            Self::ContactMissing | Self::EmailInvalid => "email",
            Self::Phone(_) => "phone",
            Self::Password(_) => "password",
            Self::Inn(_) => "inn",
            Self::OrganizationNameMissing | Self::OrganizationNameTooLong => "organization_name",
            Self::AgreementNotAccepted | Self::AgreementChanged => "accepts_agreement",
            Self::PersonalDataConsentMissing => "consents_to_personal_data",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("the registration form has {} problem(s)", .0.len())]
    Invalid(Vec<RegistrationProblem>),
    #[error("no agreement version is in force")]
    NoAgreement,
    #[error(transparent)]
    Hash(#[from] password::HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The account just created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredAccount {
    pub account_id: i64,
    pub subject: String,
    pub kind: AccountKind,
}

/// What a valid registration did. The person registering is told the same in both cases
/// (see [`register`]); the difference is for the portal's own records and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registration {
    Created(RegisteredAccount),
    /// The PIN, INN or email already belongs to an account: nothing was created, and that
    /// account's owner has been told in the inbox.
    AlreadyExists,
}

struct ValidRegistration {
    kind: AccountKind,
    identifier: String,
    pin: String,
    full_name: String,
    organization_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

fn name(
    value: &str,
    missing: RegistrationProblem,
    too_long: RegistrationProblem,
    problems: &mut Vec<RegistrationProblem>,
) -> String {
    let value = validate::display_text(value);
    if value.is_empty() {
        problems.push(missing);
    } else if value.chars().count() > MAX_NAME_CHARS {
        problems.push(too_long);
    }
    value
}

/// Checks every field and reports all problems at once, in the order of the form.
fn validate_form(
    form: &RegistrationForm,
    today: chrono::NaiveDate,
) -> Result<ValidRegistration, Vec<RegistrationProblem>> {
    use RegistrationProblem as P;
    let mut problems = Vec::new();
    let kind = AccountKind::parse(form.kind.trim());
    if kind.is_none() {
        problems.push(P::KindMissing);
    }
    let inn = match kind {
        Some(AccountKind::Organization) => Inn::parse(&form.inn)
            .map_err(|problem| problems.push(P::Inn(problem)))
            .ok(),
        _ => None,
    };
    let organization_name = match kind {
        Some(AccountKind::Organization) => Some(name(
            &form.organization_name,
            P::OrganizationNameMissing,
            P::OrganizationNameTooLong,
            &mut problems,
        )),
        _ => None,
    };
    let pin = Pin::parse(&form.pin, today)
        .map_err(|problem| problems.push(P::Pin(problem)))
        .ok();
    let full_name = name(
        &form.full_name,
        P::FullNameMissing,
        P::FullNameTooLong,
        &mut problems,
    );

    let (contacts, contact_problems) = validate::contacts(&form.email, &form.phone);
    problems.extend(contact_problems.into_iter().map(|problem| match problem {
        validate::ContactProblem::Missing => P::ContactMissing,
        validate::ContactProblem::EmailInvalid => P::EmailInvalid,
        validate::ContactProblem::Phone(problem) => P::Phone(problem),
    }));
    let email = contacts.email.clone().unwrap_or_default();

    let identifiers = [form.pin.trim(), form.inn.trim(), email.as_str()];
    if let Err(problem) = password::check_new_password(&form.password, &identifiers) {
        problems.push(P::Password(problem));
    }
    if !form.accepts_agreement {
        problems.push(P::AgreementNotAccepted);
    }
    if !form.consents_to_personal_data {
        problems.push(P::PersonalDataConsentMissing);
    }
    match (kind, pin) {
        (Some(kind), Some(pin)) if problems.is_empty() => {
            let identifier = match (&inn, kind) {
                (Some(inn), AccountKind::Organization) => inn.as_str().to_owned(),
                _ => pin.as_str().to_owned(),
            };
            Ok(ValidRegistration {
                kind,
                identifier,
                pin: pin.as_str().to_owned(),
                full_name,
                organization_name,
                email: contacts.email,
                phone: contacts.phone,
            })
        }
        _ => Err(problems),
    }
}

/// Creates the account and records the acceptance and the consent, or changes nothing.
///
/// No enumeration: whether the PIN, INN or email is already registered is not told to the
/// person registering. The password is hashed either way (the same work and time), and
/// the answer is the same; the owner of the existing account gets an inbox message saying
/// that someone tried. Until contacts are verified by a code, the cost is that a person
/// who mistypes another's email, or forgets an earlier registration, learns it only by
/// signing in (or from the operator); the sign-in page says so.
#[tracing::instrument(skip_all, fields(kind = %form.kind))]
pub async fn register(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    form: &RegistrationForm,
    now: DateTime<Utc>,
) -> Result<Registration, RegistrationError> {
    use RegistrationProblem as P;
    let valid = validate_form(form, now.date_naive()).map_err(RegistrationError::Invalid)?;

    let version = agreement::version_in_force(db, now)
        .await?
        .ok_or(RegistrationError::NoAgreement)?;
    if version != form.agreement_version_shown {
        return Err(RegistrationError::Invalid(vec![P::AgreementChanged]));
    }
    let text = match agreement::text_of(db, version, &form.language).await? {
        Some(text) => text,
        None => agreement::text_of(db, version, "ky")
            .await?
            .ok_or(RegistrationError::NoAgreement)?,
    };

    // The same work whatever exists: the hash is made before anything is looked up.
    let password_hash = hasher.hash(&form.password).await?;
    let existing = existing_owner(db, &valid).await?;
    if let Some(owner) = existing {
        tell_owner(db, owner, now).await?;
        return Ok(Registration::AlreadyExists);
    }
    let subject = crate::tokens::random_hex(16);
    let txn = db.begin().await?;
    let inserted = account::ActiveModel {
        subject: Set(subject.clone()),
        kind: Set(valid.kind.as_str().to_owned()),
        identifier: Set(valid.identifier.clone()),
        person_pin: Set(valid.pin.clone()),
        full_name: Set(valid.full_name.clone()),
        organization_name: Set(valid.organization_name.clone()),
        email: Set(valid.email.clone()),
        phone: Set(valid.phone.clone()),
        password_hash: Set(password_hash),
        language: Set(text.language.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let inserted = match inserted {
        Ok(row) => row,
        // Someone registered the same PIN, INN or email a moment ago.
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(txn);
            if let Some(owner) = existing_owner(db, &valid).await? {
                tell_owner(db, owner, now).await?;
            }
            return Ok(Registration::AlreadyExists);
        }
        Err(error) => return Err(error.into()),
    };
    for (kind, wording) in [
        (
            agreement::RecordKind::AgreementAccepted,
            &form.agreement_wording,
        ),
        (agreement::RecordKind::PdConsentGiven, &form.consent_wording),
    ] {
        let record = agreement::NewRecord {
            subject: subject.clone(),
            kind,
            version,
            language: text.language.clone(),
            text_sha256: text.sha256.clone(),
            wording: wording.clone(),
            address: form.address.clone(),
            user_agent: form.user_agent.clone(),
        };
        agreement::record(&txn, record, now).await?;
    }
    history::record(
        &txn,
        history::NewEvent::by_user(
            inserted.id,
            history::EventKind::Registered,
            &form.address,
            &form.user_agent,
            now,
        ),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(account_id = inserted.id, "account registered");
    Ok(Registration::Created(RegisteredAccount {
        account_id: inserted.id,
        subject,
        kind: valid.kind,
    }))
}

/// The account that already holds this registration's PIN or INN (of its kind), or its
/// email.
async fn existing_owner(
    db: &DatabaseConnection,
    valid: &ValidRegistration,
) -> Result<Option<i64>, DbErr> {
    let by_identifier = account::Entity::find()
        .filter(account::Column::Kind.eq(valid.kind.as_str()))
        .filter(account::Column::Identifier.eq(&valid.identifier))
        .one(db)
        .await?;
    if let Some(owner) = by_identifier {
        return Ok(Some(owner.id));
    }
    let Some(email) = &valid.email else {
        return Ok(None);
    };
    Ok(account::Entity::find()
        .filter(account::Column::Email.eq(email))
        .one(db)
        .await?
        .map(|owner| owner.id))
}

/// Tells an account's owner that someone tried to register its details again.
async fn tell_owner(
    db: &DatabaseConnection,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    tracing::info!(
        account_id,
        "registration of existing details refused silently"
    );
    inbox::send(
        db,
        account_id,
        inbox::kinds::REGISTRATION_ATTEMPT,
        serde_json::json!({ "at": now.to_rfc3339() }),
        now,
    )
    .await
}
