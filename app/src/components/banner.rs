//! A notification banner: information the user needs, or the success of an action.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BannerKind {
    #[default]
    Information,
    Success,
}

/// A banner with a title and any content. A success banner is announced by screen readers.
///
/// ```ignore
/// <NotificationBanner kind=BannerKind::Success title=title><p>"..."</p></NotificationBanner>
/// ```
#[component]
pub fn NotificationBanner(
    #[prop(optional)] kind: BannerKind,
    #[prop(into)] title: Signal<String>,
    children: Children,
) -> impl IntoView {
    let (class, role) = match kind {
        BannerKind::Information => ("banner", "region"),
        BannerKind::Success => ("banner banner--success", "alert"),
    };
    view! {
        <div class=class role=role aria-labelledby="banner-title">
            <h2 class="banner__title" id="banner-title">
                {title}
            </h2>
            <div class="banner__content">{children()}</div>
        </div>
    }
}
