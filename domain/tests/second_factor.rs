//! The TOTP second factor against real databases: enrolment, sign-in with a code or a
//! recovery code, replay, limits, and turning it off.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::LazyLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    password::PasswordHasher,
    registration::{RegistrationForm, register},
    second_factor::{
        CHALLENGE_ATTEMPTS, ChallengeAnswer, ChallengeError, RECOVERY_CODES, SecondFactorError,
        SecondFactorProblem, SecondFactorState, answer_challenge, confirm_enrolment, current_code,
        start_enrolment, state, turn_off,
    },
    sessions::{SessionPolicy, authenticate},
    sign_in::{SignInForm, SignInStep, sign_in},
    throttle::ADDRESS_LIMIT,
};

static HASHER: LazyLock<PasswordHasher> =
    LazyLock::new(|| PasswordHasher::with_concurrency(2).unwrap());
const PASSWORD: &str = "Ысык-Көл жайы 2026";
const PIN: &str = "21503199000123";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

async fn registered(db: &DatabaseConnection) -> i64 {
    let person = RegistrationForm {
        kind: "individual".into(),
        pin: PIN.into(),
        full_name: "Асанов Бакыт".into(),
        email: "bakyt@mail.kg".into(),
        password: PASSWORD.into(),
        accepts_agreement: true,
        consents_to_personal_data: true,
        agreement_version_shown: 1,
        language: "ru".into(),
        ..Default::default()
    };
    register(db, &HASHER, &person, t0())
        .await
        .unwrap()
        .account_id
}

fn problem<T: std::fmt::Debug>(outcome: Result<T, SecondFactorError>) -> SecondFactorProblem {
    match outcome {
        Err(SecondFactorError::Invalid(problem)) => problem,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Enrols at t0 and returns the secret and the recovery codes.
async fn enrolled(db: &DatabaseConnection, account: i64) -> (String, Vec<String>) {
    let enrolment = start_enrolment(db, account, t0()).await.unwrap();
    let codes = confirm_enrolment(
        db,
        account,
        &current_code(&enrolment.secret, t0()).unwrap(),
        t0(),
    )
    .await
    .unwrap();
    (enrolment.secret, codes)
}

/// Signs in with the right password at `now`.
async fn password_step(db: &DatabaseConnection, now: DateTime<Utc>) -> SignInStep {
    sign_in(
        db,
        &HASHER,
        &SignInForm {
            identifier: PIN.into(),
            password: PASSWORD.into(),
            address: "a".into(),
            user_agent: "Firefox".into(),
        },
        now,
        SessionPolicy::default(),
        ADDRESS_LIMIT,
    )
    .await
    .unwrap()
}

/// Signs in with the password at `now` and returns the challenge token.
async fn challenge(db: &DatabaseConnection, now: DateTime<Utc>) -> String {
    match password_step(db, now).await {
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
    answer_challenge(db, &answer, now, SessionPolicy::default(), ADDRESS_LIMIT).await
}

async fn enrolment_needs_a_code_from_the_app(db: &DatabaseConnection) {
    let account = registered(db).await;
    assert_eq!(state(db, account).await.unwrap(), SecondFactorState::Off);
    let first = start_enrolment(db, account, t0()).await.unwrap();
    let again = start_enrolment(db, account, t0()).await.unwrap();
    assert_eq!(
        first, again,
        "coming back to the page shows the same secret"
    );
    assert!(first.uri.contains(&format!("secret={}", first.secret)));
    assert_eq!(
        state(db, account).await.unwrap(),
        SecondFactorState::Enrolling
    );

    assert_eq!(
        problem(confirm_enrolment(db, account, " ", t0()).await),
        SecondFactorProblem::CodeMissing
    );
    let wrong = if current_code(&first.secret, t0()).unwrap() == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        problem(confirm_enrolment(db, account, wrong, t0()).await),
        SecondFactorProblem::CodeWrong
    );
    let stale = current_code(&first.secret, t0() - Duration::minutes(5)).unwrap();
    if stale != current_code(&first.secret, t0()).unwrap() {
        assert_eq!(
            problem(confirm_enrolment(db, account, &stale, t0()).await),
            SecondFactorProblem::CodeWrong
        );
    }
    // A code from the previous step is forgiven (the phone's clock may be a little late).
    let late = current_code(&first.secret, t0() - Duration::seconds(30)).unwrap();
    let codes = confirm_enrolment(db, account, &late, t0()).await.unwrap();
    assert_eq!(codes.len(), RECOVERY_CODES);
    assert_eq!(
        state(db, account).await.unwrap(),
        SecondFactorState::On {
            recovery_codes_left: RECOVERY_CODES as u64
        }
    );
    assert_eq!(
        problem(start_enrolment(db, account, t0()).await),
        SecondFactorProblem::AlreadyOn
    );
}
on_both_databases!(enrolment, enrolment_needs_a_code_from_the_app);

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
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert!(matches!(
        answer(db, &token, wrong, now).await,
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
    let wrong = if code == "999999" { "888888" } else { "999999" };
    for _ in 0..CHALLENGE_ATTEMPTS {
        assert!(matches!(
            answer(db, &token, wrong, now).await,
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

async fn turning_it_off_needs_the_password(db: &DatabaseConnection) {
    let account = registered(db).await;
    enrolled(db, account).await;
    assert_eq!(
        problem(turn_off(db, &HASHER, account, "not the password").await),
        SecondFactorProblem::PasswordWrong
    );
    turn_off(db, &HASHER, account, PASSWORD).await.unwrap();
    assert_eq!(state(db, account).await.unwrap(), SecondFactorState::Off);
    let step = password_step(db, t0()).await;
    assert!(
        step.signed_in().is_some(),
        "no code is asked once it is off"
    );
}
on_both_databases!(turn_off_with_password, turning_it_off_needs_the_password);
