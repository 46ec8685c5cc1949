//! `/agreement`: the user agreement in force, readable without signing in. (Versions,
//! history and diffs come with the agreement issue.)

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    components::PageLayout,
    error::AppError,
    i18n::{t, td_string, use_i18n},
    text::text,
};

/// The agreement in force, in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementInForce {
    pub version: i32,
    pub title: String,
    pub body: String,
    pub sha256: String,
}

#[server(endpoint = "agreement/in-force")]
pub async fn load_agreement_in_force() -> Result<AgreementInForce, AppError> {
    use crate::server;

    let context = server::server_context()?;
    let now = chrono::Utc::now();
    let version = domain::agreement::version_in_force(&context.db, now)
        .await
        .map_err(server::internal)?
        .ok_or_else(|| server::internal("no agreement version is in force"))?;
    let language = server::request_locale().to_string();
    let text = domain::agreement::text_of(&context.db, version, &language)
        .await
        .map_err(server::internal)?
        .ok_or_else(|| server::internal("the agreement has no text in this language"))?;
    Ok(AgreementInForce {
        version,
        title: text.title,
        body: text.body,
        sha256: text.sha256,
    })
}

#[component]
pub fn AgreementPage() -> impl IntoView {
    let i18n = use_i18n();
    let agreement = Resource::new_blocking(|| (), |_| load_agreement_in_force());
    view! {
        <PageLayout title=text(|l| td_string!(l, agreement.title))>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    agreement.await.map(|agreement| view! {
                        <article class="agreement">
                            <h1 class="heading-l">{agreement.title}</h1>
                            <dl class="summary-list">
                                <div class="summary-list__row">
                                    <dt>{t!(i18n, agreement.version_label)}</dt>
                                    <dd>{agreement.version}</dd>
                                </div>
                                <div class="summary-list__row">
                                    <dt>{t!(i18n, agreement.hash_label)}</dt>
                                    <dd class="hash">{agreement.sha256}</dd>
                                </div>
                            </dl>
                            <p class="agreement__body">{agreement.body}</p>
                        </article>
                    })
                })}
            </Suspense>
        </PageLayout>
    }
}
