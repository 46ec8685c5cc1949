//! The page for addresses that lead nowhere (answered with status 404).

use leptos::prelude::*;

use crate::{
    components::PageLayout,
    i18n::{t, t_string, use_i18n},
};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <PageLayout title=Signal::derive(move || t_string!(i18n, not_found.title).to_string())>
            <h1 class="heading-l">{t!(i18n, not_found.title)}</h1>
            <p>{t!(i18n, not_found.body)}</p>
            <p>
                <a href="/">{t!(i18n, common.back_home)}</a>
            </p>
        </PageLayout>
    }
}
