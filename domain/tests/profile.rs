//! Changing contacts against real databases: the password is required, bad values are
//! refused by field, another account's email is taken, and the history records the change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{TimeZone, Utc};
use domain::{
    DatabaseConnection,
    accounts::find_account,
    history::{self, Group},
    identity::PhoneProblem,
    profile::{ContactChange, ContactError, ContactProblem as P, change_contacts},
};
use support::{HASHER, PASSWORD, THROTTLE};

fn change<'a>(
    (account_id, session_id): (i64, i64),
    email: &'a str,
    phone: &'a str,
    password: &'a str,
) -> ContactChange<'a> {
    ContactChange {
        account_id,
        session_id,
        email,
        phone,
        current_password: password,
        address: "198.51.100.7",
        user_agent: "Firefox",
    }
}

/// A signed-in session of `account`: (account, session).
async fn signed_in(db: &DatabaseConnection, account: i64) -> (i64, i64) {
    let session = domain::sessions::start_session(
        db,
        account,
        "198.51.100.7",
        "Firefox",
        Utc::now(),
        domain::sessions::SessionPolicy::default(),
    )
    .await
    .unwrap();
    (account, session.session_id)
}

async fn problems(
    db: &DatabaseConnection,
    account: (i64, i64),
    email: &str,
    phone: &str,
    password: &str,
) -> Vec<P> {
    match change_contacts(
        db,
        &HASHER,
        &THROTTLE,
        &change(account, email, phone, password),
        Utc::now(),
    )
    .await
    {
        Err(ContactError::Invalid(problems)) => problems,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn contacts_change_with_the_password_and_are_recorded(db: &DatabaseConnection) {
    let id = support::registered(db, "21503199000123", "bakyt@mail.kg", "Firefox").await;
    support::registered(db, "11002198012345", "taken@mail.kg", "Firefox").await;
    let account = signed_in(db, id).await;

    assert_eq!(
        problems(db, account, "new@mail.kg", "", "wrong").await,
        vec![P::CurrentPasswordWrong]
    );
    assert_eq!(
        problems(db, account, "", "", PASSWORD).await,
        vec![P::ContactMissing]
    );
    assert_eq!(
        problems(db, account, "not-an-email", "+996 555", PASSWORD).await,
        vec![P::EmailInvalid, P::Phone(PhoneProblem::Format)]
    );
    assert_eq!(
        problems(db, account, "Taken@Mail.kg", "", PASSWORD).await,
        vec![P::EmailTaken]
    );
    // Nothing changed so far.
    let before = find_account(db, id).await.unwrap().unwrap();
    assert_eq!(before.email.as_deref(), Some("bakyt@mail.kg"));
    assert_eq!(before.phone, None);

    let changed = change_contacts(
        db,
        &HASHER,
        &THROTTLE,
        &change(account, " Bakyt@Mail.kg ", "+996 (555) 12-34-56", PASSWORD),
        Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(changed, vec!["phone"]);
    let after = find_account(db, id).await.unwrap().unwrap();
    assert_eq!(after.phone.as_deref(), Some("+996555123456"));
    let security = history::page(db, id, Some(Group::Security), 1, 10)
        .await
        .unwrap();
    assert_eq!(security.events[0].kind, "contact_changed");
    assert_eq!(security.events[0].details, r#"{"changed":["phone"]}"#);
    // The same values again: nothing to record.
    let same = change_contacts(
        db,
        &HASHER,
        &THROTTLE,
        &change(account, "bakyt@mail.kg", "+996555123456", PASSWORD),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(same.is_empty());
    assert_eq!(
        history::page(db, id, Some(Group::Security), 1, 10)
            .await
            .unwrap()
            .total,
        1
    );
}
on_both_databases!(contacts, contacts_change_with_the_password_and_are_recorded);

async fn wrong_passwords_in_the_cabinet_end_the_session(db: &DatabaseConnection) {
    use domain::{
        reauthentication::SESSION_ENDS_AFTER,
        sessions::{SessionEnd, SessionPolicy, authenticate, start_session},
        sign_in::{SignInError, SignInForm, sign_in},
    };

    let account = support::registered(db, "21503199000123", "bakyt@mail.kg", "Firefox").await;
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
    let stolen = start_session(db, account, "a", "Intruder", now, SessionPolicy::default())
        .await
        .unwrap();
    let guess = |at| async move {
        change_contacts(
            db,
            &HASHER,
            &THROTTLE,
            &change(
                (account, stolen.session_id),
                "mine@evil.example",
                "",
                "guess",
            ),
            at,
        )
        .await
    };
    for _ in 1..SESSION_ENDS_AFTER {
        assert!(matches!(
            guess(now).await,
            Err(ContactError::Invalid(problems)) if problems == [P::CurrentPasswordWrong]
        ));
    }
    assert!(
        matches!(guess(now).await, Err(ContactError::SessionEnded)),
        "the session holding the guesses ends"
    );
    assert_eq!(
        authenticate(db, &stolen.token, now, SessionPolicy::default())
            .await
            .unwrap(),
        Err(SessionEnd::Revoked)
    );
    // And the guesses count where sign-in counts them: the owner's account now waits.
    let form = SignInForm {
        identifier: "21503199000123".into(),
        password: "another guess".into(),
        address: "b".into(),
        user_agent: "Intruder".into(),
    };
    assert!(matches!(
        sign_in(db, &HASHER, &THROTTLE, &form, now, SessionPolicy::default()).await,
        Err(SignInError::Throttled(_))
    ));
}
on_both_databases!(session_ends, wrong_passwords_in_the_cabinet_end_the_session);
