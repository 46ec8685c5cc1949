//! Server-only helpers for server functions: the shared state, the request's cookies and
//! language, and no-JavaScript form drafts. Compiled only with the `ssr` feature.

use domain::DatabaseConnection;
use http::{HeaderValue, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::{error::AppError, i18n::Locale};

/// The cookie that points at a no-JavaScript form draft.
pub const DRAFT_COOKIE: &str = "portal_draft";

/// What every server function may use, provided by the server for each request.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub db: DatabaseConnection,
    /// Development mode shows developer pages such as the component gallery.
    pub dev_mode: bool,
}

/// The server context, or an internal error if the server forgot to provide it.
pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!("ServerContext missing from the request context");
        AppError::Internal
    })
}

/// Logs a database failure and answers with the generic internal error.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "server function failed");
    AppError::Internal
}

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The value of the cookie `name` on the current request.
pub fn request_cookie(name: &str) -> Option<String> {
    let parts = request_parts()?;
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The language of the current request. The server's language middleware replaces
/// Accept-Language with the one language it negotiated.
pub fn request_locale() -> Locale {
    request_parts()
        .and_then(|parts| parts.headers.get(header::ACCEPT_LANGUAGE).cloned())
        .and_then(|value| value.to_str().ok().and_then(|v| v.parse().ok()))
        .unwrap_or_default()
}

/// Whether the request is a plain HTML form post (JavaScript off): the browser then gets a
/// redirect back to the form, so the form's values must be kept server-side.
pub fn is_plain_form_post() -> bool {
    request_parts()
        .and_then(|parts| parts.headers.get(header::ACCEPT).cloned())
        .and_then(|accept| accept.to_str().map(|v| v.contains("text/html")).ok())
        .unwrap_or(false)
}

/// Whether the request arrived over HTTPS (directly or through a proxy that says so).
pub fn is_https() -> bool {
    request_parts().is_some_and(|parts| {
        parts.uri.scheme_str() == Some("https")
            || parts
                .headers
                .get("x-forwarded-proto")
                .is_some_and(|proto| proto.as_bytes() == b"https")
    })
}

/// The Content-Security-Policy of a rendered page: scripts only from this origin or
/// carrying this response's nonce (Leptos puts it on its hydration scripts), wasm allowed
/// to compile, and no framing anywhere.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sends the page's Content-Security-Policy with the nonce of this render.
pub fn send_content_security_policy() {
    let nonce = leptos::nonce::use_nonce();
    let options = use_context::<ResponseOptions>();
    if let (Some(nonce), Some(options)) = (nonce, options)
        && let Ok(value) = HeaderValue::from_str(&content_security_policy(&nonce.to_string()))
    {
        options.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds a `Set-Cookie` header to the response.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64) {
    let secure = if is_https() { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"
    );
    if let (Some(options), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        options.append_header(header::SET_COOKIE, value);
    }
}

/// After a failed plain form post, keeps `payload` (never a password) for the re-rendered
/// form. With JavaScript the form is still on screen, so nothing is kept.
pub async fn keep_draft_for_plain_form_post<T: serde::Serialize>(form: &str, payload: &T) {
    if !is_plain_form_post() {
        return;
    }
    let Ok(context) = server_context() else {
        return;
    };
    let Ok(payload) = serde_json::to_value(payload) else {
        return;
    };
    match domain::form_draft::save_draft(&context.db, form, &payload, chrono::Utc::now()).await {
        Ok(token) => set_cookie(
            DRAFT_COOKIE,
            &token,
            domain::form_draft::DRAFT_LIFETIME.num_seconds(),
        ),
        // Losing a draft only costs retyping; the errors are still shown.
        Err(error) => tracing::warn!(%error, "could not keep a form draft"),
    }
}

/// Takes back the draft of `form` kept by [`keep_draft_for_plain_form_post`], if any.
pub async fn take_draft<T: serde::de::DeserializeOwned>(form: &str) -> Option<T> {
    let token = request_cookie(DRAFT_COOKIE)?;
    let context = server_context().ok()?;
    let payload = domain::form_draft::take_draft(&context.db, form, &token, chrono::Utc::now())
        .await
        .map_err(|error| tracing::warn!(%error, "could not read a form draft"))
        .ok()??;
    serde_json::from_value(payload).ok()
}
