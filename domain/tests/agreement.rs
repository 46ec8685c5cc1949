//! The agreement on real databases: the demo text, publishing rules, the announcement,
//! the re-acceptance gate, and records that nobody can change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    agreement::{
        self, Answer, AnswerError, LANGUAGES, NewRecord, PendingAcceptance, Publication,
        PublishError, RecordKind, document,
    },
    entities::acceptance_record,
    inbox,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel, ModelTrait,
};

/// 2026-11-25 14:00 in Bishkek.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn text_v2(language: &str) -> String {
    format!(
        "# Agreement v2 ({language})\n\n## 1. General\n1.1. Kept clause.\n1.2. The operator may send informational messages.\n\n## 2. New chapter\n2.1. Added.\n"
    )
}

fn publication(version: i32, effective: NaiveDate) -> Publication {
    Publication {
        version,
        effective,
        texts: LANGUAGES
            .iter()
            .map(|l| ((*l).to_owned(), text_v2(l)))
            .collect(),
        summaries: LANGUAGES
            .iter()
            .map(|l| ((*l).to_owned(), format!("What changed ({l})")))
            .collect(),
    }
}

/// An account that accepted version 1 at registration, as registration records it.
async fn account_with_v1(db: &DatabaseConnection, pin: &str) -> i64 {
    let id = support::account_id(db, pin).await;
    let text = agreement::text_of(db, 1, "ru").await.unwrap().unwrap();
    for kind in [RecordKind::AgreementAccepted, RecordKind::PdConsentGiven] {
        agreement::record(
            db,
            NewRecord {
                subject: format!("subject-{pin}"),
                kind,
                version: 1,
                language: "ru".into(),
                text_sha256: text.sha256.clone(),
                wording: "I accept".into(),
                address: "198.51.100.7".into(),
                user_agent: "Firefox".into(),
            },
            t0(),
        )
        .await
        .unwrap();
    }
    id
}

async fn the_demo_agreement_is_version_1_in_three_languages(db: &DatabaseConnection) {
    assert_eq!(
        agreement::version_in_force(db, t0()).await.unwrap(),
        Some(1)
    );
    for language in LANGUAGES {
        let text = agreement::text_of(db, 1, language).await.unwrap().unwrap();
        assert_eq!(text.sha256, agreement::sha256_hex(&text.body), "{language}");
        let parsed = document::parse(&text.body).unwrap();
        assert_eq!(parsed.title, text.title);
        assert!(!parsed.note.is_empty(), "{language}: marked as a demo text");
        assert_eq!(parsed.chapters.len(), 7, "{language}: every chapter");
        assert!(!text.summary.is_empty());
    }
}
on_both_databases!(
    demo_agreement,
    the_demo_agreement_is_version_1_in_three_languages
);

async fn publishing_checks_everything_before_storing_anything(db: &DatabaseConnection) {
    let tomorrow = date(2026, 11, 26);
    let mut missing_text = publication(2, tomorrow);
    missing_text.texts.remove("ky");
    let mut missing_summary = publication(2, tomorrow);
    missing_summary.summaries.insert("en".into(), "  ".into());
    let mut unknown = publication(2, tomorrow);
    unknown.texts.insert("de".into(), text_v2("de"));
    let mut malformed = publication(2, tomorrow);
    malformed
        .texts
        .insert("ru".into(), "# T\n## 1. A\nno number\n".into());
    type Expected = fn(&PublishError) -> bool;
    let cases: Vec<(Publication, Expected)> = vec![
        (
            missing_text,
            |e| matches!(e, PublishError::MissingText(l) if l == "ky"),
        ),
        (
            missing_summary,
            |e| matches!(e, PublishError::MissingSummary(l) if l == "en"),
        ),
        (
            unknown,
            |e| matches!(e, PublishError::UnknownLanguage(l) if l == "de"),
        ),
        (
            malformed,
            |e| matches!(e, PublishError::Format { language, .. } if language == "ru"),
        ),
        (publication(1, tomorrow), |e| {
            matches!(
                e,
                PublishError::VersionNotAfter {
                    given: 1,
                    latest: 1
                }
            )
        }),
        (publication(2, date(2026, 11, 24)), |e| {
            matches!(e, PublishError::EffectiveInPast { .. })
        }),
    ];
    for (bad, expected) in cases {
        let error = agreement::publish(db, &bad, t0()).await.unwrap_err();
        assert!(expected(&error), "{error:?}");
        assert!(!error.to_string().is_empty());
    }
    assert_eq!(
        agreement::versions(db, "en").await.unwrap().len(),
        1,
        "nothing stored"
    );
}
on_both_databases!(
    publishing_rules,
    publishing_checks_everything_before_storing_anything
);

async fn a_published_version_is_stored_hashed_announced_and_in_force_from_its_date(
    db: &DatabaseConnection,
) {
    let first = account_with_v1(db, "21503199000123").await;
    let second = account_with_v1(db, "11203198500456").await;
    let published = agreement::publish(db, &publication(2, date(2026, 11, 26)), t0())
        .await
        .unwrap();
    assert_eq!(published.notified, 2);
    // Midnight of 26 November in Bishkek.
    let midnight = Utc.with_ymd_and_hms(2026, 11, 25, 18, 0, 0).unwrap();
    assert_eq!(published.effective_from, midnight);
    for language in LANGUAGES {
        let text = agreement::text_of(db, 2, language).await.unwrap().unwrap();
        assert_eq!(text.body, text_v2(language));
        assert_eq!(text.sha256, agreement::sha256_hex(&text_v2(language)));
        assert_eq!(text.title, format!("Agreement v2 ({language})"));
        assert_eq!(text.summary, format!("What changed ({language})"));
    }
    for account in [first, second] {
        let messages = inbox::latest(db, account, 10).await.unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].kind, domain::inbox::kinds::AGREEMENT_PUBLISHED);
        assert!(messages[0].params.contains("\"version\":2"));
        let announced = agreement::announcements(db, account, 10).await.unwrap();
        assert_eq!(
            announced,
            [agreement::Announcement {
                version: 2,
                effective_from: midnight
            }]
        );
    }
    let just_before = midnight - chrono::Duration::seconds(1);
    assert_eq!(
        agreement::version_in_force(db, just_before).await.unwrap(),
        Some(1)
    );
    assert_eq!(
        agreement::version_in_force(db, midnight).await.unwrap(),
        Some(2)
    );
    let history = agreement::versions(db, "en").await.unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );

    // A version dated today is in force at once.
    let today = agreement::publish(db, &publication(3, date(2026, 11, 25)), t0())
        .await
        .unwrap();
    assert_eq!(today.effective_from, t0());
    assert_eq!(
        agreement::version_in_force(db, t0()).await.unwrap(),
        Some(3)
    );
}
on_both_databases!(
    publishing,
    a_published_version_is_stored_hashed_announced_and_in_force_from_its_date
);

async fn answer(db: &DatabaseConnection, account_id: i64, version: i32) -> Answer {
    let text = agreement::text_of(db, version, "en")
        .await
        .unwrap()
        .unwrap();
    Answer {
        account_id,
        version,
        language: "en".into(),
        text_sha256: text.sha256,
        wording: "I accept the User Agreement (version 2)".into(),
        address: "203.0.113.9".into(),
        user_agent: "Chrome".into(),
    }
}

async fn the_gate_holds_from_the_effective_date_until_the_user_accepts(db: &DatabaseConnection) {
    let user = account_with_v1(db, "21503199000123").await;
    let other = account_with_v1(db, "11203198500456").await;
    assert_eq!(
        agreement::pending_acceptance(db, user, t0()).await.unwrap(),
        None
    );
    let published = agreement::publish(db, &publication(2, date(2026, 11, 26)), t0())
        .await
        .unwrap();
    let before = published.effective_from - chrono::Duration::seconds(1);
    let after = published.effective_from;
    assert_eq!(
        agreement::pending_acceptance(db, user, before)
            .await
            .unwrap(),
        None
    );
    let pending = PendingAcceptance {
        version: 2,
        last_accepted: Some(1),
    };
    assert_eq!(
        agreement::pending_acceptance(db, user, after)
            .await
            .unwrap(),
        Some(pending)
    );

    // Answers must be about the version in force and the exact text shown.
    let stale = answer(db, user, 1).await;
    assert!(matches!(
        agreement::accept(db, &stale, after).await,
        Err(AnswerError::NotInForce {
            shown: 1,
            in_force: 2
        })
    ));
    let mut tampered = answer(db, user, 2).await;
    tampered.text_sha256 = "0".repeat(64);
    assert!(matches!(
        agreement::accept(db, &tampered, after).await,
        Err(AnswerError::TextMismatch)
    ));

    // A decline is recorded and keeps the gate shut.
    agreement::decline(db, &answer(db, other, 2).await, after)
        .await
        .unwrap();
    assert_eq!(
        agreement::pending_acceptance(db, other, after)
            .await
            .unwrap(),
        Some(pending)
    );

    let accepted = agreement::accept(db, &answer(db, user, 2).await, after)
        .await
        .unwrap();
    assert_eq!(accepted.kind, "agreement_accepted");
    assert_eq!(accepted.agreement_version, 2);
    assert_eq!(accepted.address, "203.0.113.9");
    assert_eq!(
        agreement::pending_acceptance(db, user, after)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        agreement::pending_acceptance(db, other, after)
            .await
            .unwrap(),
        Some(pending),
        "one user's answer is theirs alone"
    );

    let records = agreement::records_of(db, user).await.unwrap();
    assert_eq!(
        records
            .iter()
            .map(|r| (r.kind.as_str(), r.agreement_version))
            .collect::<Vec<_>>(),
        [
            ("agreement_accepted", 2),
            ("pd_consent_given", 1),
            ("agreement_accepted", 1)
        ]
    );
    let theirs = agreement::records_of(db, other).await.unwrap();
    assert_eq!(theirs[0].kind, "agreement_declined");
    assert_eq!(theirs.len(), 3);
}
on_both_databases!(
    gate,
    the_gate_holds_from_the_effective_date_until_the_user_accepts
);

async fn an_answer_is_recorded_once_with_its_history_and_its_fields_bounded(
    db: &DatabaseConnection,
) {
    let user = account_with_v1(db, "21503199000123").await;
    let published = agreement::publish(db, &publication(2, date(2026, 11, 26)), t0())
        .await
        .unwrap();
    let after = published.effective_from;
    let mut given = answer(db, user, 2).await;
    given.user_agent = "x".repeat(300_000);
    given.wording = "y".repeat(10_000);
    // A double click, a resent form, a script: the same answer many times, some at once.
    let first = agreement::accept(db, &given, after).await.unwrap();
    let again = futures::future::join_all(
        (0..5).map(|_| agreement::accept(db, &given, after + chrono::Duration::seconds(1))),
    )
    .await;
    for outcome in again {
        assert_eq!(outcome.unwrap().id, first.id, "the first record stands");
    }
    let records = agreement::records_of(db, user).await.unwrap();
    let accepted_v2: Vec<_> = records
        .iter()
        .filter(|r| r.kind == "agreement_accepted" && r.agreement_version == 2)
        .collect();
    assert_eq!(accepted_v2.len(), 1);
    assert_eq!(accepted_v2[0].user_agent.chars().count(), 512);
    assert_eq!(accepted_v2[0].wording.chars().count(), 1_000);
    let events = domain::history::page(db, user, None, 1, 100)
        .await
        .unwrap()
        .events;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "agreement_accepted")
            .count(),
        1,
        "one history event with its one record"
    );
}
on_both_databases!(
    answered_once,
    an_answer_is_recorded_once_with_its_history_and_its_fields_bounded
);

async fn acceptance_records_cannot_be_changed_or_deleted(db: &DatabaseConnection) {
    account_with_v1(db, "21503199000123").await;
    let record = acceptance_record::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut changed = record.clone().into_active_model();
    changed.wording = Set("something else".into());
    assert!(changed.update(db).await.is_err(), "update refused");
    assert!(record.clone().delete(db).await.is_err(), "delete refused");
    assert!(
        db.execute_unprepared("DELETE FROM acceptance_record")
            .await
            .is_err(),
        "even raw SQL is refused"
    );
    assert!(
        db.execute_unprepared("UPDATE acceptance_record SET address = 'x'")
            .await
            .is_err()
    );
    let still = acceptance_record::Entity::find().all(db).await.unwrap();
    assert_eq!(still.len(), 2);
    assert_eq!(still[0], record);
}
on_both_databases!(append_only, acceptance_records_cannot_be_changed_or_deleted);

#[test]
fn record_kinds_round_trip() {
    for kind in RecordKind::ALL {
        assert_eq!(RecordKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(RecordKind::parse("other"), None);
}

/// Where someone accepted version 1's placeholder, their evidence keeps pointing at it: the
/// demo text arrives as version 2 instead of replacing it.
#[tokio::test]
async fn an_accepted_placeholder_is_kept_and_the_demo_text_becomes_version_2() {
    use domain::migration::Migrator;
    use sea_orm_migration::MigratorTrait;

    let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    Migrator::up(&db, Some(5)).await.unwrap();
    let placeholder = agreement::text_of(&db, 1, "en").await.unwrap().unwrap();
    account_with_v1(&db, "21503199000123").await;
    Migrator::up(&db, None).await.unwrap();

    assert_eq!(
        agreement::text_of(&db, 1, "en").await.unwrap().unwrap(),
        placeholder
    );
    let demo = agreement::text_of(&db, 2, "en").await.unwrap().unwrap();
    assert_eq!(document::parse(&demo.body).unwrap().chapters.len(), 7);
    assert_eq!(
        agreement::version_in_force(&db, Utc::now()).await.unwrap(),
        Some(2)
    );
}
