//! Public pages rendered once per language (and, for the agreement, per version in force).
//!
//! `/`, `/login` and `/agreement` are the same for every signed-out visitor without a
//! query: the same text, laid out the same way, in one of three languages. Rendering them
//! was most of their cost (the agreement is long), so a finished page is kept, cut at its
//! CSP nonce, and each response gets it with a fresh nonce. For `/agreement` the version in
//! force is still asked on every request (another server may just have published one, or a
//! published one may have come into force), so a new version is shown from its first moment
//! and the pages of earlier versions are dropped then.
//!
//! Only a request that cannot change the page is answered from here: a GET of exactly one
//! of these paths (`/agreement` also with `?text=` one of the languages) carrying no cookie
//! but the language's, so no session, no ended session's notice and no draft. Everything
//! else is rendered as before.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use app::server::{CurrentSession, EndedSession, PortalCookie};

use crate::router::AppState;

/// The pages kept.
const PAGES: [&str; 3] = ["/", "/login", AGREEMENT];

/// The one page with `?text=` (the text's language), kept per version in force.
const AGREEMENT: &str = "/agreement";

/// The most a kept page may weigh (the agreement renders to about 100 KB).
const MAX_KEPT_BYTES: usize = 16 * 1024 * 1024;

/// What the page depends on besides the nonce.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    path: &'static str,
    /// The agreement's version in force, for the page that shows it.
    version: Option<i32>,
    /// The negotiated language of the page.
    language: String,
    /// `?text=`: the language of the agreement's text, when asked for.
    text: Option<&'static str>,
}

/// A rendered page: its Content-Type, and its body cut where the nonce was.
#[derive(Debug)]
struct Kept {
    headers: HeaderMap,
    pieces: Vec<Bytes>,
}

/// The pages kept, by key (the agreement's only for the version last seen in force).
#[derive(Clone, Debug, Default)]
pub struct PageCache(Arc<RwLock<HashMap<Key, Arc<Kept>>>>);

impl PageCache {
    fn get(&self, key: &Key) -> Option<Arc<Kept>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    fn keep(&self, key: Key, kept: Kept) {
        let mut pages = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(version) = key.version {
            // A render of an older version that finished late must not evict the newer ones.
            if pages.keys().any(|other| other.version > Some(version)) {
                return;
            }
            pages.retain(|other, _| other.version.is_none() || other.version == key.version);
        }
        pages.insert(key, Arc::new(kept));
    }
}

/// The middleware: answers a kept public page, or renders it and keeps it.
pub async fn public_pages(
    State((state, cache)): State<(AppState, PageCache)>,
    request: Request,
    next: Next,
) -> Response {
    let Some((path, language, text)) = cacheable(&request, state.context.https) else {
        return next.run(request).await;
    };
    let db = &state.context.db;
    let version = if path == AGREEMENT {
        match domain::agreement::version_in_force(db, chrono::Utc::now()).await {
            Ok(Some(version)) => Some(version),
            // No version in force, or no database: the page says so on its own terms.
            _ => return next.run(request).await,
        }
    } else {
        None
    };
    let key = Key {
        path,
        version,
        language,
        text,
    };
    if let Some(kept) = cache.get(&key) {
        return serve(&kept);
    }
    let locale = crate::api_errors::app_locale(&request);
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let Some(nonce) = nonce_of(&parts.headers) else {
        return Response::from_parts(parts, body);
    };
    // The page's policy must be the one a hit rebuilds for its own nonce.
    let usual_policy = parts
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|policy| *policy == app::server::content_security_policy(&nonce));
    let keepable = parts.status == StatusCode::OK
        && usual_policy
        && !parts.headers.contains_key(header::SET_COOKIE)
        && parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if !keepable {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_KEPT_BYTES).await else {
        // The render failed half-way (or grew beyond reason): the translated error page.
        return error_page(locale);
    };
    // The version must not have changed while the page was rendered, or the page may be
    // the next version's under this version's key.
    let unchanged = match version {
        None => true,
        Some(version) => matches!(
            domain::agreement::version_in_force(db, chrono::Utc::now()).await,
            Ok(Some(after)) if after == version
        ),
    };
    if unchanged {
        // Only the type is replayed: any other header of this response was its own.
        let mut headers = HeaderMap::new();
        if let Some(kind) = parts.headers.get(header::CONTENT_TYPE) {
            headers.insert(header::CONTENT_TYPE, kind.clone());
        }
        cache.keep(
            key,
            Kept {
                headers,
                pieces: cut(&bytes, nonce.as_bytes()),
            },
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The page, the negotiated language and the `?text=` language, if `request` may be
/// answered from the cache.
fn cacheable(
    request: &Request,
    https: bool,
) -> Option<(&'static str, String, Option<&'static str>)> {
    if request.method() != Method::GET {
        return None;
    }
    // The cookie rule below already leaves these out; the session layer's own reading is
    // checked too, so that a session found any other way is never rendered for everyone.
    let extensions = request.extensions();
    if extensions.get::<CurrentSession>().is_some() || extensions.get::<EndedSession>().is_some() {
        return None;
    }
    let path = PAGES
        .into_iter()
        .find(|page| *page == request.uri().path())?;
    let text = match request.uri().query() {
        None | Some("") => None,
        Some(_) if path != AGREEMENT => return None,
        Some(query) => {
            let language = query.strip_prefix("text=")?;
            Some(
                domain::agreement::LANGUAGES
                    .into_iter()
                    .find(|l| *l == language)?,
            )
        }
    };
    let language_cookie = PortalCookie::Language.name(https);
    let only_language_cookie = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .all(|value| {
            value.to_str().is_ok_and(|value| {
                value
                    .split(';')
                    .map(|pair| pair.split_once('=').map_or(pair, |(name, _)| name).trim())
                    .all(|name| name.is_empty() || name == language_cookie)
            })
        });
    if !only_language_cookie {
        return None;
    }
    // The language middleware has replaced Accept-Language with the one it chose.
    let language = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)?
        .to_str()
        .ok()?
        .to_owned();
    Some((path, language, text))
}

/// The nonce of a rendered page's Content-Security-Policy.
fn nonce_of(headers: &HeaderMap) -> Option<String> {
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)?
        .to_str()
        .ok()?;
    let (_, rest) = policy.split_once("'nonce-")?;
    let (nonce, _) = rest.split_once('\'')?;
    (nonce.len() >= 16).then(|| nonce.to_owned())
}

/// `body` cut at every occurrence of `nonce` (which is dropped).
fn cut(body: &Bytes, nonce: &[u8]) -> Vec<Bytes> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while let Some(found) = body[at..]
        .windows(nonce.len())
        .position(|window| window == nonce)
    {
        let found = at + found;
        pieces.push(body.slice(start..found));
        start = found + nonce.len();
        at = start;
    }
    pieces.push(body.slice(start..));
    pieces
}

/// A kept page with a fresh nonce, in its body and its policy.
fn serve(kept: &Kept) -> Response {
    let nonce = leptos::nonce::Nonce::new().to_string();
    let length = kept.pieces.iter().map(Bytes::len).sum::<usize>()
        + nonce.len() * kept.pieces.len().saturating_sub(1);
    let mut body = Vec::with_capacity(length);
    for (index, piece) in kept.pieces.iter().enumerate() {
        if index > 0 {
            body.extend_from_slice(nonce.as_bytes());
        }
        body.extend_from_slice(piece);
    }
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = kept.headers.clone();
    if let Ok(policy) = HeaderValue::from_str(&app::server::content_security_policy(&nonce)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// A render that could not be read whole: the internal error, translated.
fn error_page(locale: app::i18n::Locale) -> Response {
    let mut response = crate::api_errors::short_page(
        locale,
        StatusCode::INTERNAL_SERVER_ERROR,
        app::error::message(locale, app::error::MessageKey::Internal),
        "/",
        app::error::go_back_label(locale),
    )
    .into_response();
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_cut_at_every_nonce() {
        let body = Bytes::from_static(b"<a nonce=\"N0NCE\">x</a><b nonce=\"N0NCE\"></b>");
        let pieces = cut(&body, b"N0NCE");
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces.concat(), b"<a nonce=\"\">x</a><b nonce=\"\"></b>");
        assert_eq!(cut(&Bytes::from_static(b"none here"), b"N0NCE").len(), 1);
    }

    fn request(uri: &str, cookie: Option<&str>) -> Request {
        let mut request = Request::get(uri)
            .header(header::ACCEPT_LANGUAGE, "ru")
            .body(Body::empty())
            .unwrap();
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        }
        request
    }

    #[test]
    fn only_requests_that_cannot_change_the_page_are_answered_from_it() {
        let kept = |uri: &str, cookie: Option<&str>| cacheable(&request(uri, cookie), false);
        assert_eq!(
            kept("/agreement", None),
            Some(("/agreement", "ru".to_owned(), None))
        );
        assert_eq!(
            kept("/agreement?text=en", Some("portal_lang=ru")),
            Some(("/agreement", "ru".to_owned(), Some("en")))
        );
        assert_eq!(
            kept("/login", None),
            Some(("/login", "ru".to_owned(), None))
        );
        assert_eq!(kept("/", None), Some(("/", "ru".to_owned(), None)));
        // A session (even an ended one), a draft, a challenge, anything else: rendered.
        for cookie in [
            "portal_session=abc",
            "portal_session=",
            "portal_lang=ru; portal_session=abc",
            "portal_draft=x",
            "portal_challenge=x",
            "other=1",
        ] {
            assert_eq!(kept("/agreement", Some(cookie)), None, "{cookie}");
        }
        // Over HTTPS the language cookie has its __Host- name; the plain one is a stranger.
        let https = |cookie| cacheable(&request("/agreement", Some(cookie)), true);
        assert!(https("__Host-portal_lang=ru").is_some());
        assert!(https("portal_lang=ru").is_none());
        for uri in [
            "/login?next=/cabinet",
            "/login?exited",
            "/login?text=en",
            "/?lang=en",
            "/register",
            "/agreement?text=fr",
            "/agreement?lang=en",
            "/agreement?text=en&x=1",
            "/agreement/versions/1",
            "/agreement/",
            "/Agreement",
        ] {
            assert_eq!(kept(uri, None), None, "{uri}");
        }
        let mut signed_in = request("/agreement", None);
        signed_in.extensions_mut().insert(CurrentSession {
            session_id: 1,
            account_id: 1,
            idle_deadline: chrono::Utc::now(),
        });
        assert_eq!(cacheable(&signed_in, false), None);
        let mut ended = request("/login", None);
        ended
            .extensions_mut()
            .insert(EndedSession(domain::sessions::SessionEnd::Revoked));
        assert_eq!(cacheable(&ended, false), None);
        let mut post = request("/agreement", None);
        *post.method_mut() = Method::POST;
        assert_eq!(cacheable(&post, false), None);
        let mut head = request("/agreement", None);
        *head.method_mut() = Method::HEAD;
        assert_eq!(cacheable(&head, false), None);
    }

    #[test]
    fn a_late_render_of_an_older_version_evicts_nothing() {
        let cache = PageCache::default();
        let key = |version| Key {
            path: AGREEMENT,
            version: Some(version),
            language: "ru".to_owned(),
            text: None,
        };
        let page = || Kept {
            headers: HeaderMap::new(),
            pieces: vec![Bytes::from_static(b"page")],
        };
        cache.keep(key(1), page());
        cache.keep(key(2), page());
        assert!(cache.get(&key(1)).is_none(), "the older version is dropped");
        cache.keep(key(1), page());
        assert!(cache.get(&key(2)).is_some(), "the newer version stays");
        assert!(
            cache.get(&key(1)).is_none(),
            "the late older page is not kept"
        );
    }

    #[test]
    fn the_nonce_is_read_from_the_policy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&app::server::content_security_policy(
                "abcdefghijklmnopqrstuv",
            ))
            .unwrap(),
        );
        assert_eq!(
            nonce_of(&headers).as_deref(),
            Some("abcdefghijklmnopqrstuv")
        );
        assert_eq!(nonce_of(&HeaderMap::new()), None);
    }
}
