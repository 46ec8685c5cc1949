//! Honest status codes and readable answers for server function failures.
//!
//! Leptos answers every server function error with status 500. For a call from JavaScript
//! this layer reads the `AppError` in the body and sets the status it deserves (422 for
//! refused input, 400 for an unreadable request, 500 only for real faults), keeping the
//! body the client decodes. A body over the size limit becomes, for JavaScript, the
//! `TooLarge` error, and for a plain form post a short page in the reader's language.

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use http::{StatusCode, header};

use app::{
    error::{AppError, MessageKey, message},
    i18n::Locale,
};

/// Error bodies are a few hundred bytes; anything larger is not ours to rewrite.
const MAX_ERROR_BODY: usize = 64 * 1024;

fn status_for(error: &AppError) -> StatusCode {
    match error {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::BadRequest => StatusCode::BAD_REQUEST,
        AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::AgreementPending => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::ServiceStopped => StatusCode::FORBIDDEN,
        AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Network | AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Where Leptos mounts server functions.
const SERVER_FN_PREFIX: &str = "/api/";

pub async fn server_fn_errors(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with(SERVER_FN_PREFIX) {
        return next.run(request).await;
    }
    let accepts_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let locale = app_locale(&request);
    let referer = request
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;

    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE if accepts_html => {
            too_large_page(locale, referer.as_deref()).into_response()
        }
        StatusCode::PAYLOAD_TOO_LARGE => json_error(&AppError::TooLarge),
        StatusCode::INTERNAL_SERVER_ERROR => {
            let (parts, body) = response.into_parts();
            let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
                return (StatusCode::INTERNAL_SERVER_ERROR, Body::empty()).into_response();
            };
            let status = serde_json::from_slice::<AppError>(&bytes)
                .map(|error| status_for(&error))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = Response::from_parts(parts, Body::from(bytes));
            *response.status_mut() = status;
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, http::HeaderValue::from_static("2"));
            }
            response
        }
        _ => response,
    }
}

pub fn json_error(error: &AppError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_default();
    (
        status_for(error),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// The language the language middleware chose (it runs first and rewrites
/// Accept-Language to exactly that language).
pub fn app_locale(request: &Request) -> Locale {
    request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|code| code.parse().ok())
        .unwrap_or_default()
}

fn too_large_page(locale: Locale, referer: Option<&str>) -> (StatusCode, Html<String>) {
    let text = message(locale, MessageKey::TooLarge);
    // Only a same-site path is offered as the way back.
    let back = referer
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .unwrap_or("/");
    short_page(
        locale,
        StatusCode::PAYLOAD_TOO_LARGE,
        text,
        back,
        app::error::go_back_label(locale),
    )
}

/// A minimal page with a heading and one link, for answers made outside the app's router.
pub fn short_page(
    locale: Locale,
    status: StatusCode,
    heading: &str,
    link: &str,
    link_text: &str,
) -> (StatusCode, Html<String>) {
    let heading = html_escape(heading);
    let link = html_escape(link);
    let link_text = html_escape(link_text);
    let stylesheet = app::assets::current_stylesheet_href();
    let page = format!(
        "<!DOCTYPE html><html lang=\"{locale}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading}</title><link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
         <body><main class=\"main\" id=\"main-content\"><h1 class=\"heading-l\">{heading}</h1>\
         <p><a href=\"{link}\">{link_text}</a></p></main></body></html>"
    );
    (status, Html(page))
}

/// The short page for a failure on our side, linking back to `back`.
pub fn internal_error_page(locale: Locale, back: &str) -> (StatusCode, Html<String>) {
    short_page(
        locale,
        StatusCode::INTERNAL_SERVER_ERROR,
        message(locale, MessageKey::Internal),
        back,
        app::error::go_back_label(locale),
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
