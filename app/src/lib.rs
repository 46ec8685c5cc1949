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
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
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

/// The HTML document around the app, rendered by the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Routes set the policy before rendering (see the server's router); the fallback that
    // renders 404 pages comes through here only.
    #[cfg(feature = "ssr")]
    server::send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                // No icon yet: an empty one spares every page a 404 for /favicon.ico.
                <link rel="icon" href="data:," />
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
            <Stylesheet id="leptos" href="/pkg/portal.css" />
            <Router>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/feedback") view=FeedbackPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/feedback/sent/:reference")
                        view=FeedbackSentPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/dev/components") view=ComponentGallery ssr=SsrMode::Async />
                    <Route path=path!("/agreement") view=AgreementPage ssr=SsrMode::Async />
                    <Route path=path!("/agreement/versions") view=AgreementVersionsPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/agreement/versions/:version")
                        view=AgreementPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/agreement/diff") view=AgreementDiffPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/cabinet/agreement-update")
                        view=AgreementUpdatePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/cabinet/consents") view=ConsentsPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/documents") view=DocumentsPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/inbox") view=InboxPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/inbox/:id") view=InboxMessagePage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/history") view=HistoryPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/profile") view=ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/services") view=ServicesPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/export") view=ExportPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/delete") view=DeleteAccountPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/delete/confirm") view=ConfirmDeletionPage ssr=SsrMode::Async />
                    <Route path=path!("/account/deleted") view=DeletionReceiptPage ssr=SsrMode::Async />
                    <Route path=path!("/services/:code") view=ServiceUsePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/cabinet/documents/:id/delete")
                        view=DocumentDeletePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async />
                    <Route path=path!("/register/done") view=RegisterDonePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet") view=CabinetPage ssr=SsrMode::Async />
                    <Route path=path!("/login/code") view=LoginCodePage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/security") view=SecurityPage ssr=SsrMode::Async />
                    <Route path=path!("/cabinet/security/report") view=ReportPage ssr=SsrMode::Async />
                    <Route path=path!("/password/renew") view=RenewPasswordPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/cabinet/security/two-factor")
                        view=TwoFactorPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}
