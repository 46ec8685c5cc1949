//! The session layer: turns the session cookie into the request's `CurrentSession` (or the
//! reason it ended) for pages and server functions, and marks every signed-in response
//! `Cache-Control: no-store` so that no shared or back-button cache keeps personal pages.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderValue, header};

use app::server::{CurrentSession, EndedSession, cookie_value, session_cookie_name};

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
    let token =
        cookie_value(request.headers(), session_cookie_name(context.https)).map(str::to_owned);
    let mut signed_in = false;
    if let Some(token) = token {
        let now = chrono::Utc::now();
        let activity = app::idle::session_activity(request.uri().path());
        let checked =
            domain::sessions::check_session(&context.db, &token, now, context.sessions, activity)
                .await;
        match checked {
            Ok(Ok(active)) => {
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
