//! The feedback service against real databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{TimeZone, Utc};
use domain::{
    DatabaseConnection,
    entities::feedback,
    feedback::{
        FeedbackError, FeedbackForm, FeedbackProblem, FeedbackTopic, find_receipt, submit_feedback,
    },
};
use sea_orm::{EntityTrait, PaginatorTrait};

fn form(topic: &str, message: &str, reply_email: &str) -> FeedbackForm {
    FeedbackForm {
        topic: topic.into(),
        message: message.into(),
        reply_email: reply_email.into(),
        language: "ru".into(),
    }
}

async fn valid_feedback_is_stored_with_a_yearly_reference(db: &DatabaseConnection) {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
    let first = submit_feedback(
        db,
        &form("question", "  Как получить справку?  ", " me@mail.kg "),
        now,
    )
    .await
    .expect("valid feedback is stored");
    let second = submit_feedback(db, &form("problem", "The page does not open.", ""), now)
        .await
        .expect("valid feedback is stored");

    assert_eq!(first.reference, "FB-2026-000001");
    assert_eq!(second.reference, "FB-2026-000002");
    let stored = feedback::Entity::find().all(db).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored[0].message, "Как получить справку?",
        "surrounding blanks are trimmed"
    );
    assert_eq!(stored[0].reply_email.as_deref(), Some("me@mail.kg"));
    assert_eq!(stored[0].language, "ru");
    assert_eq!(
        stored[1].reply_email, None,
        "an empty reply address is stored as none"
    );
    assert_eq!(stored[0].submitted_at, now);

    let receipt = find_receipt(db, "FB-2026-000002")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(receipt.topic, FeedbackTopic::Problem);
    assert_eq!(find_receipt(db, "FB-2026-999999").await.unwrap(), None);
}
on_both_databases!(
    valid_feedback,
    valid_feedback_is_stored_with_a_yearly_reference
);

async fn invalid_feedback_never_reaches_the_database(db: &DatabaseConnection) {
    let outcome = submit_feedback(db, &form("", "short", "nope@"), Utc::now()).await;
    match outcome {
        Err(FeedbackError::Invalid(problems)) => assert_eq!(
            problems,
            vec![
                FeedbackProblem::TopicMissing,
                FeedbackProblem::MessageTooShort,
                FeedbackProblem::ReplyEmailInvalid
            ]
        ),
        other => panic!("expected validation problems, got {other:?}"),
    }
    let too_long = "x".repeat(5_001);
    assert!(
        submit_feedback(db, &form("other", &too_long, ""), Utc::now())
            .await
            .is_err()
    );
    assert_eq!(feedback::Entity::find().count(db).await.unwrap(), 0);
}
on_both_databases!(
    invalid_feedback,
    invalid_feedback_never_reaches_the_database
);
