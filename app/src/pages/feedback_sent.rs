//! `/feedback/sent/:reference`: the confirmation with the reference number and what
//! happens next. It shows only the reference and the date, never the message itself.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::{
    components::PageLayout,
    error::AppError,
    i18n::{t, td_string, use_i18n},
    text::text,
};

/// What the confirmation page shows about a stored message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackConfirmation {
    pub reference: String,
    /// The date it was stored, `YYYY-MM-DD`.
    pub submitted_on: String,
}

/// The confirmation of the message with this reference, if it exists.
#[server(endpoint = "feedback/confirmation")]
pub async fn find_feedback_confirmation(
    reference: String,
) -> Result<Option<FeedbackConfirmation>, AppError> {
    use crate::server;

    let context = server::server_context()?;
    let receipt = domain::feedback::find_receipt(&context.db, &reference)
        .await
        .map_err(server::internal)?;
    Ok(receipt.map(|receipt| FeedbackConfirmation {
        reference: receipt.reference,
        submitted_on: receipt.submitted_at.format("%Y-%m-%d").to_string(),
    }))
}

#[component]
pub fn FeedbackSentPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let reference = move || params.with(|p| p.get("reference").unwrap_or_default());
    let confirmation = Resource::new_blocking(reference, |reference| async move {
        find_feedback_confirmation(reference).await.ok().flatten()
    });
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match confirmation.await {
                    Some(found) => view! {
                        <PageLayout title=text(|l| td_string!(l, feedback_sent.title))>
                            <div class="narrow">
                                <div class="panel panel--confirmation">
                                    <h1 class="panel__title">{t!(i18n, feedback_sent.title)}</h1>
                                    <div class="panel__body">
                                        {t!(i18n, feedback_sent.reference_label)}
                                        <br />
                                        <strong class="reference" data-testid="reference">{found.reference}</strong>
                                    </div>
                                </div>
                                <p>
                                    {t!(i18n, feedback_sent.submitted_at_label)}": "
                                    <time datetime=found.submitted_on.clone()>{found.submitted_on.clone()}</time>
                                </p>
                                <h2 class="heading-m">{t!(i18n, feedback_sent.next_heading)}</h2>
                                <p>{t!(i18n, feedback_sent.next_body)}</p>
                                <p>
                                    <a href="/feedback">{t!(i18n, feedback_sent.another)}</a>
                                </p>
                                <p>
                                    <a href="/">{t!(i18n, common.back_home)}</a>
                                </p>
                            </div>
                        </PageLayout>
                    }
                    .into_any(),
                    None => view! { <UnknownReference /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UnknownReference() -> impl IntoView {
    crate::pages::not_found::respond_not_found();
    let i18n = use_i18n();
    view! {
        <PageLayout title=text(|l| td_string!(l, feedback_sent.unknown_title))>
            <h1 class="heading-l">{t!(i18n, feedback_sent.unknown_title)}</h1>
            <p>{t!(i18n, feedback_sent.unknown_body)}</p>
            <p>
                <a href="/feedback">{t!(i18n, feedback_sent.another)}</a>
            </p>
        </PageLayout>
    }
}
