//! Signing in against real databases: identifiers, sessions, no enumeration, throttling.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::LazyLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    password::PasswordHasher,
    registration::{RegistrationForm, register},
    sessions::{SessionPolicy, authenticate},
    sign_in::{SignInError, SignInForm, sign_in},
    throttle::{ADDRESS_LIMIT, Throttled},
};
use support::THROTTLE;

static HASHER: LazyLock<PasswordHasher> =
    LazyLock::new(|| PasswordHasher::with_concurrency(2).unwrap());
const PASSWORD: &str = "Ысык-Көл жайы 2026";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

async fn registered(db: &DatabaseConnection) {
    let person = RegistrationForm {
        kind: "individual".into(),
        pin: "21503199000123".into(),
        full_name: "Асанов Бакыт".into(),
        email: "bakyt@mail.kg".into(),
        password: PASSWORD.into(),
        accepts_agreement: true,
        consents_to_personal_data: true,
        agreement_version_shown: 1,
        language: "ru".into(),
        ..Default::default()
    };
    register(db, &HASHER, &person, t0()).await.unwrap();
    let company = RegistrationForm {
        kind: "organization".into(),
        inn: "01234567890123".into(),
        organization_name: "Ала-Тоо Сервис".into(),
        email: "office@alatoo.kg".into(),
        ..person
    };
    register(db, &HASHER, &company, t0()).await.unwrap();
}

fn attempt(identifier: &str, password: &str, address: &str) -> SignInForm {
    SignInForm {
        identifier: identifier.into(),
        password: password.into(),
        address: address.into(),
        user_agent: "Firefox".into(),
    }
}

async fn each_identifier_signs_in_with_a_fresh_session(db: &DatabaseConnection) {
    registered(db).await;
    let policy = SessionPolicy::default();
    let by_pin = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("2 1503 1990 00123", PASSWORD, "a"),
        t0(),
        policy,
    )
    .await
    .unwrap()
    .signed_in()
    .unwrap();
    let by_email = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt(" Bakyt@Mail.kg ", PASSWORD, "a"),
        t0(),
        policy,
    )
    .await
    .unwrap()
    .signed_in()
    .unwrap();
    assert_eq!(by_pin.account_id, by_email.account_id);
    assert_ne!(
        by_pin.session.token, by_email.session.token,
        "a new token at every sign-in"
    );
    let by_inn = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("01234567890123", PASSWORD, "a"),
        t0(),
        policy,
    )
    .await
    .unwrap()
    .signed_in()
    .unwrap();
    assert_ne!(
        by_inn.account_id, by_pin.account_id,
        "the INN names the organization"
    );
    let session = authenticate(db, &by_pin.session.token, t0(), policy)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.account_id, by_pin.account_id);
}
on_both_databases!(identifiers, each_identifier_signs_in_with_a_fresh_session);

async fn unknown_accounts_and_wrong_passwords_look_the_same(db: &DatabaseConnection) {
    registered(db).await;
    let policy = SessionPolicy::default();
    let wrong = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("21503199000123", "wrong password", "a"),
        t0(),
        policy,
    )
    .await;
    let unknown = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("11002198012345", PASSWORD, "a"),
        t0(),
        policy,
    )
    .await;
    assert!(matches!(wrong, Err(SignInError::InvalidCredentials)));
    assert!(matches!(unknown, Err(SignInError::InvalidCredentials)));
    assert!(matches!(
        sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt(" ", PASSWORD, "a"),
            t0(),
            policy,
        )
        .await,
        Err(SignInError::Incomplete)
    ));
}
on_both_databases!(
    no_enumeration,
    unknown_accounts_and_wrong_passwords_look_the_same
);

async fn repeated_failures_wait_longer_and_longer(db: &DatabaseConnection) {
    registered(db).await;
    let policy = SessionPolicy::default();
    for identifier in ["21503199000123", "19999999999999"] {
        let mut at = t0();
        for _ in 0..5 {
            at += Duration::seconds(1);
            let outcome = sign_in(
                db,
                &HASHER,
                &THROTTLE,
                &attempt(identifier, "nope", &format!("addr-{identifier}")),
                at,
                policy,
            )
            .await;
            assert!(matches!(outcome, Err(SignInError::InvalidCredentials)));
        }
        // The sixth attempt waits 30 seconds after the fifth failure, known account or not.
        let early = sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt(identifier, PASSWORD, "elsewhere"),
            at + Duration::seconds(10),
            policy,
        )
        .await;
        match early {
            Err(SignInError::Throttled(Throttled { retry_at })) => {
                assert_eq!(retry_at, at + Duration::seconds(30))
            }
            other => panic!("expected a wait for {identifier}, got {other:?}"),
        }
        at += Duration::seconds(30);
        let sixth = sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt(identifier, "nope", "elsewhere"),
            at,
            policy,
        )
        .await;
        assert!(matches!(sixth, Err(SignInError::InvalidCredentials)));
        let next = sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt(identifier, PASSWORD, "elsewhere"),
            at + Duration::seconds(59),
            policy,
        )
        .await;
        match next {
            Err(SignInError::Throttled(Throttled { retry_at })) => {
                assert_eq!(retry_at, at + Duration::seconds(60), "doubled")
            }
            other => panic!("expected a doubled wait, got {other:?}"),
        }
    }
    // The right password after the wait works for the real account.
    let later = t0() + Duration::minutes(3);
    assert!(
        sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt("21503199000123", PASSWORD, "elsewhere"),
            later,
            policy,
        )
        .await
        .is_ok()
    );
}
on_both_databases!(per_identifier, repeated_failures_wait_longer_and_longer);

async fn one_address_gets_twenty_attempts_a_minute(db: &DatabaseConnection) {
    registered(db).await;
    let policy = SessionPolicy::default();
    for i in 0..ADDRESS_LIMIT {
        let who = format!("1{:013}", 1_000_000 + i);
        let at = t0() + Duration::seconds(i64::try_from(i).unwrap());
        assert!(matches!(
            sign_in(
                db,
                &HASHER,
                &THROTTLE,
                &attempt(&who, "nope", "203.0.113.5"),
                at,
                policy,
            )
            .await,
            Err(SignInError::InvalidCredentials)
        ));
    }
    let blocked = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("21503199000123", PASSWORD, "203.0.113.5"),
        t0() + Duration::seconds(30),
        policy,
    )
    .await;
    match blocked {
        Err(SignInError::Throttled(Throttled { retry_at })) => {
            assert_eq!(retry_at, t0() + Duration::seconds(60))
        }
        other => panic!("expected the address to wait, got {other:?}"),
    }
    let other_address = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("21503199000123", PASSWORD, "203.0.113.6"),
        t0() + Duration::seconds(30),
        policy,
    )
    .await;
    assert!(other_address.is_ok(), "another address is not affected");
    let after = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("21503199000123", PASSWORD, "203.0.113.5"),
        t0() + Duration::seconds(61),
        policy,
    )
    .await;
    assert!(after.is_ok(), "the window moves on");
}
on_both_databases!(per_address, one_address_gets_twenty_attempts_a_minute);

async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(
    db: &DatabaseConnection,
) {
    use domain::password_change::{
        PasswordChange, PasswordChangeError, PasswordChangeProblem as P, change_password,
    };

    registered(db).await;
    let policy = SessionPolicy::default();
    let here = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("21503199000123", PASSWORD, "a"),
        t0(),
        policy,
    )
    .await
    .unwrap()
    .signed_in()
    .unwrap();
    let there = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("bakyt@mail.kg", PASSWORD, "b"),
        t0(),
        policy,
    )
    .await
    .unwrap()
    .signed_in()
    .unwrap();
    let account = here.account_id;
    let keep = here.session.session_id;
    let refused = |outcome: Result<u64, PasswordChangeError>| match outcome {
        Err(PasswordChangeError::Invalid(problem)) => problem,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let change = |current: &'static str, new: &'static str| PasswordChange {
        account_id: account,
        session_id: keep,
        current,
        new,
        address: "a",
        user_agent: "Firefox",
    };
    let new = "Нарын дарыясы 1987";
    assert_eq!(
        refused(change_password(db, &HASHER, &THROTTLE, &change("wrong", new), t0()).await),
        P::CurrentPasswordWrong
    );
    assert_eq!(
        refused(change_password(db, &HASHER, &THROTTLE, &change(PASSWORD, PASSWORD), t0()).await),
        P::Unchanged
    );
    assert_eq!(
        refused(
            change_password(db, &HASHER, &THROTTLE, &change(PASSWORD, "qwerty123"), t0()).await
        ),
        P::NewPassword(domain::password::PasswordProblem::TooCommon)
    );
    assert!(
        authenticate(db, &there.session.token, t0(), policy)
            .await
            .unwrap()
            .is_ok(),
        "nothing changed yet"
    );

    assert_eq!(
        change_password(db, &HASHER, &THROTTLE, &change(PASSWORD, new), t0())
            .await
            .unwrap(),
        1
    );
    assert!(
        authenticate(db, &there.session.token, t0(), policy)
            .await
            .unwrap()
            .is_err(),
        "the other session ended"
    );
    assert!(
        authenticate(db, &here.session.token, t0(), policy)
            .await
            .unwrap()
            .is_ok(),
        "this one goes on"
    );
    let later = t0() + Duration::minutes(1);
    assert!(matches!(
        sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt("21503199000123", PASSWORD, "c"),
            later,
            policy,
        )
        .await,
        Err(SignInError::InvalidCredentials)
    ));
    assert!(
        sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt("21503199000123", new, "c"),
            later,
            policy,
        )
        .await
        .is_ok()
    );
}
on_both_databases!(
    password_change,
    changing_the_password_needs_the_current_one_and_ends_other_sessions
);

async fn every_spelling_of_an_identifier_counts_against_the_one_account(db: &DatabaseConnection) {
    registered(db).await;
    let policy = SessionPolicy::default();
    let mut at = t0();
    // Five failures, each spelled differently, from five addresses.
    for (i, spelling) in [
        "21503199000123",
        "2-1503199000123",
        "215031 99000123",
        "2150-3199000123",
        " BAKYT@mail.kg",
    ]
    .into_iter()
    .enumerate()
    {
        at += Duration::seconds(1);
        let outcome = sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt(spelling, "nope", &format!("198.51.100.{i}")),
            at,
            policy,
        )
        .await;
        assert!(
            matches!(outcome, Err(SignInError::InvalidCredentials)),
            "{spelling}: {outcome:?}"
        );
    }
    // The right password through yet another spelling waits like any sixth attempt.
    let sixth = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &attempt("21503-199000-123", PASSWORD, "198.51.100.9"),
        at + Duration::seconds(5),
        policy,
    )
    .await;
    match sixth {
        Err(SignInError::Throttled(Throttled { retry_at })) => {
            assert_eq!(retry_at, at + Duration::seconds(30))
        }
        other => panic!("the account waits whatever the spelling, got {other:?}"),
    }
}
on_both_databases!(
    spellings,
    every_spelling_of_an_identifier_counts_against_the_one_account
);

async fn parallel_attempts_cannot_pass_the_failure_limit_together(db: &DatabaseConnection) {
    registered(db).await;
    let policy = SessionPolicy::default();
    for second in 1..=4 {
        let outcome = sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt("21503199000123", "nope", "198.51.100.1"),
            t0() + Duration::seconds(second),
            policy,
        )
        .await;
        assert!(matches!(outcome, Err(SignInError::InvalidCredentials)));
    }
    // One failure is left before the wait; twelve guesses arrive at once.
    let at = t0() + Duration::seconds(10);
    let guesses = (0..12).map(|i| {
        let form = attempt("21503199000123", &format!("guess {i}"), "198.51.100.2");
        async move { sign_in(db, &HASHER, &THROTTLE, &form, at, policy).await }
    });
    let outcomes = futures::future::join_all(guesses).await;
    let tested = outcomes
        .iter()
        .filter(|o| matches!(o, Err(SignInError::InvalidCredentials)))
        .count();
    let waiting = outcomes
        .iter()
        .filter(|o| matches!(o, Err(SignInError::Throttled(_))))
        .count();
    assert_eq!(
        (tested, waiting),
        (1, 11),
        "one guess was tested, the others wait: {outcomes:?}"
    );
}
on_both_databases!(
    parallel_guesses,
    parallel_attempts_cannot_pass_the_failure_limit_together
);

async fn the_throttle_holds_no_identifier_or_address(db: &DatabaseConnection) {
    use sea_orm::EntityTrait;
    use sha2::{Digest, Sha256};

    registered(db).await;
    for (identifier, address) in [
        ("21503199000123", "198.51.100.77"),
        ("19999999999999", "198.51.100.78"),
    ] {
        let _ = sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &attempt(identifier, "nope", address),
            t0(),
            SessionPolicy::default(),
        )
        .await;
    }
    let rows = domain::entities::throttle::Entity::find()
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        4,
        "an account, an unknown identifier, two addresses"
    );
    let text = format!("{rows:?}");
    for secret in [
        "21503199000123",
        "19999999999999",
        "198.51.100.77",
        "198.51.100.78",
        &hex::encode(Sha256::digest(b"21503199000123")),
        &hex::encode(Sha256::digest(b"19999999999999")),
    ] {
        assert!(
            !text.contains(secret),
            "{secret} is not in the throttle table"
        );
    }
}
on_both_databases!(keyed, the_throttle_holds_no_identifier_or_address);
