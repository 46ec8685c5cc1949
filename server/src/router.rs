//! The router: pages, server functions, static files and health endpoints, wrapped in the
//! middleware stack. Layers listed later wrap earlier ones, so a request meets them from
//! the bottom of `router()` up.

use std::sync::OnceLock;

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, FromRef, Request},
    http::{HeaderName, HeaderValue, header},
    middleware,
    routing::{get, post},
};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    timeout::RequestBodyTimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use app::{App, server::ServerContext, shell};

use crate::{
    api_errors, assets, client_address, documents, health, language, owner_scope::OwnerScopeLayer,
    page_cache, panics, perimeter, session,
};

/// The largest request body the portal accepts (uploads will get their own limit). A
/// feedback message of 5,000 four-byte characters, percent-encoded, stays well below it.
pub const MAX_REQUEST_BODY: usize = 256 * 1024;

/// What every handler may reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// What pages and server functions reach: the database, the hasher, the policies.
    pub context: ServerContext,
    /// One of `language::SUPPORTED`.
    pub default_language: &'static str,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see `client_address`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long clients may take to send headers and bodies.
    pub timeouts: crate::listener::Timeouts,
    /// Earlier builds' site files, served when the current build lacks a name (see `assets`).
    pub asset_archive: std::path::PathBuf,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The app's routes, listed once per process.
///
/// Listing renders the app with resource loading switched off, and leptos_server's switch
/// is one process-wide flag (`SuppressResourceLoad`): a page rendered anywhere in the
/// process while a router is being built starts resources that never load, and waits
/// forever. A server builds one router before it serves; the tests build one per test,
/// in parallel, which is where about one run in thirteen hung. Listing once, before the
/// first router exists, means no render ever meets the switch.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole portal as one axum router.
pub fn router(state: AppState) -> Router {
    crate::panics::install_reactive_task_spawner();
    let routes = route_list();
    // The stylesheet's (hashed) address, for the shell and the hand-made error pages.
    app::assets::stylesheet_href(&state.leptos_options);
    let context = state.context.clone();
    let options = state.leptos_options.clone();

    // leptos_routes also mounts every server function under /api/.
    // Uploads get their own body limit (the file limit and the form around it); every other
    // route keeps the small one.
    let upload_limit = usize::try_from(state.context.documents.limits.max_file_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(documents::FORM_OVERHEAD);
    let files = Router::new()
        .route("/cabinet/documents/upload", post(documents::upload))
        .layer(DefaultBodyLimit::max(upload_limit))
        // Downloads are POSTs: each is recorded in the history.
        .route(
            "/cabinet/documents/{id}/download",
            post(documents::download),
        )
        .route("/cabinet/export/download", post(documents::export))
        .route(
            "/account/deleted/receipt.txt",
            get(documents::deletion_receipt),
        );
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            // Runs for every page after Leptos has made the render's nonce, before rendering:
            // the one place the page's Content-Security-Policy is set.
            move || {
                provide_context(context.clone());
                provide_context(app::server::RequestMemo::default());
                app::server::send_content_security_policy();
            },
            move || shell(options.clone()),
        )
        // Static files are served without any reactive owner (a file never reads or writes
        // a render's response options): precompressed when the build made .br/.gz files,
        // then the previous builds' files (open tabs), and whatever is not a file, whatever
        // the method, gets the app's translated 404 page.
        .fallback_service(
            tower::ServiceBuilder::new()
                .layer(middleware::from_fn(assets::cache_headers))
                .service(
                    leptos_axum::site_pkg_dir_service(&state.leptos_options)
                        .call_fallback_on_method_not_allowed(true)
                        .fallback(
                            ServeDir::new(&state.asset_archive)
                                .precompressed_gzip()
                                .precompressed_br()
                                .call_fallback_on_method_not_allowed(true)
                                .fallback(leptos_axum::ErrorHandler::new_with_context(
                                    {
                                        let context = state.context.clone();
                                        move || provide_context(context.clone())
                                    },
                                    shell,
                                    state.leptos_options.clone(),
                                )),
                        ),
                ),
        )
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BODY));
    let site = pages
        .merge(files)
        .layer(middleware::from_fn(api_errors::server_fn_errors))
        // Inside the session and language layers: it reads what they decided.
        .layer(middleware::from_fn_with_state(
            (state.clone(), page_cache::PageCache::default()),
            page_cache::public_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::load_session,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            language::negotiate_language,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_address::resolve_client_address,
        ));

    let portal = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(site);
    with_middleware(portal, state)
}

/// The middleware every request meets, around `routes` (the portal's, or a test's).
pub fn with_middleware(routes: Router<AppState>, state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    routes
        .layer(CompressionLayer::new().br(true).gzip(true))
        // A body that stops arriving fails its request instead of holding it open.
        .layer(RequestBodyTimeoutLayer::new(state.timeouts.body_read))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            perimeter::strict_transport_security,
        ))
        .layer(middleware::from_fn(perimeter::refuse_cross_site_writes))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            perimeter::DEFAULT_CSP,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            // Same-origin referers are kept: no-JS server function redirects need them.
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Inside the request's span: a panic is logged with the request id, answered 500.
        .layer(panics::catch_panic_layer())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        // Outside every layer that adds headers: the site's files keep only their own.
        .layer(middleware::from_fn(assets::trim_headers))
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        // Whatever id a client sends is dropped: only the server's own reach the logs.
        .layer(middleware::map_request(move |mut request: Request| {
            request.headers_mut().remove(&request_id);
            async move { request }
        }))
        // Outermost: every poll of every request runs under that request's own reactive
        // owner, never one another render left on the thread.
        .layer(OwnerScopeLayer)
        .with_state(state)
}
