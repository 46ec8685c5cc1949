//! Reporting unauthorized access against real databases: every session ends, the old
//! password stops, flagged events and the incident are kept, and the one-time link sets a
//! new password once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    entities::incident,
    history::{self, Group},
    security_report::{self, RenewalError, Report, ReportError},
    sessions::{SessionEnd, SessionPolicy, authenticate},
    sign_in::{SignInError, SignInForm, sign_in},
    throttle::ADDRESS_LIMIT,
};
use sea_orm::EntityTrait;
use support::{HASHER, PASSWORD};

const NEW_PASSWORD: &str = "Таластын тоолору 2027";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

async fn attempt(
    db: &DatabaseConnection,
    pin: &str,
    password: &str,
    agent: &str,
    at: DateTime<Utc>,
) -> Result<(i64, String), SignInError> {
    let form = SignInForm {
        identifier: pin.into(),
        password: password.into(),
        address: "198.51.100.20".into(),
        user_agent: agent.into(),
    };
    sign_in(
        db,
        &HASHER,
        &form,
        at,
        SessionPolicy::default(),
        ADDRESS_LIMIT,
    )
    .await
    .map(|step| {
        let signed_in = step.signed_in().unwrap();
        (signed_in.session.session_id, signed_in.session.token)
    })
}

const PIN: &str = "21503199000123";

async fn a_report_ends_everything_and_keeps_the_evidence(db: &DatabaseConnection) {
    let account = support::registered(db, PIN, "bakyt@mail.kg", "Firefox").await;
    let other = support::registered(db, "11002198012345", "other@mail.kg", "Firefox").await;
    // The intruder's sign-in, then the owner's.
    let (_, intruder_token) = attempt(db, PIN, PASSWORD, "Intruder", t0() + Duration::minutes(1))
        .await
        .unwrap();
    let (owner_session, owner_token) =
        attempt(db, PIN, PASSWORD, "Firefox", t0() + Duration::minutes(2))
            .await
            .unwrap();

    let review = security_report::events_to_review(db, account, owner_session, None)
        .await
        .unwrap();
    let kinds: Vec<_> = review.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["signed_in", "signed_in"],
        "from the sign-in before this one"
    );
    let intruders_sign_in = review[1].id;
    assert_eq!(review[1].user_agent, "Intruder");
    let others_event = history::page(db, other, None, 1, 10).await.unwrap().events[0].id;

    let too_long = Report {
        account_id: account,
        description: &"x".repeat(2001),
        flagged: vec![],
        address: "198.51.100.20",
        user_agent: "Firefox",
    };
    assert!(matches!(
        security_report::report(db, &too_long, t0()).await,
        Err(ReportError::DescriptionTooLong)
    ));
    assert!(
        authenticate(
            db,
            &owner_token,
            t0() + Duration::minutes(3),
            SessionPolicy::default()
        )
        .await
        .unwrap()
        .is_ok()
    );

    let reported = security_report::report(
        db,
        &Report {
            description: "Someone read my messages",
            flagged: vec![intruders_sign_in, others_event],
            ..too_long
        },
        t0() + Duration::minutes(3),
    )
    .await
    .unwrap();
    assert_eq!(reported.sessions_ended, 2);
    assert_eq!(
        reported.flagged,
        vec![intruders_sign_in],
        "another account's id is ignored"
    );
    for token in [&owner_token, &intruder_token] {
        assert_eq!(
            authenticate(
                db,
                token,
                t0() + Duration::minutes(4),
                SessionPolicy::default()
            )
            .await
            .unwrap(),
            Err(SessionEnd::Revoked)
        );
    }
    // The old password no longer signs in, for anyone.
    assert!(matches!(
        attempt(db, PIN, PASSWORD, "Intruder", t0() + Duration::minutes(5)).await,
        Err(SignInError::RenewalRequired)
    ));
    let incident = incident::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(
        incident.reference.as_deref(),
        Some(reported.reference.as_str())
    );
    assert_eq!(incident.kind, "unauthorized_access");
    assert!(incident.details.contains("Someone read my messages"));
    let security = history::page(db, account, Some(Group::Security), 1, 10)
        .await
        .unwrap();
    assert_eq!(security.events[0].kind, "unauthorized_access_reported");
    assert_eq!(security.events[0].created_at, t0() + Duration::minutes(3));
    assert!(security.events[0].details.contains(&reported.reference));
    assert!(
        security.events[0]
            .details
            .contains(&format!("\"flagged_events\":[{intruders_sign_in}]"))
    );
}
on_both_databases!(report, a_report_ends_everything_and_keeps_the_evidence);

async fn the_renewal_link_sets_a_new_password_once(db: &DatabaseConnection) {
    let account = support::registered(db, PIN, "bakyt@mail.kg", "Firefox").await;
    let reported = security_report::report(
        db,
        &Report {
            account_id: account,
            description: "",
            flagged: vec![],
            address: "a",
            user_agent: "b",
        },
        t0(),
    )
    .await
    .unwrap();
    let token = reported.renewal_token.as_str();
    let renew = |password: &'static str, token: String, at: DateTime<Utc>| async move {
        security_report::renew_password(db, &HASHER, &token, password, "a", "b", at).await
    };
    assert!(matches!(
        renew(NEW_PASSWORD, "0".repeat(64), t0()).await,
        Err(RenewalError::LinkInvalid)
    ));
    assert!(matches!(
        renew(PASSWORD, token.to_owned(), t0()).await,
        Err(RenewalError::SameAsOld)
    ));
    assert!(matches!(
        renew("short", token.to_owned(), t0()).await,
        Err(RenewalError::Invalid(_))
    ));
    assert!(
        matches!(
            renew(NEW_PASSWORD, token.to_owned(), t0() + Duration::hours(2)).await,
            Err(RenewalError::LinkInvalid),
        ),
        "an hour-old link has expired"
    );
    assert_eq!(
        renew(NEW_PASSWORD, token.to_owned(), t0() + Duration::minutes(5))
            .await
            .unwrap(),
        account
    );
    assert!(
        matches!(
            renew(
                "Another new password 2028",
                token.to_owned(),
                t0() + Duration::minutes(6)
            )
            .await,
            Err(RenewalError::LinkInvalid)
        ),
        "used once only"
    );
    assert!(
        attempt(
            db,
            PIN,
            NEW_PASSWORD,
            "Firefox",
            t0() + Duration::minutes(7)
        )
        .await
        .is_ok()
    );
    assert!(matches!(
        attempt(db, PIN, PASSWORD, "Firefox", t0() + Duration::minutes(8)).await,
        Err(SignInError::InvalidCredentials)
    ));
}
on_both_databases!(renewal, the_renewal_link_sets_a_new_password_once);
