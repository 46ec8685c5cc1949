//! `/cabinet/consents`: the user's own acceptance and consent history, each record with its
//! version, language, hash and wording, and a link to exactly the text it was given for.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    i18n::{Locale, t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
};

/// One acceptance record as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// `agreement_accepted`, `pd_consent_given`, `agreement_declined`, `pd_consent_withdrawn`.
    pub kind: String,
    pub version: i32,
    pub language: String,
    pub sha256: String,
    pub wording: String,
    /// Bishkek time.
    pub recorded: String,
    pub address: String,
    pub device: String,
}

#[server(endpoint = "cabinet/consents")]
pub async fn load_consents() -> Result<Vec<ConsentRecord>, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let records = domain::agreement::records_of(&context.db, session.account_id)
        .await
        .map_err(server::internal)?;
    Ok(records
        .into_iter()
        .map(|r| ConsentRecord {
            kind: r.kind,
            version: r.agreement_version,
            language: r.language,
            sha256: r.text_sha256,
            wording: r.wording,
            recorded: server::local_time(r.recorded_at, "%Y-%m-%d %H:%M:%S"),
            address: r.address,
            device: server::describe_device(&r.user_agent),
        })
        .collect())
}

fn kind_label(locale: Locale, kind: &str) -> &'static str {
    match kind {
        "agreement_accepted" => td_string!(locale, consents.agreement_accepted),
        "pd_consent_given" => td_string!(locale, consents.pd_consent_given),
        "agreement_declined" => td_string!(locale, consents.agreement_declined),
        _ => td_string!(locale, consents.pd_consent_withdrawn),
    }
}

#[component]
pub fn ConsentsPage() -> impl IntoView {
    let i18n = use_i18n();
    let records = Resource::new_blocking(|| (), |_| load_consents());
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(records.await, move |records| view! {
                    <CabinetLayout title=|l| td_string!(l, consents.title)>
                        <h1 class="heading-l">{t!(i18n, consents.title)}</h1>
                        <p class="lead">{t!(i18n, consents.lead)}</p>
                        <ol class="records">
                            {records.into_iter().map(|record| {
                                let kind = record.kind.clone();
                                let link = format!("/agreement/versions/{}?text={}", record.version, record.language);
                                view! {
                                    <li class="records__item" data-testid="consent-record" data-kind=record.kind.clone()>
                                        <h2 class="heading-s">
                                            {move || kind_label(i18n.get_locale(), &kind)}", "
                                            {t!(i18n, agreement.version_label)}" "{record.version}
                                        </h2>
                                        <dl class="summary-list">
                                            <div class="summary-list__row">
                                                <dt>{t!(i18n, consents.recorded)}</dt>
                                                <dd>{record.recorded}</dd>
                                            </div>
                                            <div class="summary-list__row">
                                                <dt>{t!(i18n, consents.wording)}</dt>
                                                <dd lang=record.language.clone()>{record.wording}</dd>
                                            </div>
                                            <div class="summary-list__row">
                                                <dt>{t!(i18n, consents.language)}</dt>
                                                <dd>{record.language.to_uppercase()}</dd>
                                            </div>
                                            <div class="summary-list__row">
                                                <dt>{t!(i18n, agreement.hash_label)}</dt>
                                                <dd class="hash">{record.sha256}</dd>
                                            </div>
                                            <div class="summary-list__row">
                                                <dt>{t!(i18n, consents.from)}</dt>
                                                <dd>{record.address}" · "{record.device}</dd>
                                            </div>
                                        </dl>
                                        <p><a href=link>{t!(i18n, consents.read_text)}</a></p>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    </CabinetLayout>
                })
            })}
        </Suspense>
    }
}
