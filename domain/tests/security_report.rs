//! Reporting unauthorized access against real databases: every session ends, the old
//! password stops, flagged events and the incident are kept, pending sign-ins die, and the
//! new password is set only with proof of ownership (the old password, and the code with
//! two-step verification on), never with anything the reporting session received.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    entities::incident,
    history::{self, Group},
    second_factor::{self, ChallengeAnswer, ChallengeError},
    security_report::{self, Renewal, RenewalError, RenewalProblem, Report, ReportError},
    sessions::{SessionEnd, SessionPolicy, authenticate},
    sign_in::{SignInError, SignInForm, SignInStep, sign_in},
};
use sea_orm::EntityTrait;
use support::{HASHER, PASSWORD, THROTTLE};

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
    sign_in(db, &HASHER, &THROTTLE, &form, at, SessionPolicy::default())
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

fn report_of(account_id: i64) -> Report<'static> {
    Report {
        account_id,
        description: "",
        flagged: vec![],
        address: "198.51.100.20",
        user_agent: "Firefox",
    }
}

async fn renew(
    db: &DatabaseConnection,
    identifier: &str,
    old: &str,
    code: &str,
    new: &str,
    at: DateTime<Utc>,
) -> Result<i64, RenewalError> {
    security_report::renew_password(
        db,
        &HASHER,
        &THROTTLE,
        &Renewal {
            identifier,
            current_password: old,
            code,
            new_password: new,
            address: "198.51.100.20",
            user_agent: "Firefox",
        },
        at,
    )
    .await
}

fn refused(outcome: Result<i64, RenewalError>) -> RenewalProblem {
    match outcome {
        Err(RenewalError::Invalid(problem)) => problem,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn the_new_password_needs_the_old_one_and_is_set_once(db: &DatabaseConnection) {
    let account = support::registered(db, PIN, "bakyt@mail.kg", "Firefox").await;
    let reported = security_report::report(db, &report_of(account), t0())
        .await
        .unwrap();
    assert!(reported.reference.starts_with("INC-"));
    let at = t0() + Duration::minutes(1);
    assert_eq!(
        refused(renew(db, PIN, "not the password", "", NEW_PASSWORD, at).await),
        RenewalProblem::CredentialsWrong
    );
    assert_eq!(
        refused(renew(db, "11002198012345", PASSWORD, "", NEW_PASSWORD, at).await),
        RenewalProblem::CredentialsWrong,
        "an unknown identifier gets the same answer"
    );
    assert_eq!(
        refused(renew(db, PIN, PASSWORD, "", PASSWORD, at).await),
        RenewalProblem::SameAsOld
    );
    assert!(matches!(
        refused(renew(db, PIN, PASSWORD, "", "short", at).await),
        RenewalProblem::NewPassword(_)
    ));
    // Any spelling of the PIN, as at sign-in.
    assert_eq!(
        renew(db, "2-1503199000123", PASSWORD, "", NEW_PASSWORD, at)
            .await
            .unwrap(),
        account
    );
    assert_eq!(
        refused(renew(db, PIN, NEW_PASSWORD, "", "Another new password 2028", at).await),
        RenewalProblem::NotRequired,
        "renewed once; later changes go through the cabinet"
    );
    assert!(
        attempt(db, PIN, NEW_PASSWORD, "Firefox", at + Duration::minutes(1))
            .await
            .is_ok()
    );
    assert!(matches!(
        attempt(db, PIN, PASSWORD, "Firefox", at + Duration::minutes(2)).await,
        Err(SignInError::InvalidCredentials)
    ));
}
on_both_databases!(renewal, the_new_password_needs_the_old_one_and_is_set_once);

async fn with_two_step_verification_the_renewal_needs_a_code_and_pending_sign_ins_die(
    db: &DatabaseConnection,
) {
    let account = support::registered(db, PIN, "bakyt@mail.kg", "Firefox").await;
    let (secret, recovery) = support::two_step_on(db, account, t0()).await;
    // An intruder with the password waits at the code step; the owner reports.
    let form = SignInForm {
        identifier: PIN.into(),
        password: PASSWORD.into(),
        address: "198.51.100.66".into(),
        user_agent: "Intruder".into(),
    };
    let challenge = match sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &form,
        t0(),
        SessionPolicy::default(),
    )
    .await
    .unwrap()
    {
        SignInStep::CodeRequired { challenge } => challenge,
        SignInStep::SignedIn(_) => panic!("a code is due"),
    };
    security_report::report(db, &report_of(account), t0() + Duration::minutes(1))
        .await
        .unwrap();
    let later = t0() + Duration::minutes(2);
    let answer = ChallengeAnswer {
        token: challenge,
        code: second_factor::current_code(&secret, later).unwrap(),
        address: "198.51.100.66".into(),
        user_agent: "Intruder".into(),
    };
    assert!(
        matches!(
            second_factor::answer_challenge(
                db,
                &THROTTLE,
                &answer,
                later,
                SessionPolicy::default()
            )
            .await,
            Err(ChallengeError::Over)
        ),
        "the challenge opened before the report is gone"
    );
    assert_eq!(
        refused(renew(db, PIN, PASSWORD, "", NEW_PASSWORD, later).await),
        RenewalProblem::CodeMissing
    );
    assert_eq!(
        refused(renew(db, PIN, PASSWORD, "000000", NEW_PASSWORD, later).await),
        RenewalProblem::CodeWrong
    );
    // A refused new password spends no code: the same recovery code works afterwards.
    assert!(matches!(
        refused(renew(db, PIN, PASSWORD, &recovery[0], "short", later).await),
        RenewalProblem::NewPassword(_)
    ));
    assert_eq!(
        renew(db, PIN, PASSWORD, &recovery[0], NEW_PASSWORD, later)
            .await
            .unwrap(),
        account
    );
}
on_both_databases!(
    renewal_with_a_code,
    with_two_step_verification_the_renewal_needs_a_code_and_pending_sign_ins_die
);
