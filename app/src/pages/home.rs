//! The start page.

use leptos::prelude::*;

use crate::{
    components::PageLayout,
    i18n::{t, td_string, use_i18n},
    text::text,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageLayout title=text(|l| td_string!(l, home.title))>
            <h1 class="heading-xl">{t!(i18n, home.title)}</h1>
            <p class="lead">{t!(i18n, home.lead)}</p>
            <section class="card">
                <h2 class="heading-m">{t!(i18n, home.feedback_heading)}</h2>
                <p>{t!(i18n, home.feedback_body)}</p>
                <p>
                    <a class="button button--secondary" href="/feedback">
                        {t!(i18n, home.feedback_link)}
                    </a>
                </p>
            </section>
        </PageLayout>
    }
}
