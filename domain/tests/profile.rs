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
use support::{HASHER, PASSWORD};

fn change<'a>(email: &'a str, phone: &'a str, password: &'a str) -> ContactChange<'a> {
    ContactChange {
        email,
        phone,
        current_password: password,
        address: "198.51.100.7",
        user_agent: "Firefox",
    }
}

async fn problems(
    db: &DatabaseConnection,
    account: i64,
    email: &str,
    phone: &str,
    password: &str,
) -> Vec<P> {
    match change_contacts(
        db,
        &HASHER,
        account,
        &change(email, phone, password),
        Utc::now(),
    )
    .await
    {
        Err(ContactError::Invalid(problems)) => problems,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn contacts_change_with_the_password_and_are_recorded(db: &DatabaseConnection) {
    let account = support::registered(db, "21503199000123", "bakyt@mail.kg", "Firefox").await;
    support::registered(db, "11002198012345", "taken@mail.kg", "Firefox").await;

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
    let before = find_account(db, account).await.unwrap().unwrap();
    assert_eq!(before.email.as_deref(), Some("bakyt@mail.kg"));
    assert_eq!(before.phone, None);

    let changed = change_contacts(
        db,
        &HASHER,
        account,
        &change(" Bakyt@Mail.kg ", "+996 (555) 12-34-56", PASSWORD),
        Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(changed, vec!["phone"]);
    let after = find_account(db, account).await.unwrap().unwrap();
    assert_eq!(after.phone.as_deref(), Some("+996555123456"));
    let security = history::page(db, account, Some(Group::Security), 1, 10)
        .await
        .unwrap();
    assert_eq!(security.events[0].kind, "contact_changed");
    assert_eq!(security.events[0].details, r#"{"changed":["phone"]}"#);
    // The same values again: nothing to record.
    let same = change_contacts(
        db,
        &HASHER,
        account,
        &change("bakyt@mail.kg", "+996555123456", PASSWORD),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(same.is_empty());
    assert_eq!(
        history::page(db, account, Some(Group::Security), 1, 10)
            .await
            .unwrap()
            .total,
        1
    );
}
on_both_databases!(contacts, contacts_change_with_the_password_and_are_recorded);
