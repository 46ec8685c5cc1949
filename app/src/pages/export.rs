//! `/cabinet/export`: what the export holds, and the button that downloads it (a plain form
//! posting to the server's export route: it works without JavaScript). Open while a new agreement
//! version waits for an answer, so that someone who declines can take their data first.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{BannerKind, NotificationBanner},
    error::AppError,
    i18n::{t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
    text::text,
};

/// Signed in? (The page has nothing else to load.)
#[server(endpoint = "cabinet/export/ready")]
pub async fn export_ready() -> Result<(), AppError> {
    crate::server::require_session().map(|_| ())
}

#[component]
pub fn ExportPage() -> impl IntoView {
    let i18n = use_i18n();
    let ready = Resource::new_blocking(|| (), |_| export_ready());
    let query = use_query_map();
    let declined = move || query.with(|q| q.get("declined").is_some());
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(ready.await, move |()| view! {
                    <CabinetLayout title=|l| td_string!(l, export.title)>
                        {move || declined().then(|| view! {
                            <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, export.declined_title))>
                                <p data-testid="export-declined">{t!(i18n, export.declined)}</p>
                            </NotificationBanner>
                        })}
                        <h1 class="heading-l">{t!(i18n, export.title)}</h1>
                        <p class="lead">{t!(i18n, export.lead)}</p>
                        <ul class="list list--bullet">
                            <li>{t!(i18n, export.item_profile)}</li>
                            <li>{t!(i18n, export.item_consents)}</li>
                            <li>{t!(i18n, export.item_history)}</li>
                            <li>{t!(i18n, export.item_documents)}</li>
                        </ul>
                        <p>{t!(i18n, export.recorded)}</p>
                        // A POST: making the archive is recorded in the history.
                        <form method="post" action="/cabinet/export/download" class="form">
                            <button type="submit" class="button" data-testid="export-download">
                                {t!(i18n, export.download)}
                            </button>
                        </form>
                    </CabinetLayout>
                }.into_any())
            })}
        </Suspense>
    }
}
