//! Drafts of forms that failed without JavaScript.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, Utc};
use domain::{
    DatabaseConnection,
    form_draft::{DRAFT_LIFETIME, save_draft, take_draft},
};
use serde_json::json;

async fn a_draft_is_given_back_once_and_only_to_its_form(db: &DatabaseConnection) {
    let now = Utc::now();
    let payload = json!({"message": "Сообщение"});
    let token = save_draft(db, "feedback", &payload, now).await.unwrap();

    assert_eq!(take_draft(db, "register", &token, now).await.unwrap(), None);
    assert_eq!(
        take_draft(db, "feedback", "forged-token", now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        take_draft(db, "feedback", &token, now).await.unwrap(),
        Some(payload)
    );
    assert_eq!(
        take_draft(db, "feedback", &token, now).await.unwrap(),
        None,
        "taken once"
    );
}
on_both_databases!(draft_once, a_draft_is_given_back_once_and_only_to_its_form);

async fn an_expired_draft_is_not_given_back(db: &DatabaseConnection) {
    let then = Utc::now() - DRAFT_LIFETIME - Duration::seconds(1);
    let token = save_draft(db, "feedback", &json!({"message": "old"}), then)
        .await
        .unwrap();
    assert_eq!(
        take_draft(db, "feedback", &token, Utc::now())
            .await
            .unwrap(),
        None
    );
}
on_both_databases!(draft_expiry, an_expired_draft_is_not_given_back);
