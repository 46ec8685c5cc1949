//! The session layer: turns the session cookie into the request's `CurrentSession` (or the
//! reason it ended) for pages and server functions, and marks every signed-in response
//! `Cache-Control: no-store` so that no shared or back-button cache keeps personal pages.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use http::{HeaderValue, header};

use app::{
    error::AppError,
    pages::agreement_update,
    server::{CurrentSession, EndedSession, PortalCookie, cookie_value},
};

use crate::router::AppState;

/// Where the compiled wasm, JavaScript and CSS are served: public, never personal, so
/// no session is looked up for them.
const ASSETS_PREFIX: &str = "/pkg/";

pub async fn load_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let context = &state.context;
    if request.uri().path().starts_with(ASSETS_PREFIX) {
        return next.run(request).await;
    }
    let token = cookie_value(
        request.headers(),
        &PortalCookie::Session.name(context.https),
    );
    let mut signed_in = false;
    if let Some(token) = token {
        let now = chrono::Utc::now();
        let activity = app::idle::session_activity(request.uri().path());
        let checked =
            domain::sessions::check_session(&context.db, &token, now, context.sessions, activity)
                .await;
        match checked {
            Ok(Ok(active)) => {
                if is_gated(request.uri().path()) {
                    let target = GateTarget::of(&request);
                    let gate = agreement_gate(context, &target, active.account_id, now).await;
                    if let Some(gate) = gate {
                        return gate;
                    }
                }
                signed_in = true;
                request.extensions_mut().insert(CurrentSession {
                    session_id: active.session_id,
                    account_id: active.account_id,
                    idle_deadline: active.idle_deadline,
                });
            }
            Ok(Err(ended)) => {
                request.extensions_mut().insert(EndedSession(ended));
            }
            // Without the database nobody can be recognised; the request goes on signed out
            // and whatever it needs from the database fails on its own terms.
            Err(error) => tracing::error!(%error, "could not check the session"),
        }
    }
    let mut response = next.run(request).await;
    if signed_in {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Requests that never meet the agreement gate besides those the app allows: health checks.
const UNGATED: [&str; 2] = ["/healthz", "/readyz"];

/// Whether the agreement gate applies to a request for `path`.
fn is_gated(path: &str) -> bool {
    !agreement_update::allowed_while_pending(path) && !UNGATED.contains(&path)
}

/// What the gate needs to know of a request (a `Request` itself cannot be held across an
/// await: its body is not `Sync`).
struct GateTarget {
    path: String,
    path_and_query: String,
    accepts_html: bool,
    locale: app::i18n::Locale,
}

impl GateTarget {
    fn of(request: &Request) -> Self {
        let uri = request.uri();
        Self {
            path: uri.path().to_owned(),
            path_and_query: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
            accepts_html: request
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html")),
            locale: crate::api_errors::app_locale(request),
        }
    }
}

/// The re-acceptance gate: while a version is in force that this account has not accepted,
/// a page request goes to the agreement-update page (and back afterwards), a plain form
/// post goes there too, and a server function call from JavaScript is refused with
/// `AgreementPending` (403).
async fn agreement_gate(
    context: &app::server::ServerContext,
    target: &GateTarget,
    account_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Response> {
    let path = target.path.as_str();
    match domain::agreement::pending_acceptance(&context.db, account_id, now).await {
        Ok(Some(_)) => {}
        Ok(None) => return None,
        // Closed when unsure: without knowing whether the agreement was accepted, nothing
        // behind the gate is served.
        Err(error) => {
            tracing::error!(%error, "could not check the agreement gate");
            return Some(gate_unavailable(target));
        }
    }
    let server_function = path.starts_with("/api/");
    let mut response = if server_function && !target.accepts_html {
        crate::api_errors::json_error(&AppError::AgreementPending)
    } else if server_function {
        Redirect::to(agreement_update::PAGE).into_response()
    } else {
        Redirect::to(&agreement_update::gate_url(&target.path_and_query)).into_response()
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(response)
}

/// 503 while the gate cannot be checked: a short page, or for JavaScript the internal error.
fn gate_unavailable(target: &GateTarget) -> Response {
    let mut response = if target.path.starts_with("/api/") && !target.accepts_html {
        crate::api_errors::json_error(&AppError::Internal)
    } else {
        let locale = target.locale;
        crate::api_errors::short_page(
            locale,
            http::StatusCode::SERVICE_UNAVAILABLE,
            app::error::message(locale, app::error::MessageKey::Internal),
            "/",
            app::error::go_back_label(locale),
        )
        .into_response()
    };
    *response.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
