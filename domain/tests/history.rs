//! The activity history and the inbox against real databases: what sign-ins, failures and
//! registration record, the filter and pages, security notices, reading messages, and
//! scoping by account.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    history::{self, EventKind, Group, NewEvent},
    inbox,
    password_change::change_password,
    sessions::SessionPolicy,
    sign_in::{SignInForm, sign_in},
};
use support::{HASHER, PASSWORD, THROTTLE};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0";
const PHONE: &str = "Mozilla/5.0 (Linux; Android 14) Chrome/140.0 Mobile";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

async fn attempt(
    db: &DatabaseConnection,
    password: &str,
    user_agent: &str,
    at: DateTime<Utc>,
) -> Option<i64> {
    let form = SignInForm {
        identifier: "21503199000123".into(),
        password: password.into(),
        address: "198.51.100.20".into(),
        user_agent: user_agent.into(),
    };
    sign_in(db, &HASHER, &THROTTLE, &form, at, SessionPolicy::default())
        .await
        .ok()
        .and_then(|step| step.signed_in())
        .map(|signed_in| signed_in.session.session_id)
}

async fn sign_ins_and_failures_are_in_the_history(db: &DatabaseConnection) {
    let account = support::registered(db, "21503199000123", "bakyt@mail.kg", FIREFOX).await;
    attempt(db, PASSWORD, FIREFOX, t0() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        attempt(db, "wrong password", FIREFOX, t0() + Duration::minutes(2)).await,
        None
    );
    // An unknown identifier records nothing anywhere.
    let stranger = SignInForm {
        identifier: "21503199000999".into(),
        password: PASSWORD.into(),
        address: "198.51.100.20".into(),
        user_agent: FIREFOX.into(),
    };
    assert!(
        sign_in(
            db,
            &HASHER,
            &THROTTLE,
            &stranger,
            t0(),
            SessionPolicy::default(),
        )
        .await
        .is_err()
    );

    let all = history::page(db, account, None, 1, 20).await.unwrap();
    let kinds: Vec<_> = all.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["sign_in_failed", "signed_in", "registered"]);
    assert_eq!(all.events[0].address, "198.51.100.20");
    assert_eq!(all.events[1].user_agent, FIREFOX);
    assert_eq!(all.events[1].actor, "user");
    assert!(EventKind::SignInFailed.could_be_intruder());
    assert!(!EventKind::OperatorBlocked.could_be_intruder());
    assert_eq!(
        history::page(db, account, Some(Group::Documents), 1, 20)
            .await
            .unwrap()
            .total,
        0
    );
}
on_both_databases!(sign_ins, sign_ins_and_failures_are_in_the_history);

async fn pages_are_newest_first_and_filtered(db: &DatabaseConnection) {
    let account = support::account(db, "21503199000123").await.id;
    let other = support::account(db, "21503199000999").await.id;
    for minute in 0..25 {
        let kind = if minute % 5 == 0 {
            EventKind::DocumentUploaded
        } else {
            EventKind::SignedIn
        };
        history::record(
            db,
            NewEvent::by_user(account, kind, "a", "b", t0() + Duration::minutes(minute))
                .with_details(serde_json::json!({ "minute": minute })),
        )
        .await
        .unwrap();
    }
    history::record(
        db,
        NewEvent {
            actor: history::Actor::Operator,
            reason: Some("court order 12/3"),
            ..NewEvent::by_user(other, EventKind::OperatorBlocked, "a", "b", t0())
        },
    )
    .await
    .unwrap();

    let first = history::page(db, account, None, 1, 10).await.unwrap();
    assert_eq!((first.total, first.page, first.pages), (25, 1, 3));
    assert!(first.events[0].details.contains("\"minute\":24"));
    let last = history::page(db, account, None, 3, 10).await.unwrap();
    assert_eq!(last.events.len(), 5);
    assert!(last.events[4].details.contains("\"minute\":0"));
    // Past the end: the last page.
    assert_eq!(
        history::page(db, account, None, 99, 10).await.unwrap().page,
        3
    );
    let documents = history::page(db, account, Some(Group::Documents), 1, 10)
        .await
        .unwrap();
    assert_eq!(documents.total, 5);
    assert!(
        documents
            .events
            .iter()
            .all(|e| e.kind == "document_uploaded")
    );
    // The operator's action is in its account's history, with the reason, and nowhere else.
    let operator = history::page(db, other, Some(Group::Operator), 1, 10)
        .await
        .unwrap();
    assert_eq!(
        operator.events[0].reason.as_deref(),
        Some("court order 12/3")
    );
    assert_eq!(operator.events[0].actor, "operator");
    assert_eq!(
        history::page(db, account, Some(Group::Operator), 1, 10)
            .await
            .unwrap()
            .total,
        0
    );
}
on_both_databases!(paging, pages_are_newest_first_and_filtered);

async fn security_notices_reach_the_inbox(db: &DatabaseConnection) {
    let account = support::registered(db, "21503199000123", "bakyt@mail.kg", FIREFOX).await;
    let first = attempt(db, PASSWORD, FIREFOX, t0() + Duration::minutes(1)).await;
    // The first sign-in and one from a known device are not news.
    attempt(db, PASSWORD, FIREFOX, t0() + Duration::minutes(2)).await;
    assert_eq!(inbox::unread_count(db, account).await.unwrap(), 0);
    attempt(db, PASSWORD, PHONE, t0() + Duration::minutes(3)).await;
    let messages = inbox::latest(db, account, 10).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].kind, inbox::kinds::NEW_DEVICE_SIGN_IN);
    assert!(messages[0].params.contains("Android"));
    assert!(messages[0].params.contains("198.51.100.20"));

    change_password(
        db,
        &HASHER,
        &THROTTLE,
        &domain::password_change::PasswordChange {
            account_id: account,
            session_id: first.unwrap(),
            current: PASSWORD,
            new: "Жаңы сырсөз 2027 жыл",
            address: "198.51.100.20",
            user_agent: FIREFOX,
        },
        t0() + Duration::minutes(4),
    )
    .await
    .unwrap();
    let messages = inbox::latest(db, account, 10).await.unwrap();
    assert_eq!(messages[0].kind, inbox::kinds::PASSWORD_CHANGED);
    assert_eq!(inbox::unread_count(db, account).await.unwrap(), 2);
}
on_both_databases!(notices, security_notices_reach_the_inbox);

async fn opening_a_message_marks_it_read_for_its_owner_only(db: &DatabaseConnection) {
    let account = support::account(db, "21503199000123").await.id;
    let other = support::account(db, "21503199000999").await.id;
    for minute in 0..12 {
        inbox::send(
            db,
            account,
            inbox::kinds::PASSWORD_CHANGED,
            serde_json::json!({ "n": minute }),
            t0() + Duration::minutes(minute),
        )
        .await
        .unwrap();
    }
    let page = inbox::page(db, account, 1, 10).await.unwrap();
    assert_eq!((page.total, page.unread, page.pages), (12, 12, 2));
    assert!(page.messages[0].params.contains("\"n\":11"));
    let newest = page.messages[0].id;

    // Another account can neither read nor mark it.
    assert_eq!(inbox::find(db, other, newest).await.unwrap(), None);
    assert!(!inbox::mark_read(db, other, newest, t0()).await.unwrap());
    assert_eq!(inbox::unread_count(db, account).await.unwrap(), 12);

    // Reading it changes nothing; opening it (a POST) marks it read.
    let read = inbox::find(db, account, newest).await.unwrap().unwrap();
    assert_eq!(read.read_at, None);
    assert_eq!(inbox::unread_count(db, account).await.unwrap(), 12);
    assert!(
        inbox::mark_read(db, account, newest, t0() + Duration::hours(1))
            .await
            .unwrap()
    );
    let opened = inbox::find(db, account, newest).await.unwrap().unwrap();
    assert_eq!(opened.read_at, Some(t0() + Duration::hours(1)));
    assert_eq!(inbox::unread_count(db, account).await.unwrap(), 11);
    // Opening again keeps the first reading time.
    inbox::mark_read(db, account, newest, t0() + Duration::hours(2))
        .await
        .unwrap();
    let again = inbox::find(db, account, newest).await.unwrap().unwrap();
    assert_eq!(again.read_at, Some(t0() + Duration::hours(1)));
    let second = inbox::page(db, account, 2, 10).await.unwrap();
    assert_eq!(second.messages.len(), 2);
}
on_both_databases!(reading, opening_a_message_marks_it_read_for_its_owner_only);
