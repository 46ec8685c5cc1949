//! The outer defences every request passes: cross-site writes are refused, and every
//! response carries the security headers (pages set their own Content-Security-Policy with
//! the render's nonce; everything else gets the strict default below).

use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

/// The policy of responses that are not rendered pages (JSON, files, health checks).
pub const DEFAULT_CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'",
);

/// Whether a state-changing request comes from another site, by the browser's own word
/// (`Sec-Fetch-Site`) or, from older browsers, by an `Origin` that is not ours. Requests
/// with neither header come from programs, not from a page a user was lured to.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    origin == "null" || origin_host.is_none() || origin_host != host
}

/// Refuses every non-GET request that another site made the browser send (CSRF).
pub async fn refuse_cross_site_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(request.headers()) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(request).await
}

/// Over HTTPS, tells browsers to use nothing else for a year (HSTS).
pub async fn strict_transport_security(
    axum::extract::State(state): axum::extract::State<crate::router::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if state.context.https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn the_browsers_fetch_site_decides_first() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
    }

    #[test]
    fn an_origin_must_name_this_host() {
        let ours = [
            ("host", "portal.example.kg"),
            ("origin", "https://portal.example.kg"),
        ];
        assert!(!is_cross_site(&headers(&ours)));
        let theirs = [
            ("host", "portal.example.kg"),
            ("origin", "https://evil.example"),
        ];
        assert!(is_cross_site(&headers(&theirs)));
        assert!(is_cross_site(&headers(&[
            ("host", "a.kg"),
            ("origin", "null")
        ])));
        assert!(
            !is_cross_site(&headers(&[("host", "a.kg")])),
            "no origin: not a browser page"
        );
    }
}
