//! `/feedback`: a message to the operator (product.md §6), and its server functions.
//!
//! With JavaScript the form posts through the server function and the router follows the
//! redirect to the confirmation page without a reload. Without it the browser posts the
//! form; the server answers with a redirect to the confirmation page, or back here with the
//! errors in the URL and the typed values in a short-lived draft.

use leptos::{form::ActionForm, prelude::*};
use serde::{Deserialize, Serialize};

use crate::{
    components::{Button, ErrorSummary, PageLayout, RadioOption, Radios, TextField},
    error::AppError,
    form_errors::FormErrors,
    i18n::{t, td_string, use_i18n},
    operator::{OPERATOR_EMAIL, OPERATOR_PHONE, OPERATOR_PHONE_LINK},
    text::{TextKey, text},
};

/// The draft name under which a failed no-JS submission is kept.
#[cfg(feature = "ssr")]
const DRAFT_FORM: &str = "feedback";

/// What the sender typed, given back to the form after a failed plain post.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackDraft {
    pub topic: String,
    pub message: String,
    pub reply_email: String,
}

/// Stores a feedback message and redirects to its confirmation page.
#[server(endpoint = "feedback/submit")]
pub async fn submit_feedback(
    topic: Option<String>,
    message: Option<String>,
    reply_email: Option<String>,
) -> Result<(), AppError> {
    use domain::feedback::{FeedbackError, FeedbackForm, submit_feedback};

    use crate::server;

    let context = server::server_context()?;
    // Messages are stored for the operator to read: an address may send only so many.
    context
        .throttle
        .take_address(
            &context.db,
            domain::throttle::AddressScope::Feedback,
            &server::client_address(),
            chrono::Utc::now(),
        )
        .await
        .map_err(server::internal)?
        .map_err(|throttled| server::throttled(throttled.retry_at))?;
    // A signed-in sender who stopped using the account for feedback is refused (they can
    // re-enable it, or sign out and write without the account).
    let sender = server::current_session().map(|session| session.account_id);
    if let Some(account_id) = sender {
        let allowed = domain::services::check(&context.db, account_id, domain::services::FEEDBACK)
            .await
            .map_err(server::internal)?;
        if allowed.is_err() {
            return Err(AppError::ServiceStopped);
        }
    }
    let form = FeedbackForm {
        topic: topic.unwrap_or_default(),
        message: message.unwrap_or_default(),
        reply_email: reply_email.unwrap_or_default(),
        language: server::request_locale().to_string(),
    };
    match submit_feedback(&context.db, &form, chrono::Utc::now()).await {
        Ok(receipt) => {
            if let Some(account_id) = sender {
                domain::services::record_use(
                    &context.db,
                    account_id,
                    domain::services::FEEDBACK,
                    chrono::Utc::now(),
                )
                .await
                .map_err(server::internal)?
                .map_err(|_| AppError::ServiceStopped)?;
            }
            server::redirect(&format!("/feedback/sent/{}", receipt.reference));
            Ok(())
        }
        Err(FeedbackError::Invalid(problems)) => {
            let draft = FeedbackDraft {
                topic: form.topic,
                message: form.message,
                reply_email: form.reply_email,
            };
            server::keep_draft_for_plain_form_post(DRAFT_FORM, &draft).await;
            let errors = problems
                .into_iter()
                .map(crate::domain_errors::feedback_error)
                .collect();
            Err(AppError::Invalid(errors))
        }
        Err(FeedbackError::Database(error)) => Err(server::internal(error)),
    }
}

/// The values of the last failed plain post of this form, if the browser has a draft.
#[server(endpoint = "feedback/take-draft")]
pub async fn take_feedback_draft() -> Result<Option<FeedbackDraft>, AppError> {
    Ok(crate::server::take_draft(DRAFT_FORM).await)
}

/// The topics offered, in the order shown, with their labels.
const TOPICS: [(&str, TextKey); 5] = [
    ("question", |l| td_string!(l, feedback.topic_question)),
    ("problem", |l| td_string!(l, feedback.topic_problem)),
    ("suggestion", |l| td_string!(l, feedback.topic_suggestion)),
    ("complaint", |l| td_string!(l, feedback.topic_complaint)),
    ("other", |l| td_string!(l, feedback.topic_other)),
];

#[component]
pub fn FeedbackPage() -> impl IntoView {
    let i18n = use_i18n();
    let submit = ServerAction::<SubmitFeedback>::new();
    let draft = Resource::new_blocking(
        || (),
        |_| async {
            take_feedback_draft()
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        },
    );
    let errors = FormErrors::of(submit.value());
    let error_for = move |field: &'static str| errors.field(field);
    let summary = errors.summary();

    view! {
        <PageLayout
            title=text(|l| td_string!(l, feedback.title))
            has_errors=errors.any()
        >
            <div class="narrow">
                <ErrorSummary items=summary />
                <h1 class="heading-l">{t!(i18n, feedback.title)}</h1>
                <p class="lead">{t!(i18n, feedback.lead)}</p>
                <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                    {move || Suspend::new(async move {
                        let draft = draft.await;
                        let options = TOPICS
                            .into_iter()
                            .map(|(value, label)| RadioOption { value, label: text(label) })
                            .collect::<Vec<_>>();
                        view! {
                            <ActionForm action=submit attr:novalidate=true attr:class="form">
                                <Radios
                                    name="topic"
                                    legend=text(|l| td_string!(l, feedback.topic_legend))
                                    options=options
                                    selected=draft.topic
                                    error=error_for("topic")
                                />
                                <TextField
                                    name="message"
                                    label=text(|l| td_string!(l, feedback.message_label))
                                    hint=text(|l| td_string!(l, feedback.message_hint))
                                    multiline=true
                                    required=true
                                    value=draft.message
                                    error=error_for("message")
                                />
                                <TextField
                                    name="reply_email"
                                    label=text(|l| td_string!(l, feedback.reply_email_label))
                                    hint=text(|l| td_string!(l, feedback.reply_email_hint))
                                    input_type="email"
                                    autocomplete="email"
                                    value=draft.reply_email
                                    error=error_for("reply_email")
                                />
                                <Button busy=submit.pending()>{t!(i18n, feedback.submit)}</Button>
                            </ActionForm>
                        }
                    })}
                </Suspense>
                <h2 class="heading-m">{t!(i18n, feedback.contacts_heading)}</h2>
                <p>{t!(i18n, feedback.contacts_body)}</p>
                <ul class="list">
                    <li>
                        <a href=format!("mailto:{OPERATOR_EMAIL}")>{OPERATOR_EMAIL}</a>
                    </li>
                    <li>
                        <a href=format!("tel:{OPERATOR_PHONE_LINK}")>{OPERATOR_PHONE}</a>
                    </li>
                </ul>
            </div>
        </PageLayout>
    }
}
