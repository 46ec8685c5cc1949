//! Language negotiation for every request, in order: `?lang=` on the address, the
//! remembered cookie, the browser's Accept-Language, the configured default.
//!
//! The chosen language replaces the request's Accept-Language header, so the app (whose
//! i18n context negotiates from that header alone) renders it and sets `<html lang>`, which
//! hydration then reads. The browser remembers it in a cookie that this middleware alone
//! writes, when it came from the address or was not remembered yet.

use app::server::PortalCookie;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderValue, header};

use crate::router::AppState;

pub const SUPPORTED: [&str; 3] = ["ky", "ru", "en"];
const REMEMBER_SECONDS: i64 = 365 * 24 * 60 * 60;

fn supported(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_lowercase();
    SUPPORTED.into_iter().find(|s| *s == code)
}

/// The `lang` query parameter, if it names a supported language.
pub fn from_query(query: Option<&str>) -> Option<&'static str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "lang")
        .and_then(|(_, value)| supported(value))
}

/// The remembered language in the request's cookies, if any.
pub fn from_cookie(headers: &http::HeaderMap, https: bool) -> Option<&'static str> {
    app::server::cookie_value(headers, &PortalCookie::Language.name(https))
        .as_deref()
        .and_then(supported)
}

/// The supported language the browser prefers most, by quality then by order.
pub fn from_accept_language(header: Option<&str>) -> Option<&'static str> {
    let mut ranked: Vec<(f32, usize, &'static str)> = header?
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            let primary = tag.split('-').next()?;
            let code = supported(primary)?;
            (quality > 0.0).then_some((quality, position, code))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|(_, _, code)| *code)
}

pub async fn negotiate_language(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let requested = from_query(request.uri().query());
    let https = state.context.https;
    let remembered = from_cookie(headers, https);
    let chosen = requested
        .or(remembered)
        .or_else(|| {
            from_accept_language(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
        .unwrap_or(state.default_language);

    request
        .headers_mut()
        .insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(chosen));

    let mut response = next.run(request).await;
    if remembered != Some(chosen) {
        let cookie = PortalCookie::Language.set_cookie_header(https, chosen, REMEMBER_SECONDS);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameter_names_a_supported_language() {
        assert_eq!(from_query(Some("a=1&lang=ru")), Some("ru"));
        assert_eq!(from_query(Some("lang=EN")), Some("en"));
        assert_eq!(from_query(Some("lang=fr")), None);
        assert_eq!(from_query(None), None);
    }

    #[test]
    fn accept_language_is_ranked_by_quality_then_order() {
        assert_eq!(from_accept_language(Some("en-US,en;q=0.9")), Some("en"));
        assert_eq!(
            from_accept_language(Some("fr-FR, ru;q=0.5, ky;q=0.8")),
            Some("ky")
        );
        assert_eq!(from_accept_language(Some("ru-KG, en")), Some("ru"));
        assert_eq!(from_accept_language(Some("de, fr;q=0.9")), None);
        assert_eq!(from_accept_language(Some("en;q=0")), None);
    }

    #[test]
    fn the_remembered_language_is_read_from_its_cookie() {
        let cookies = |line: &'static str| {
            let mut headers = http::HeaderMap::new();
            headers.insert(header::COOKIE, HeaderValue::from_static(line));
            headers
        };
        assert_eq!(
            from_cookie(&cookies("x=y; portal_lang=ru"), false),
            Some("ru")
        );
        assert_eq!(from_cookie(&cookies("portal_lang=de"), false), None);
        assert_eq!(
            from_cookie(&cookies("__Host-portal_lang=en"), true),
            Some("en")
        );
        assert_eq!(from_cookie(&cookies("portal_lang=en"), true), None);
    }
}
