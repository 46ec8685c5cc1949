//! Feedback to the operator (product.md §6): a topic, a message and an optional reply
//! address, stored with a reference number that the sender keeps.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};

use crate::{entities::feedback, validate};

/// Shortest and longest message accepted, in characters after trimming.
pub const MESSAGE_MIN_CHARS: usize = 10;
pub const MESSAGE_MAX_CHARS: usize = 5_000;

/// What the feedback is about; the operator sorts incoming messages by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedbackTopic {
    Question,
    Problem,
    Suggestion,
    Complaint,
    Other,
}

impl FeedbackTopic {
    pub const ALL: [FeedbackTopic; 5] = [
        Self::Question,
        Self::Problem,
        Self::Suggestion,
        Self::Complaint,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Question => "question",
            Self::Problem => "problem",
            Self::Suggestion => "suggestion",
            Self::Complaint => "complaint",
            Self::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|topic| topic.as_str() == value)
    }
}

/// The form as the sender filled it in, unvalidated.
#[derive(Clone, Debug, Default)]
pub struct FeedbackForm {
    pub topic: String,
    pub message: String,
    pub reply_email: String,
    pub language: String,
}

/// One thing wrong with a submitted form, named by the field it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedbackProblem {
    TopicMissing,
    MessageMissing,
    MessageTooShort,
    MessageTooLong,
    ReplyEmailInvalid,
}

impl FeedbackProblem {
    /// The form field the problem belongs to.
    pub fn field(self) -> &'static str {
        match self {
            Self::TopicMissing => "topic",
            Self::MessageMissing | Self::MessageTooShort | Self::MessageTooLong => "message",
            Self::ReplyEmailInvalid => "reply_email",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("the feedback form has {} problem(s)", .0.len())]
    Invalid(Vec<FeedbackProblem>),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Proof of a stored message, shown to the sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedbackReceipt {
    pub reference: String,
    pub topic: FeedbackTopic,
    pub submitted_at: DateTime<Utc>,
}

/// A validated message, ready to store.
struct ValidFeedback {
    topic: FeedbackTopic,
    message: String,
    reply_email: Option<String>,
}

/// Checks every field and reports all problems at once, in the order of the form.
fn validate(form: &FeedbackForm) -> Result<ValidFeedback, Vec<FeedbackProblem>> {
    let mut problems = Vec::new();
    let topic = FeedbackTopic::parse(form.topic.trim());
    if topic.is_none() {
        problems.push(FeedbackProblem::TopicMissing);
    }
    let message = form.message.trim();
    match message.chars().count() {
        0 => problems.push(FeedbackProblem::MessageMissing),
        n if n < MESSAGE_MIN_CHARS => problems.push(FeedbackProblem::MessageTooShort),
        n if n > MESSAGE_MAX_CHARS => problems.push(FeedbackProblem::MessageTooLong),
        _ => {}
    }
    let reply_email = form.reply_email.trim();
    if !reply_email.is_empty() && !validate::is_email(reply_email) {
        problems.push(FeedbackProblem::ReplyEmailInvalid);
    }
    match topic {
        Some(topic) if problems.is_empty() => Ok(ValidFeedback {
            topic,
            message: message.to_owned(),
            reply_email: (!reply_email.is_empty()).then(|| reply_email.to_owned()),
        }),
        _ => Err(problems),
    }
}

fn reference_for(id: i64, at: DateTime<Utc>) -> String {
    format!("FB-{}-{id:06}", at.year())
}

/// Validates and stores a feedback message. Invalid input never reaches the database.
#[tracing::instrument(skip_all, fields(topic = %form.topic))]
pub async fn submit_feedback(
    db: &DatabaseConnection,
    form: &FeedbackForm,
    now: DateTime<Utc>,
) -> Result<FeedbackReceipt, FeedbackError> {
    let valid = validate(form).map_err(FeedbackError::Invalid)?;
    let txn = db.begin().await?;
    let inserted = feedback::ActiveModel {
        reference: Set(None),
        topic: Set(valid.topic.as_str().to_owned()),
        message: Set(valid.message),
        reply_email: Set(valid.reply_email),
        language: Set(form.language.clone()),
        submitted_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let reference = reference_for(inserted.id, now);
    let mut numbered: feedback::ActiveModel = inserted.into();
    numbered.reference = Set(Some(reference.clone()));
    numbered.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(%reference, "feedback stored");
    Ok(FeedbackReceipt {
        reference,
        topic: valid.topic,
        submitted_at: now,
    })
}

/// The receipt of a stored message, by its reference.
pub async fn find_receipt(
    db: &DatabaseConnection,
    reference: &str,
) -> Result<Option<FeedbackReceipt>, DbErr> {
    let found = feedback::Entity::find()
        .filter(feedback::Column::Reference.eq(reference))
        .one(db)
        .await?;
    Ok(found.and_then(|row| {
        Some(FeedbackReceipt {
            reference: row.reference?,
            topic: FeedbackTopic::parse(&row.topic)?,
            submitted_at: row.submitted_at,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(topic: &str, message: &str, reply_email: &str) -> FeedbackForm {
        FeedbackForm {
            topic: topic.into(),
            message: message.into(),
            reply_email: reply_email.into(),
            language: "ky".into(),
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let problems = validate(&form("", "short", "not-an-email")).err();
        assert_eq!(
            problems,
            Some(vec![
                FeedbackProblem::TopicMissing,
                FeedbackProblem::MessageTooShort,
                FeedbackProblem::ReplyEmailInvalid
            ])
        );
    }

    #[test]
    fn message_length_counts_characters_not_bytes() {
        let kyrgyz = "ө".repeat(MESSAGE_MAX_CHARS);
        assert!(validate(&form("question", &kyrgyz, "")).is_ok());
        let too_long = "ө".repeat(MESSAGE_MAX_CHARS + 1);
        assert_eq!(
            validate(&form("question", &too_long, "")).err(),
            Some(vec![FeedbackProblem::MessageTooLong])
        );
        assert_eq!(
            validate(&form("question", "   \n  ", "")).err(),
            Some(vec![FeedbackProblem::MessageMissing])
        );
    }

    #[test]
    fn unknown_topics_are_refused() {
        assert_eq!(
            validate(&form("bribe", "A long enough message", "")).err(),
            Some(vec![FeedbackProblem::TopicMissing])
        );
    }

    #[test]
    fn references_are_zero_padded_and_carry_the_year() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        assert_eq!(
            at.map(|at| reference_for(123, at)).as_deref(),
            Some("FB-2026-000123")
        );
    }
}
