//! `/dev/components`: every shared component with an example, for developers. It exists
//! only when the server runs in development mode; otherwise the address is a 404.

use leptos::prelude::*;

use crate::{
    components::{
        BannerKind, Button, ButtonKind, Checkbox, ErrorSummary, NotificationBanner, PageLayout,
        RadioOption, Radios, SummaryItem, TextField,
    },
    error::AppError,
    i18n::{t, td_string, use_i18n},
    pages::not_found::NotFoundPage,
    text::text,
};

/// Whether the server runs in development mode.
#[server(endpoint = "dev/enabled")]
pub async fn dev_mode_enabled() -> Result<bool, AppError> {
    Ok(crate::server::server_context()?.dev_mode)
}

#[component]
pub fn ComponentGallery() -> impl IntoView {
    let enabled = Resource::new_blocking(
        || (),
        |_| async { dev_mode_enabled().await.unwrap_or(false) },
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                if enabled.await {
                    view! { <Gallery /> }.into_any()
                } else {
                    view! { <NotFoundPage /> }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn Gallery() -> impl IntoView {
    let i18n = use_i18n();
    let sample_error = text(|l| td_string!(l, dev.sample_error));
    let summary = Signal::derive(move || {
        vec![SummaryItem {
            field: Some("sample-error".into()),
            message: sample_error.get(),
        }]
    });
    view! {
        <PageLayout title=text(|l| td_string!(l, dev.title))>
            <h1 class="heading-l">{t!(i18n, dev.title)}</h1>
            <p class="lead">{t!(i18n, dev.lead)}</p>

            <h2 class="heading-m">{t!(i18n, dev.text_field)}</h2>
            <TextField
                name="sample"
                label=text(|l| td_string!(l, dev.sample_label))
                hint=text(|l| td_string!(l, dev.sample_hint))
                autocomplete="name"
            />
            <TextField
                name="sample-error"
                label=text(|l| td_string!(l, dev.sample_label))
                error=Signal::derive(move || Some(sample_error.get()))
            />

            <h2 class="heading-m">{t!(i18n, dev.checkbox)}</h2>
            <Checkbox name="sample-checkbox" label=text(|l| td_string!(l, dev.sample_checkbox)) />

            <h2 class="heading-m">{t!(i18n, dev.radios)}</h2>
            <Radios
                name="sample-radios"
                legend=text(|l| td_string!(l, dev.radios))
                options=vec![
                    RadioOption { value: "a", label: text(|l| td_string!(l, dev.sample_option_a)) },
                    RadioOption { value: "b", label: text(|l| td_string!(l, dev.sample_option_b)) },
                ]
            />

            <h2 class="heading-m">{t!(i18n, dev.buttons)}</h2>
            <div class="button-group">
                <Button button_type="button">{t!(i18n, dev.primary)}</Button>
                <Button button_type="button" kind=ButtonKind::Secondary>{t!(i18n, dev.secondary)}</Button>
                <Button button_type="button" kind=ButtonKind::Warning>{t!(i18n, dev.warning)}</Button>
            </div>

            <h2 class="heading-m">{t!(i18n, dev.banner)}</h2>
            <NotificationBanner kind=BannerKind::Information title=text(|l| td_string!(l, dev.banner_title))>
                <p>{t!(i18n, dev.banner_body)}</p>
            </NotificationBanner>

            <h2 class="heading-m">{t!(i18n, dev.error_summary)}</h2>
            <ErrorSummary items=summary />
        </PageLayout>
    }
}
