//! Registration against real databases: the account and its two evidence records appear
//! together or not at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::LazyLock;

use chrono::{TimeZone, Utc};
use domain::{
    DatabaseConnection,
    entities::{acceptance_record, account},
    identity::PinProblem,
    password::{PasswordHasher, PasswordProblem},
    registration::{
        AccountKind, RegisteredAccount, Registration, RegistrationError, RegistrationForm,
        RegistrationProblem as P, register,
    },
};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

static HASHER: LazyLock<PasswordHasher> =
    LazyLock::new(|| PasswordHasher::with_concurrency(2).unwrap());

fn individual() -> RegistrationForm {
    RegistrationForm {
        kind: "individual".into(),
        pin: "21503199000123".into(),
        full_name: "  Асанов   Бакыт ".into(),
        email: "Bakyt@Mail.KG".into(),
        phone: "+996 555 12 34 56".into(),
        password: "Тоо-Ата жайлоосу 2026".into(),
        accepts_agreement: true,
        consents_to_personal_data: true,
        agreement_version_shown: 1,
        agreement_wording: "Мен Колдонуучу келишимин кабыл алам (1-версия)".into(),
        consent_wording: "Жеке маалыматтарымды иштетүүгө макулмун".into(),
        language: "ky".into(),
        address: "203.0.113.7".into(),
        user_agent: "Mozilla/5.0 (Android 14)".into(),
        ..Default::default()
    }
}

fn organization() -> RegistrationForm {
    RegistrationForm {
        kind: "organization".into(),
        inn: "01234567890123".into(),
        organization_name: "ОсОО «Ала-Тоо Сервис»".into(),
        email: "office@alatoo.kg".into(),
        ..individual()
    }
}

/// The account a registration created.
fn created(outcome: Result<Registration, RegistrationError>) -> RegisteredAccount {
    match outcome {
        Ok(Registration::Created(account)) => account,
        other => panic!("expected a new account, got {other:?}"),
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

fn problems(outcome: Result<Registration, RegistrationError>) -> Vec<P> {
    match outcome {
        Err(RegistrationError::Invalid(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

async fn an_individual_is_registered_with_both_evidence_records(db: &DatabaseConnection) {
    let registered = created(register(db, &HASHER, &individual(), now()).await);
    assert_eq!(registered.kind, AccountKind::Individual);

    let stored = account::Entity::find_by_id(registered.account_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.identifier, "21503199000123");
    assert_eq!(stored.full_name, "Асанов Бакыт");
    assert_eq!(stored.email.as_deref(), Some("bakyt@mail.kg"));
    assert_eq!(stored.phone.as_deref(), Some("+996555123456"));
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert_ne!(stored.subject, stored.id.to_string());

    let records = acceptance_record::Entity::find().all(db).await.unwrap();
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["agreement_accepted", "pd_consent_given"],
        "two separate records"
    );
    let text = domain::agreement::text_of(db, 1, "ky")
        .await
        .unwrap()
        .unwrap();
    for record in &records {
        assert_eq!(record.subject, stored.subject);
        assert_eq!(record.agreement_version, 1);
        assert_eq!(record.language, "ky");
        assert_eq!(record.text_sha256, text.sha256);
        assert_eq!(record.address, "203.0.113.7");
        assert_eq!(record.user_agent, "Mozilla/5.0 (Android 14)");
        assert_eq!(record.recorded_at, now());
    }
    assert_eq!(
        records[0].wording,
        "Мен Колдонуучу келишимин кабыл алам (1-версия)"
    );
    assert_eq!(
        records[1].wording,
        "Жеке маалыматтарымды иштетүүгө макулмун"
    );
}
on_both_databases!(
    individual_registers,
    an_individual_is_registered_with_both_evidence_records
);

async fn an_organization_registers_through_its_representative(db: &DatabaseConnection) {
    // The representative may also hold an individual account of their own.
    register(db, &HASHER, &individual(), now()).await.unwrap();
    let registered = created(register(db, &HASHER, &organization(), now()).await);
    assert_eq!(registered.kind, AccountKind::Organization);
    let stored = account::Entity::find_by_id(registered.account_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.identifier, "01234567890123");
    assert_eq!(stored.person_pin, "21503199000123");
    assert_eq!(
        stored.organization_name.as_deref(),
        Some("ОсОО «Ала-Тоо Сервис»")
    );

    let missing = RegistrationForm {
        inn: "".into(),
        organization_name: " ".into(),
        ..organization()
    };
    assert_eq!(
        problems(register(db, &HASHER, &missing, now()).await),
        [
            P::Inn(domain::identity::InnProblem::Missing),
            P::OrganizationNameMissing
        ]
    );
}
on_both_databases!(
    organization_registers,
    an_organization_registers_through_its_representative
);

async fn no_account_exists_without_both_checkboxes(db: &DatabaseConnection) {
    let neither = RegistrationForm {
        accepts_agreement: false,
        consents_to_personal_data: false,
        ..individual()
    };
    assert_eq!(
        problems(register(db, &HASHER, &neither, now()).await),
        [P::AgreementNotAccepted, P::PersonalDataConsentMissing],
        "each missing checkbox has its own problem"
    );
    let no_consent = RegistrationForm {
        consents_to_personal_data: false,
        ..individual()
    };
    assert_eq!(
        problems(register(db, &HASHER, &no_consent, now()).await),
        [P::PersonalDataConsentMissing]
    );
    assert_eq!(account::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(
        acceptance_record::Entity::find().count(db).await.unwrap(),
        0
    );
}
on_both_databases!(
    checkboxes_required,
    no_account_exists_without_both_checkboxes
);

async fn every_field_is_checked_at_once(db: &DatabaseConnection) {
    let form = RegistrationForm {
        kind: "robot".into(),
        pin: "31503199000123".into(),
        full_name: "".into(),
        email: "".into(),
        phone: "".into(),
        password: "password".into(),
        ..individual()
    };
    assert_eq!(
        problems(register(db, &HASHER, &form, now()).await),
        [
            P::KindMissing,
            P::Pin(PinProblem::FirstDigit),
            P::FullNameMissing,
            P::ContactMissing,
            P::Password(PasswordProblem::TooCommon)
        ]
    );
    let bad_contacts = RegistrationForm {
        email: "x@".into(),
        phone: "0555 123456".into(),
        ..individual()
    };
    assert_eq!(
        problems(register(db, &HASHER, &bad_contacts, now()).await),
        [
            P::EmailInvalid,
            P::Phone(domain::identity::PhoneProblem::Format)
        ]
    );
    let same = RegistrationForm {
        password: "21503199000123".into(),
        ..individual()
    };
    assert_eq!(
        problems(register(db, &HASHER, &same, now()).await),
        [P::Password(PasswordProblem::SameAsIdentifier)]
    );
    let phone_only = RegistrationForm {
        email: "".into(),
        ..individual()
    };
    created(register(db, &HASHER, &phone_only, now()).await);
}
on_both_databases!(every_field, every_field_is_checked_at_once);

async fn a_registered_pin_or_email_is_not_revealed_and_its_owner_is_told(db: &DatabaseConnection) {
    let owner = created(register(db, &HASHER, &individual(), now()).await).account_id;
    let same_pin = RegistrationForm {
        email: "other@mail.kg".into(),
        ..individual()
    };
    let same_email = RegistrationForm {
        pin: "11002198012345".into(),
        ..individual()
    };
    for attempt in [same_pin, same_email] {
        assert_eq!(
            register(db, &HASHER, &attempt, now()).await.unwrap(),
            Registration::AlreadyExists,
            "the same success-shaped answer as a new account gets"
        );
    }
    assert_eq!(account::Entity::find().count(db).await.unwrap(), 1);
    let inbox = domain::inbox::page(db, owner, 1, 10).await.unwrap();
    assert_eq!(
        inbox
            .messages
            .iter()
            .filter(|m| m.kind == domain::inbox::kinds::REGISTRATION_ATTEMPT)
            .count(),
        2,
        "the owner hears of both"
    );
}
on_both_databases!(
    duplicates_silent,
    a_registered_pin_or_email_is_not_revealed_and_its_owner_is_told
);

async fn a_form_showing_an_old_agreement_version_is_refused(db: &DatabaseConnection) {
    let stale = RegistrationForm {
        agreement_version_shown: 0,
        ..individual()
    };
    assert_eq!(
        problems(register(db, &HASHER, &stale, now()).await),
        [P::AgreementChanged]
    );
    assert_eq!(account::Entity::find().count(db).await.unwrap(), 0);
}
on_both_databases!(
    stale_agreement,
    a_form_showing_an_old_agreement_version_is_refused
);

async fn acceptance_records_cannot_be_changed_or_deleted(db: &DatabaseConnection) {
    register(db, &HASHER, &individual(), now()).await.unwrap();
    let update = db
        .execute_unprepared("UPDATE acceptance_record SET subject = 'someone-else'")
        .await;
    assert!(update.is_err(), "an update is refused by the database");
    let delete = db.execute_unprepared("DELETE FROM acceptance_record").await;
    assert!(delete.is_err(), "a delete is refused by the database");
    assert_eq!(
        acceptance_record::Entity::find().count(db).await.unwrap(),
        2
    );
}
on_both_databases!(append_only, acceptance_records_cannot_be_changed_or_deleted);

async fn names_are_stored_as_visible_text(db: &DatabaseConnection) {
    let tricky = RegistrationForm {
        full_name: "Асанов\u{202E}  Бакыт\u{200B}".into(),
        ..individual()
    };
    let registered = created(register(db, &HASHER, &tricky, now()).await);
    let stored = account::Entity::find_by_id(registered.account_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.full_name, "Асанов Бакыт");
}
on_both_databases!(visible_names, names_are_stored_as_visible_text);

async fn the_pseudonymizing_update_cannot_change_the_texts_hash(db: &DatabaseConnection) {
    register(db, &HASHER, &individual(), now()).await.unwrap();
    // What a deletion does is allowed; the same with another hash is not.
    let forged = db
        .execute_unprepared(
            "UPDATE acceptance_record SET subject = 'p-0123', address = '', user_agent = '', \
             text_sha256 = 'forged'",
        )
        .await;
    assert!(forged.is_err(), "the hash of the text shown is pinned");
    let pseudonymized = db
        .execute_unprepared(
            "UPDATE acceptance_record SET subject = 'p-0123', address = '', user_agent = ''",
        )
        .await;
    assert!(pseudonymized.is_ok(), "{pseudonymized:?}");
}
on_both_databases!(
    hash_pinned,
    the_pseudonymizing_update_cannot_change_the_texts_hash
);
