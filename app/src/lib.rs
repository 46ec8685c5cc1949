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

/// Declares the lazily loaded routes, page by page, in groups. On the server every page
/// renders as usual. In the browser each group's code is one wasm module
/// (`cargo leptos build --split`), loaded when one of its pages is first shown: a visit
/// downloads the shared code plus that group. Groups follow how people move (the signed-out
/// forms, the agreement, the cabinet): one route per module cut the split into 367 files,
/// a hundred per page, and compressed apart they cost a third more than together plus
/// ~290 bytes of headers each.
macro_rules! page_groups {
    ($(
        $(#[$group_doc:meta])*
        $group:ident ($choice:ident, $preload:ident) {
            $($route:ident => $page:ident,)*
        }
    )*) => {
        $(
            $(#[$group_doc])*
            #[derive(Clone, Copy, Debug)]
            pub enum $choice {
                $(
                    #[doc = concat!("[`", stringify!($page), "`].")]
                    $route,
                )*
            }

            $(#[$group_doc])*
            #[lazy]
            fn $group(page: $choice) -> AnyView {
                match page {
                    $($choice::$route => view! { <$page /> }.into_any(),)*
                }
            }

            $(
                #[doc = concat!("The lazily loaded route of [`", stringify!($page), "`].")]
                #[derive(Debug)]
                pub struct $route;

                impl LazyRoute for $route {
                    fn data() -> Self {
                        Self
                    }

                    async fn view(_this: Self) -> AnyView {
                        $group($choice::$route).await
                    }

                    async fn preload() {
                        #[cfg(target_arch = "wasm32")]
                        $preload().await;
                    }
                }
            )*
        )*
    };
}

page_groups! {
    /// The front page, alone: it is the lightest first visit.
    home_pages(HomePages, __preload_home_pages) {
        HomeRoute => HomePage,
    }
    /// What a signed-out visitor fills in: sign-in, registration, feedback, password
    /// renewal, and the deletion receipt.
    form_pages(FormPages, __preload_form_pages) {
        LoginRoute => LoginPage,
        LoginCodeRoute => LoginCodePage,
        RegisterRoute => RegisterPage,
        RegisterDoneRoute => RegisterDonePage,
        FeedbackRoute => FeedbackPage,
        FeedbackSentRoute => FeedbackSentPage,
        RenewPasswordRoute => RenewPasswordPage,
        DeletionReceiptRoute => DeletionReceiptPage,
    }
    /// The public agreement, its versions and their differences.
    agreement_pages(AgreementPages, __preload_agreement_pages) {
        AgreementRoute => AgreementPage,
        AgreementVersionsRoute => AgreementVersionsPage,
        AgreementDiffRoute => AgreementDiffPage,
    }
    /// The signed-in cabinet, in one module. Cutting it in two or three made the main
    /// module 58 KB larger (149 to 207 KB brotli), which every page pays, for 100 KB less on a
    /// cold first visit of a cabinet page, which is rare: a signed-out visit goes to `/login`
    /// first, and the way on from there is a client-side navigation with the shared code
    /// already loaded.
    cabinet_pages(CabinetPages, __preload_cabinet_pages) {
        CabinetRoute => CabinetPage,
        AgreementUpdateRoute => AgreementUpdatePage,
        ConsentsRoute => ConsentsPage,
        DocumentsRoute => DocumentsPage,
        DocumentDeleteRoute => DocumentDeletePage,
        InboxRoute => InboxPage,
        InboxMessageRoute => InboxMessagePage,
        HistoryRoute => HistoryPage,
        ProfileRoute => ProfilePage,
        ServicesRoute => ServicesPage,
        ServiceUseRoute => ServiceUsePage,
        ExportRoute => ExportPage,
        DeleteAccountRoute => DeleteAccountPage,
        ConfirmDeletionRoute => ConfirmDeletionPage,
        SecurityRoute => SecurityPage,
        ReportRoute => ReportPage,
        TwoFactorRoute => TwoFactorPage,
    }
    /// The developers' gallery of shared components.
    gallery_pages(GalleryPages, __preload_gallery_pages) {
        ComponentGalleryRoute => ComponentGallery,
    }
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
