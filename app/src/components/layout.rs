//! The frame of every page: skip link, header with the portal's name, the language switch
//! and a place for account actions (the Exit button), the main content, and a footer with
//! the operator's contacts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::{
    i18n::{Locale, t, t_string, use_i18n},
    operator::{OPERATOR_EMAIL, OPERATOR_PHONE, OPERATOR_PHONE_LINK},
};

/// The languages in the switch, each named in itself.
const LANGUAGES: [(Locale, &str, &str); 3] = [
    (Locale::ky, "ky", "Кыргызча"),
    (Locale::ru, "ru", "Русский"),
    (Locale::en, "en", "English"),
];

/// A page: sets the document title (prefixed with "Error:" while `has_errors`), and wraps
/// `children` in the portal's header and footer.
///
/// ```ignore
/// <PageLayout title=text(|l| td_string!(l, feedback.title))
///     has_errors=Signal::derive(move || !errors.get().is_empty())>
///     <h1>...</h1>
/// </PageLayout>
/// ```
#[component]
pub fn PageLayout(
    /// The page's own title, also used in the document title.
    #[prop(into)]
    title: Signal<String>,
    /// Whether the page shows validation errors.
    #[prop(optional, into)]
    has_errors: Signal<bool>,
    /// Account actions for signed-in pages (the Exit button).
    #[prop(optional)]
    account_actions: Option<ChildrenFn>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let document_title = move || {
        let portal = t_string!(i18n, portal_name);
        let title = title.get();
        if has_errors.get() {
            format!(
                "{}: {title} — {portal}",
                t_string!(i18n, common.error_prefix)
            )
        } else {
            format!("{title} — {portal}")
        }
    };
    // On the server the title is computed now, while the page renders: leptos_meta reads it
    // again only after rendering, outside the page's reactive arena, and a signal read there
    // panics (seen on renders that end in a redirect). In the browser it stays reactive, so
    // "Error:" comes and goes with the form's errors.
    #[cfg(feature = "ssr")]
    let document_title = {
        let fixed = document_title();
        move || fixed.clone()
    };
    view! {
        <Title text=document_title />
        <a class="skip-link" href="#main-content">
            {t!(i18n, skip_to_content)}
        </a>
        <header class="header">
            <div class="header__inner">
                <a class="header__name" href="/">
                    {t!(i18n, portal_name)}
                </a>
                <LanguageSwitch />
                {account_actions
                    .map(|actions| {
                        view! {
                            <nav class="header__account" aria-label=move || t_string!(i18n, layout.account_actions)>
                                {actions()}
                            </nav>
                        }
                    })}
            </div>
            <p class="phase-banner">
                <span class="tag">{t!(i18n, demo_notice)}</span>
            </p>
        </header>
        <main class="main" id="main-content" tabindex="-1">
            {children()}
        </main>
        <footer class="footer">
            <div class="footer__inner">
                <p>{t!(i18n, layout.operator)}</p>
                <ul class="footer__contacts">
                    <li>
                        {t!(i18n, layout.contact_email)}": "
                        <a href=format!("mailto:{OPERATOR_EMAIL}")>{OPERATOR_EMAIL}</a>
                    </li>
                    <li>
                        {t!(i18n, layout.contact_phone)}": "
                        <a href=format!("tel:{OPERATOR_PHONE_LINK}")>{OPERATOR_PHONE}</a>
                    </li>
                </ul>
                <p>
                    <a href="/feedback">{t!(i18n, layout.feedback_link)}</a>
                </p>
            </div>
        </footer>
    }
}

/// Links that reload the current page in another language. They are plain links (the
/// router does not intercept `rel="external"`), so they work without JavaScript; the server
/// remembers the choice in a cookie.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let links = LANGUAGES
        .into_iter()
        .map(|(locale, code, name)| {
            let href = move || format!("{}?lang={code}", location.pathname.get());
            let current = move || (i18n.get_locale() == locale).then_some("true");
            view! {
                <li>
                    <a
                        class="language-switch__link"
                        href=href
                        rel="external"
                        lang=code
                        hreflang=code
                        aria-current=current
                    >
                        {name}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="language-switch" aria-label=move || t_string!(i18n, layout.language_switch)>
            <ul class="language-switch__list">{links}</ul>
        </nav>
    }
}
