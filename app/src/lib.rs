//! The portal's user interface and its contract with the server.
//!
//! Pages, shared components, typed server functions, wire types and translations live here
//! and compile twice: with `ssr` for the server (where server functions reach `domain`) and
//! with `hydrate` for the browser (where they become HTTP calls). Server-only code sits
//! behind `#[cfg(feature = "ssr")]` so the wasm build never sees the database.

// The compile-time check that every key exists in ky, ru and en. leptos_i18n 0.6 prefers a
// build.rs code generator; the macro does the same work and keeps the build graph smaller.
#[allow(deprecated)]
mod i18n_generated {
    leptos_i18n::load_locales!();
}
pub use i18n_generated::i18n;

#[cfg(feature = "ssr")]
pub mod assets;
pub mod components;
#[cfg(feature = "ssr")]
pub mod domain_errors;
pub mod error;
pub mod form_errors;
pub mod idle;
pub mod operator;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod text;

use leptos::prelude::*;
use leptos_meta::{MetaTags, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, SsrMode,
    components::{Route, Router, Routes},
    lazy_route, path,
};

use crate::{
    i18n::I18nContextProvider,
    pages::{
        agreement::{AgreementDiffPage, AgreementPage, AgreementVersionsPage},
        agreement_update::AgreementUpdatePage,
        cabinet::CabinetPage,
        consents::ConsentsPage,
        delete_account::{ConfirmDeletionPage, DeleteAccountPage, DeletionReceiptPage},
        dev_components::ComponentGallery,
        documents::{DocumentDeletePage, DocumentsPage},
        export::ExportPage,
        feedback::FeedbackPage,
        feedback_sent::FeedbackSentPage,
        history::HistoryPage,
        home::HomePage,
        inbox::{InboxMessagePage, InboxPage},
        login::LoginPage,
        login_code::LoginCodePage,
        not_found::NotFoundPage,
        profile::ProfilePage,
        register::{RegisterDonePage, RegisterPage},
        report::{RenewPasswordPage, ReportPage},
        security::SecurityPage,
        services::{ServiceUsePage, ServicesPage},
        two_factor::TwoFactorPage,
    },
};

/// Declares one lazily loaded route per page: on the server each renders as usual; in the
/// browser each page's code is its own wasm chunk (`cargo leptos build --split`), loaded
/// when the page is first shown, so a visit downloads the shared code plus that page only.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident,)*) => {
        $(
            #[doc = concat!("The lazily loaded route of [`", stringify!($page), "`].")]
            #[derive(Debug)]
            pub struct $route;

            #[lazy_route]
            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                fn view(_this: Self) -> AnyView {
                    view! { <$page /> }.into_any()
                }
            }
        )*
    };
}

lazy_pages! {
    HomeRoute => HomePage,
    FeedbackRoute => FeedbackPage,
    FeedbackSentRoute => FeedbackSentPage,
    ComponentGalleryRoute => ComponentGallery,
    AgreementRoute => AgreementPage,
    AgreementVersionsRoute => AgreementVersionsPage,
    AgreementDiffRoute => AgreementDiffPage,
    AgreementUpdateRoute => AgreementUpdatePage,
    ConsentsRoute => ConsentsPage,
    DocumentsRoute => DocumentsPage,
    InboxRoute => InboxPage,
    InboxMessageRoute => InboxMessagePage,
    HistoryRoute => HistoryPage,
    ProfileRoute => ProfilePage,
    ServicesRoute => ServicesPage,
    ExportRoute => ExportPage,
    DeleteAccountRoute => DeleteAccountPage,
    ConfirmDeletionRoute => ConfirmDeletionPage,
    DeletionReceiptRoute => DeletionReceiptPage,
    ServiceUseRoute => ServiceUsePage,
    DocumentDeleteRoute => DocumentDeletePage,
    RegisterRoute => RegisterPage,
    RegisterDoneRoute => RegisterDonePage,
    LoginRoute => LoginPage,
    CabinetRoute => CabinetPage,
    LoginCodeRoute => LoginCodePage,
    SecurityRoute => SecurityPage,
    ReportRoute => ReportPage,
    RenewPasswordRoute => RenewPasswordPage,
    TwoFactorRoute => TwoFactorPage,
}

/// The HTML document around the app, rendered by the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Routes set the policy before rendering (see the server's router); the fallback that
    // renders 404 pages comes through here only.
    #[cfg(feature = "ssr")]
    server::send_content_security_policy();
    #[cfg(feature = "ssr")]
    let stylesheet = assets::stylesheet_href(&options);
    #[cfg(not(feature = "ssr"))]
    let stylesheet = "/pkg/portal.css";
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                // No icon yet: an empty one spares every page a 404 for /favicon.ico.
                <link rel="icon" href="data:," />
                <link rel="stylesheet" id="leptos" href=stylesheet />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Every route of the portal. Pages that read data render in `SsrMode::Async` so that a
/// browser without JavaScript receives the complete page, not streaming placeholders.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: mark the page as interactive so
    // that end-to-end tests (and styles, if ever needed) know JavaScript has taken over.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    view! {
        // The server negotiates the language and remembers it in its own cookie; the
        // context reads the negotiated Accept-Language on the server and `<html lang>`
        // when hydrating.
        <I18nContextProvider enable_cookie=false>
            <Router>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/feedback") view={Lazy::<FeedbackRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=path!("/feedback/sent/:reference")
                        view={Lazy::<FeedbackSentRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/dev/components") view={Lazy::<ComponentGalleryRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/agreement") view={Lazy::<AgreementRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/agreement/versions") view={Lazy::<AgreementVersionsRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=path!("/agreement/versions/:version")
                        view={Lazy::<AgreementRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/agreement/diff") view={Lazy::<AgreementDiffRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=path!("/cabinet/agreement-update")
                        view={Lazy::<AgreementUpdateRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/cabinet/consents") view={Lazy::<ConsentsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/documents") view={Lazy::<DocumentsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/inbox") view={Lazy::<InboxRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/inbox/:id") view={Lazy::<InboxMessageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/history") view={Lazy::<HistoryRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/services") view={Lazy::<ServicesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/export") view={Lazy::<ExportRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/delete") view={Lazy::<DeleteAccountRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/delete/confirm") view={Lazy::<ConfirmDeletionRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account/deleted") view={Lazy::<DeletionReceiptRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/services/:code") view={Lazy::<ServiceUseRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=path!("/cabinet/documents/:id/delete")
                        view={Lazy::<DocumentDeleteRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/register") view={Lazy::<RegisterRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/register/done") view={Lazy::<RegisterDoneRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet") view={Lazy::<CabinetRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/login/code") view={Lazy::<LoginCodeRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/security") view={Lazy::<SecurityRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/security/report") view={Lazy::<ReportRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/password/renew") view={Lazy::<RenewPasswordRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=path!("/cabinet/security/two-factor")
                        view={Lazy::<TwoFactorRoute>::new()}
                        ssr=SsrMode::Async
                    />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}
