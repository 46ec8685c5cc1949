//! Drafts of forms that failed without JavaScript: given back once, to their form (and
//! session) only, bounded in size, gone when they expire or the session exits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, Utc};
use domain::{
    DatabaseConnection,
    form_draft::{DRAFT_LIFETIME, MAX_FIELD_CHARS, forget_session, purge, save_draft, take_draft},
};
use serde_json::json;

async fn a_draft_is_given_back_once_and_only_to_its_form(db: &DatabaseConnection) {
    let now = Utc::now();
    let payload = json!({"message": "Сообщение"});
    let token = save_draft(db, "feedback", &payload, None, now)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(
        take_draft(db, "register", &token, None, now).await.unwrap(),
        None
    );
    assert_eq!(
        take_draft(db, "feedback", "forged-token", None, now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        take_draft(db, "feedback", &token, None, now).await.unwrap(),
        Some(payload)
    );
    assert_eq!(
        take_draft(db, "feedback", &token, None, now).await.unwrap(),
        None,
        "taken once"
    );
}
on_both_databases!(draft_once, a_draft_is_given_back_once_and_only_to_its_form);

async fn an_expired_draft_is_not_given_back_and_is_purged(db: &DatabaseConnection) {
    let then = Utc::now() - DRAFT_LIFETIME - Duration::seconds(1);
    let old = save_draft(db, "feedback", &json!({"message": "old"}), None, then)
        .await
        .unwrap()
        .unwrap();
    save_draft(db, "feedback", &json!({"message": "also old"}), None, then)
        .await
        .unwrap();
    assert_eq!(purge(db, Utc::now()).await.unwrap(), 2);
    assert_eq!(
        take_draft(db, "feedback", &old, None, Utc::now())
            .await
            .unwrap(),
        None
    );
}
on_both_databases!(
    draft_expiry,
    an_expired_draft_is_not_given_back_and_is_purged
);

async fn a_draft_keeps_bounded_text_only(db: &DatabaseConnection) {
    let now = Utc::now();
    // A 250 KB "identifier", as a script would post.
    let huge = "2".repeat(250_000);
    let token = save_draft(db, "login", &json!(huge), None, now)
        .await
        .unwrap()
        .unwrap();
    let kept = take_draft(db, "login", &token, None, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.as_str().unwrap().chars().count(), MAX_FIELD_CHARS);
    // Many fields of the longest length are not kept at all.
    let many: serde_json::Map<String, serde_json::Value> = (0..40)
        .map(|i| (format!("f{i}"), json!("ж".repeat(MAX_FIELD_CHARS))))
        .collect();
    assert_eq!(
        save_draft(db, "register", &json!(many), None, now)
            .await
            .unwrap(),
        None
    );
}
on_both_databases!(draft_bounds, a_draft_keeps_bounded_text_only);

async fn a_signed_in_draft_belongs_to_its_session(db: &DatabaseConnection) {
    let now = Utc::now();
    let codes = json!(["ABCDE-FGHJK"]);
    let token = save_draft(db, "recovery_codes", &codes, Some(7), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        take_draft(db, "recovery_codes", &token, Some(8), now)
            .await
            .unwrap(),
        None,
        "another session cannot read it, even with the cookie"
    );
    assert_eq!(
        take_draft(db, "recovery_codes", &token, None, now)
            .await
            .unwrap(),
        None,
        "nor can a signed-out browser"
    );
    assert_eq!(forget_session(db, 7).await.unwrap(), 1, "Exit removes it");
    assert_eq!(
        take_draft(db, "recovery_codes", &token, Some(7), now)
            .await
            .unwrap(),
        None
    );
}
on_both_databases!(draft_session, a_signed_in_draft_belongs_to_its_session);
