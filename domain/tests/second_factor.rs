//! The TOTP second factor against real databases: enrolment (asked for, short-lived, bound
//! to its session, confirmed with the password), sign-in with a code or a recovery code,
//! replay and races, limits and the lock, and turning it off with the password and a code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    second_factor::{
        CHALLENGE_ATTEMPTS, ChallengeAnswer, ChallengeError, ENROLMENT_LIFETIME, LOCK_AFTER,
        RECOVERY_CODES, SecondFactorError, SecondFactorProblem, SecondFactorState,
        answer_challenge, confirm_enrolment, current_code, enrolment::Proof, pending_enrolment,
        start_enrolment, state, turn_off,
    },
    sessions::{SessionPolicy, authenticate, start_session},
    sign_in::{SignInError, SignInForm, SignInStep, sign_in},
};
use support::{HASHER, PASSWORD, THROTTLE};

const PIN: &str = "21503199000123";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

async fn registered(db: &DatabaseConnection) -> i64 {
    support::registered(db, PIN, "bakyt@mail.kg", "Firefox").await
}

/// A session of the account's own, for the cabinet's checks.
async fn session(db: &DatabaseConnection, account: i64, at: DateTime<Utc>) -> i64 {
    start_session(db, account, "a", "Firefox", at, SessionPolicy::default())
        .await
        .unwrap()
        .session_id
}

fn problems<T: std::fmt::Debug>(outcome: Result<T, SecondFactorError>) -> Vec<SecondFactorProblem> {
    match outcome {
        Err(SecondFactorError::Invalid(problems)) => problems,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn proof<'a>(account: i64, session: i64, password: &'a str, code: &'a str) -> Proof<'a> {
    Proof {
        account_id: account,
        session_id: session,
        password,
        code,
        address: "a",
        user_agent: "Firefox",
    }
}

/// A code that is not `right`.
fn other_than(right: &str) -> &'static str {
    if right == "123456" {
        "654321"
    } else {
        "123456"
    }
}

/// Enrols at t0 and returns the secret and the recovery codes.
async fn enrolled(db: &DatabaseConnection, account: i64) -> (String, Vec<String>) {
    let session = session(db, account, t0()).await;
    let enrolment = start_enrolment(db, account, session, t0()).await.unwrap();
    let code = current_code(&enrolment.secret, t0()).unwrap();
    let codes = confirm_enrolment(
        db,
        &HASHER,
        &THROTTLE,
        &proof(account, session, PASSWORD, &code),
        t0(),
    )
    .await
    .unwrap();
    (enrolment.secret, codes)
}

/// Signs in with the right password at `now`.
async fn password_step(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<SignInStep, SignInError> {
    sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &SignInForm {
            identifier: PIN.into(),
            password: PASSWORD.into(),
            address: "a".into(),
            user_agent: "Firefox".into(),
        },
        now,
        SessionPolicy::default(),
    )
    .await
}

/// Signs in with the password at `now` and returns the challenge token.
async fn challenge(db: &DatabaseConnection, now: DateTime<Utc>) -> String {
    match password_step(db, now).await.unwrap() {
        SignInStep::CodeRequired { challenge } => challenge,
        SignInStep::SignedIn(_) => panic!("the second factor was skipped"),
    }
}

async fn answer(
    db: &DatabaseConnection,
    token: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<domain::sign_in::SignedIn, ChallengeError> {
    let answer = ChallengeAnswer {
        token: token.into(),
        code: code.into(),
        address: "a".into(),
        user_agent: "Firefox".into(),
    };
    answer_challenge(db, &THROTTLE, &answer, now, SessionPolicy::default()).await
}

async fn enrolment_is_asked_for_short_lived_and_needs_the_password(db: &DatabaseConnection) {
    let account = registered(db).await;
    let mine = session(db, account, t0()).await;
    let elsewhere = session(db, account, t0()).await;
    assert_eq!(state(db, account).await.unwrap(), SecondFactorState::Off);
    assert_eq!(
        pending_enrolment(db, account, mine, t0()).await.unwrap(),
        None,
        "looking creates no secret"
    );
    let first = start_enrolment(db, account, mine, t0()).await.unwrap();
    let fresh = start_enrolment(db, account, mine, t0()).await.unwrap();
    assert_ne!(
        first.secret, fresh.secret,
        "every request draws a new secret"
    );
    assert!(fresh.uri.contains(&format!("secret={}", fresh.secret)));
    assert_eq!(fresh.expires_at, t0() + ENROLMENT_LIFETIME);
    assert_eq!(
        pending_enrolment(db, account, mine, t0()).await.unwrap(),
        Some(fresh.clone())
    );
    assert_eq!(
        pending_enrolment(db, account, elsewhere, t0())
            .await
            .unwrap(),
        None,
        "another session does not see it"
    );
    assert_eq!(
        state(db, account).await.unwrap(),
        SecondFactorState::Enrolling
    );

    let code = current_code(&fresh.secret, t0()).unwrap();
    let confirm = |session, password, code| async move {
        confirm_enrolment(
            db,
            &HASHER,
            &THROTTLE,
            &proof(account, session, password, code),
            t0(),
        )
        .await
    };
    assert_eq!(
        problems(confirm(mine, "", " ").await),
        [
            SecondFactorProblem::PasswordMissing,
            SecondFactorProblem::CodeMissing
        ]
    );
    assert_eq!(
        problems(confirm(mine, "not the password", &code).await),
        [SecondFactorProblem::PasswordWrong],
        "a session alone cannot turn it on"
    );
    assert_eq!(
        problems(confirm(mine, PASSWORD, other_than(&code)).await),
        [SecondFactorProblem::CodeWrong]
    );
    let stale = current_code(&first.secret, t0()).unwrap();
    if stale != code {
        assert_eq!(
            problems(confirm(mine, PASSWORD, &stale).await),
            [SecondFactorProblem::CodeWrong],
            "the replaced secret's code is refused"
        );
    }
    assert_eq!(
        problems(confirm(elsewhere, PASSWORD, &code).await),
        [SecondFactorProblem::NotEnrolling]
    );
    let expired = confirm_enrolment(
        db,
        &HASHER,
        &THROTTLE,
        &proof(account, mine, PASSWORD, &code),
        t0() + ENROLMENT_LIFETIME + Duration::seconds(1),
    )
    .await;
    assert_eq!(problems(expired), [SecondFactorProblem::NotEnrolling]);

    // A code from the previous step is forgiven (the phone's clock may be a little late).
    let late = current_code(&fresh.secret, t0() - Duration::seconds(30)).unwrap();
    let codes = confirm(mine, PASSWORD, &late).await.unwrap();
    assert_eq!(codes.len(), RECOVERY_CODES);
    assert_eq!(
        state(db, account).await.unwrap(),
        SecondFactorState::On {
            recovery_codes_left: RECOVERY_CODES as u64
        }
    );
    assert_eq!(
        problems(start_enrolment(db, account, mine, t0()).await),
        [SecondFactorProblem::AlreadyOn]
    );
}
on_both_databases!(
    enrolment,
    enrolment_is_asked_for_short_lived_and_needs_the_password
);

async fn sign_in_asks_for_the_code_and_accepts_it_once(db: &DatabaseConnection) {
    let account = registered(db).await;
    let (secret, _) = enrolled(db, account).await;
    let now = t0() + Duration::minutes(2);

    let token = challenge(db, now).await;
    assert!(matches!(
        answer(db, &token, "", now).await,
        Err(ChallengeError::CodeMissing)
    ));
    let code = current_code(&secret, now).unwrap();
    assert!(matches!(
        answer(db, &token, other_than(&code), now).await,
        Err(ChallengeError::CodeWrong)
    ));
    let signed_in = answer(db, &token, &code, now).await.unwrap();
    assert_eq!(signed_in.account_id, account);
    let session = authenticate(db, &signed_in.session.token, now, SessionPolicy::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.account_id, account);
    assert!(
        matches!(
            answer(db, &token, &code, now).await,
            Err(ChallengeError::Over)
        ),
        "an answered challenge is closed"
    );

    let replay = challenge(db, now).await;
    assert!(
        matches!(
            answer(db, &replay, &code, now).await,
            Err(ChallengeError::CodeWrong)
        ),
        "the same code is not accepted twice"
    );
    let later = now + Duration::seconds(30);
    answer(db, &replay, &current_code(&secret, later).unwrap(), later)
        .await
        .unwrap();
}
on_both_databases!(code_sign_in, sign_in_asks_for_the_code_and_accepts_it_once);

async fn one_code_makes_one_session_however_many_ask_at_once(db: &DatabaseConnection) {
    let account = registered(db).await;
    let (secret, _) = enrolled(db, account).await;
    let now = t0() + Duration::minutes(2);
    let mut tokens = Vec::new();
    for _ in 0..4 {
        tokens.push(challenge(db, now).await);
    }
    let code = current_code(&secret, now).unwrap();
    let answers = tokens.iter().map(|token| answer(db, token, &code, now));
    let outcomes = futures::future::join_all(answers).await;
    let sessions = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(sessions, 1, "{outcomes:?}");
}
on_both_databases!(
    one_code,
    one_code_makes_one_session_however_many_ask_at_once
);

async fn recovery_codes_work_once_each(db: &DatabaseConnection) {
    let account = registered(db).await;
    let (_, codes) = enrolled(db, account).await;
    let token = challenge(db, t0()).await;
    let typed = codes[3].to_lowercase().replace('-', " ");
    answer(db, &token, &typed, t0()).await.unwrap();
    assert_eq!(
        state(db, account).await.unwrap(),
        SecondFactorState::On {
            recovery_codes_left: RECOVERY_CODES as u64 - 1
        }
    );
    let again = challenge(db, t0()).await;
    assert!(matches!(
        answer(db, &again, &codes[3], t0()).await,
        Err(ChallengeError::CodeWrong)
    ));
    answer(db, &again, &codes[4], t0()).await.unwrap();
}
on_both_databases!(recovery, recovery_codes_work_once_each);

async fn a_challenge_ends_after_wrong_codes_or_time(db: &DatabaseConnection) {
    let account = registered(db).await;
    let (secret, _) = enrolled(db, account).await;
    let now = t0() + Duration::minutes(1);
    let token = challenge(db, now).await;
    let code = current_code(&secret, now).unwrap();
    for _ in 0..CHALLENGE_ATTEMPTS {
        assert!(matches!(
            answer(db, &token, other_than(&code), now).await,
            Err(ChallengeError::CodeWrong)
        ));
    }
    let outcome = answer(db, &token, &code, now).await;
    assert!(
        matches!(
            outcome,
            Err(ChallengeError::Over) | Err(ChallengeError::Throttled(_))
        ),
        "after {CHALLENGE_ATTEMPTS} wrong codes the right one no longer helps: {outcome:?}"
    );

    let late = t0() + Duration::hours(2);
    let token = challenge(db, late).await;
    let after = late + Duration::minutes(6);
    assert!(matches!(
        answer(db, &token, &current_code(&secret, after).unwrap(), after).await,
        Err(ChallengeError::Over)
    ));
}
on_both_databases!(challenge_limits, a_challenge_ends_after_wrong_codes_or_time);

async fn parallel_wrong_codes_cannot_share_a_challenges_last_attempt(db: &DatabaseConnection) {
    let account = registered(db).await;
    let (secret, _) = enrolled(db, account).await;
    let now = t0() + Duration::minutes(1);
    let token = challenge(db, now).await;
    let code = current_code(&secret, now).unwrap();
    for _ in 0..CHALLENGE_ATTEMPTS - 1 {
        assert!(matches!(
            answer(db, &token, other_than(&code), now).await,
            Err(ChallengeError::CodeWrong)
        ));
    }
    // One attempt is left; six guesses arrive at once.
    let guesses = (0..6).map(|i| {
        let token = token.clone();
        async move { answer(db, &token, &format!("{:06}", 100_000 + i), now).await }
    });
    let outcomes = futures::future::join_all(guesses).await;
    let looked_at = outcomes
        .iter()
        .filter(|o| matches!(o, Err(ChallengeError::CodeWrong) | Ok(_)))
        .count();
    assert!(
        looked_at <= 1,
        "at most one guess was looked at: {outcomes:?}"
    );
}
on_both_databases!(
    parallel_codes,
    parallel_wrong_codes_cannot_share_a_challenges_last_attempt
);

async fn a_correct_password_forgives_no_wrong_codes(db: &DatabaseConnection) {
    let account = registered(db).await;
    let (secret, _) = enrolled(db, account).await;
    let now = t0() + Duration::minutes(1);
    let token = challenge(db, now).await;
    let code = current_code(&secret, now).unwrap();
    for _ in 0..CHALLENGE_ATTEMPTS {
        let _ = answer(db, &token, other_than(&code), now).await;
    }
    // Whoever knows the password gets no fresh round of guesses by typing it again.
    match password_step(db, now + Duration::seconds(1)).await {
        Err(SignInError::Throttled(throttled)) => assert!(throttled.retry_at > now),
        other => panic!("the wrong codes still count, got {other:?}"),
    }
    // After the wait, the right code completes the sign-in and forgives them.
    let later = now + Duration::minutes(1);
    let token = challenge(db, later).await;
    answer(db, &token, &current_code(&secret, later).unwrap(), later)
        .await
        .unwrap();
    assert_eq!(
        THROTTLE
            .failures(db, domain::throttle::Subject::Account(account), later)
            .await
            .unwrap(),
        0
    );
}
on_both_databases!(
    password_forgives_nothing,
    a_correct_password_forgives_no_wrong_codes
);

async fn repeated_wrong_codes_lock_the_second_factor_and_tell_the_owner(db: &DatabaseConnection) {
    let account = registered(db).await;
    let (secret, _) = enrolled(db, account).await;
    // Wrong codes, twenty minutes apart (after every wait the throttle asks for).
    let mut at = t0();
    for _ in 0..LOCK_AFTER {
        at += Duration::minutes(20);
        let token = challenge(db, at).await;
        let code = current_code(&secret, at).unwrap();
        let wrong = answer(db, &token, other_than(&code), at).await;
        assert!(matches!(wrong, Err(ChallengeError::CodeWrong)), "{wrong:?}");
    }
    at += Duration::minutes(20);
    let token = challenge(db, at).await;
    let right = answer(db, &token, &current_code(&secret, at).unwrap(), at).await;
    assert!(
        matches!(right, Err(ChallengeError::Locked { .. })),
        "even the right code is refused while locked: {right:?}"
    );
    let inbox = domain::inbox::page(db, account, 1, 10).await.unwrap();
    assert!(
        inbox
            .messages
            .iter()
            .any(|m| m.kind == domain::inbox::kinds::SECOND_FACTOR_LOCKED),
        "the owner is told"
    );
    // An hour later codes work again.
    let after = at + Duration::hours(1) + Duration::minutes(1);
    let token = challenge(db, after).await;
    answer(db, &token, &current_code(&secret, after).unwrap(), after)
        .await
        .unwrap();
}
on_both_databases!(
    lock,
    repeated_wrong_codes_lock_the_second_factor_and_tell_the_owner
);

async fn turning_it_off_needs_the_password_and_a_code(db: &DatabaseConnection) {
    let account = registered(db).await;
    let (secret, codes) = enrolled(db, account).await;
    let here = session(db, account, t0()).await;
    let now = t0() + Duration::minutes(2);
    let off = |password, code| async move {
        turn_off(
            db,
            &HASHER,
            &THROTTLE,
            &proof(account, here, password, code),
            now,
        )
        .await
    };
    let code = current_code(&secret, now).unwrap();
    assert_eq!(
        problems(off("not the password", &code).await),
        [SecondFactorProblem::PasswordWrong]
    );
    assert_eq!(
        problems(off(PASSWORD, "").await),
        [SecondFactorProblem::CodeMissing],
        "the password alone is not enough"
    );
    assert_eq!(
        problems(off(PASSWORD, other_than(&code)).await),
        [SecondFactorProblem::CodeWrong]
    );
    off(PASSWORD, &codes[0]).await.unwrap();
    assert_eq!(state(db, account).await.unwrap(), SecondFactorState::Off);
    let step = password_step(db, now).await.unwrap();
    assert!(
        step.signed_in().is_some(),
        "no code is asked once it is off"
    );
}
on_both_databases!(
    turn_off_needs_both,
    turning_it_off_needs_the_password_and_a_code
);

async fn a_password_change_wipes_an_unconfirmed_secret_and_pending_sign_ins(
    db: &DatabaseConnection,
) {
    use domain::password_change::{PasswordChange, change_password};

    let account = registered(db).await;
    let (secret, _) = enrolled(db, account).await;
    let now = t0() + Duration::minutes(2);
    let waiting = challenge(db, now).await;
    let here = session(db, account, now).await;
    change_password(
        db,
        &HASHER,
        &THROTTLE,
        &PasswordChange {
            account_id: account,
            session_id: here,
            current: PASSWORD,
            new: "Нарын дарыясы 1987",
            address: "a",
            user_agent: "Firefox",
        },
        now,
    )
    .await
    .unwrap();
    assert!(
        matches!(
            answer(db, &waiting, &current_code(&secret, now).unwrap(), now).await,
            Err(ChallengeError::Over)
        ),
        "a sign-in begun with the old password cannot finish"
    );

    // And an enrolment waiting for its code is gone after a change.
    let other = support::registered(db, "11002198012345", "other@mail.kg", "Firefox").await;
    let there = session(db, other, now).await;
    start_enrolment(db, other, there, now).await.unwrap();
    change_password(
        db,
        &HASHER,
        &THROTTLE,
        &PasswordChange {
            account_id: other,
            session_id: there,
            current: PASSWORD,
            new: "Нарын дарыясы 1987",
            address: "a",
            user_agent: "Firefox",
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        pending_enrolment(db, other, there, now).await.unwrap(),
        None
    );
}
on_both_databases!(
    password_change_wipes,
    a_password_change_wipes_an_unconfirmed_secret_and_pending_sign_ins
);
