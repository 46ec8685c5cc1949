//! The page for addresses that lead nowhere (answered with status 404).

use leptos::prelude::*;

use crate::{
    components::PageLayout,
    i18n::{t, td_string, use_i18n},
    text::text,
};

/// Answers the current server render with status 404 (does nothing in the browser).
pub fn respond_not_found() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    respond_not_found();
    let i18n = use_i18n();
    view! {
        <PageLayout title=text(|l| td_string!(l, not_found.title))>
            <h1 class="heading-l">{t!(i18n, not_found.title)}</h1>
            <p>{t!(i18n, not_found.body)}</p>
            <p>
                <a href="/">{t!(i18n, common.back_home)}</a>
            </p>
        </PageLayout>
    }
}
