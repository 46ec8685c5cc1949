//! Server-only helpers for server functions: the shared state, the request's cookies and
//! language, and no-JavaScript form drafts. Compiled only with the `ssr` feature.

use chrono::{DateTime, Utc};
use domain::{
    DatabaseConnection,
    password::PasswordHasher,
    sessions::{SessionEnd, SessionPolicy},
};
use http::{HeaderValue, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::{error::AppError, i18n::Locale};

/// The portal's cookies. Every one is HttpOnly (but the language, which is harmless) and
/// SameSite=Lax; over HTTPS every one is `Secure` under a `__Host-` name, which the
/// browser accepts only from this host, over HTTPS, for the whole site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortalCookie {
    /// The session token.
    Session,
    /// A no-JavaScript form draft.
    Draft,
    /// A sign-in waiting for its second factor.
    Challenge,
    /// The deletion receipt, shown signed out.
    DeletionReceipt,
    /// The language chosen (written by the server's language middleware).
    Language,
}

impl PortalCookie {
    fn base_name(self) -> &'static str {
        match self {
            Self::Session => "portal_session",
            Self::Draft => "portal_draft",
            Self::Challenge => "portal_challenge",
            Self::DeletionReceipt => "portal_receipt",
            Self::Language => "portal_lang",
        }
    }

    /// The cookie's name: `__Host-` prefixed over HTTPS.
    pub fn name(self, https: bool) -> String {
        if https {
            format!("__Host-{}", self.base_name())
        } else {
            self.base_name().to_owned()
        }
    }

    /// The `Set-Cookie` value giving this cookie `value` for `max_age_seconds` (0 forgets).
    pub fn set_cookie_header(self, https: bool, value: &str, max_age_seconds: i64) -> String {
        let mut cookie = cookie::Cookie::new(self.name(https), value.to_owned());
        cookie.set_path("/");
        cookie.set_http_only(self != Self::Language);
        cookie.set_same_site(cookie::SameSite::Lax);
        cookie.set_secure(https);
        cookie.set_max_age(cookie::time::Duration::seconds(max_age_seconds.max(0)));
        cookie.to_string()
    }
}

/// What every server function may use, provided by the server for each request.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub db: DatabaseConnection,
    /// Development mode shows developer pages such as the component gallery.
    pub dev_mode: bool,
    pub hasher: PasswordHasher,
    pub sessions: SessionPolicy,
    /// Throttling of sign-in, registration, feedback and drafts (with the server's key).
    pub throttle: domain::throttle::Throttle,
    /// The portal is served over HTTPS: cookies are `Secure` and use the `__Host-` name.
    pub https: bool,
    /// Where uploaded documents live, and their limits.
    pub documents: domain::documents::DocumentStore,
    /// How long a deleted account's pseudonymized records are kept.
    pub retention: domain::deletion::RetentionPolicy,
    /// The legal basis for keeping them, as configured; empty for the portal's wording.
    pub retention_legal_basis: String,
    /// The published agreement texts read so far, parsed (they never change).
    pub agreement_texts: crate::pages::agreement::load::TextCache,
}

/// Answers computed once per request and reused by everything that renders in it. An
/// async render runs a page's components more than once (before and after its data has
/// loaded), and every cabinet page shows the unread count in its header.
#[derive(Clone, Debug, Default)]
pub struct RequestMemo {
    unread: std::sync::Arc<tokio::sync::OnceCell<u64>>,
}

impl RequestMemo {
    /// The account's unread messages, asked of the database at most once per request (a
    /// render that needs it while another asks waits for that answer).
    pub async fn unread(&self, db: &DatabaseConnection, account_id: i64) -> Result<u64, AppError> {
        self.unread
            .get_or_try_init(|| async {
                domain::inbox::unread_count(db, account_id)
                    .await
                    .map_err(internal)
            })
            .await
            .copied()
    }
}

/// The unread count of the signed-in account, through the request's memo when there is one.
pub async fn unread_count(db: &DatabaseConnection, account_id: i64) -> Result<u64, AppError> {
    use_context::<RequestMemo>()
        .unwrap_or_default()
        .unread(db, account_id)
        .await
}

/// The valid session of the current request, put there by the server's session layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurrentSession {
    pub session_id: i64,
    pub account_id: i64,
    pub idle_deadline: DateTime<Utc>,
}

/// Why the request's session cookie no longer signs anyone in, when it had one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndedSession(pub SessionEnd);

/// The server context, or an internal error if the server forgot to provide it.
pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!("ServerContext missing from the request context");
        AppError::Internal
    })
}

/// The signed-in session of this request, if any.
pub fn current_session() -> Option<CurrentSession> {
    request_parts()?.extensions.get::<CurrentSession>().copied()
}

/// The signed-in session, or `Unauthorized` (401) for a signed-out caller.
pub fn require_session() -> Result<CurrentSession, AppError> {
    current_session().ok_or(AppError::Unauthorized)
}

/// Why this request's session ended, if it carried one that did.
pub fn ended_session() -> Option<SessionEnd> {
    request_parts()?
        .extensions
        .get::<EndedSession>()
        .map(|ended| ended.0)
}

/// The client's address, as the server's address layer resolved it (the connection's
/// peer, or what a trusted proxy forwarded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// The client's address, or "unknown" when the request came without a connection (tests).
pub fn client_address() -> String {
    request_parts()
        .and_then(|parts| parts.extensions.get::<ClientAddress>().cloned())
        .map_or_else(|| "unknown".to_owned(), |address| address.0)
}

/// The client's User-Agent header.
pub fn user_agent() -> String {
    request_parts()
        .and_then(|parts| parts.headers.get(header::USER_AGENT).cloned())
        .and_then(|value| value.to_str().ok().map(str::to_owned))
        .unwrap_or_default()
}

/// Gives the browser the session token (HttpOnly, SameSite=Lax, Secure over HTTPS).
pub fn set_session_cookie(context: &ServerContext, token: &str) {
    set_cookie(
        PortalCookie::Session,
        token,
        context.sessions.absolute_lifetime.num_seconds(),
    );
}

/// Tells the browser to forget the session cookie.
pub fn clear_session_cookie() {
    set_cookie(PortalCookie::Session, "", 0);
}

/// A moment as people in Kyrgyzstan read it (Bishkek time, UTC+6 all year).
pub fn local_time(moment: DateTime<Utc>, format: &str) -> String {
    chrono::FixedOffset::east_opt(6 * 3600).map_or_else(
        || moment.format(format).to_string(),
        |bishkek| moment.with_timezone(&bishkek).format(format).to_string(),
    )
}

/// The "too many attempts" error, saying when (local time) to try again.
pub fn throttled(retry_at: DateTime<Utc>) -> AppError {
    AppError::Throttled {
        retry_at: local_time(retry_at, "%H:%M"),
    }
}

/// The error for a failed password hash: busy (503, try again shortly) or a real fault.
pub fn hash_failed(error: domain::password::HashError) -> AppError {
    match error {
        domain::password::HashError::Busy => AppError::Busy,
        other => internal(other),
    }
}

/// After too many wrong passwords or codes in the cabinet the session has ended: the
/// browser goes to the sign-in page (which says why) and comes back to `page` afterwards.
pub fn session_ended(page: &str) -> AppError {
    redirect(&crate::pages::guard::login_url(page));
    AppError::Unauthorized
}

/// A short description of the device behind a User-Agent: "browser, system".
pub fn describe_device(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("YaBrowser", "Yandex Browser"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| name);
    [browser, system]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Logs a database failure and answers with the generic internal error.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "server function failed");
    AppError::Internal
}

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The value of the portal cookie `cookie` on the current request.
pub fn request_cookie(cookie: PortalCookie) -> Option<String> {
    let https = use_context::<ServerContext>().is_some_and(|context| context.https);
    cookie_value(&request_parts()?.headers, &cookie.name(https))
}

/// The non-empty value of the cookie `name` in `headers` (the `cookie` crate parses each
/// `Cookie` header): the one cookie reader, shared by server functions and the server's
/// middleware.
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_owned())
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

/// Adds a `Set-Cookie` header for the portal cookie `cookie` to the response.
pub fn set_cookie(cookie: PortalCookie, value: &str, max_age_seconds: i64) {
    let https = use_context::<ServerContext>().is_some_and(|context| context.https);
    let header_value = cookie.set_cookie_header(https, value, max_age_seconds);
    if let (Some(options), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&header_value),
    ) {
        options.append_header(header::SET_COOKIE, value);
    }
}

/// Sends the browser to `path` (a path of this site) when the server function returns: a
/// 302 for a plain form post, the redirect header Leptos's client follows for JavaScript.
/// The Location is set here, checked, rather than by `leptos_axum::redirect`, which panics
/// on a value a header cannot hold and needs the request's parts as well.
pub fn redirect(path: &str) {
    let Some(response) = use_context::<ResponseOptions>() else {
        tracing::error!("no response options to redirect with");
        return;
    };
    let Ok(location) = HeaderValue::from_str(path) else {
        tracing::error!("refused to redirect to a path a header cannot hold");
        return;
    };
    response.insert_header(header::LOCATION, location);
    if is_plain_form_post() {
        response.set_status(http::StatusCode::FOUND);
    } else {
        response.insert_header(
            http::HeaderName::from_static(leptos::server_fn::redirect::REDIRECT_HEADER),
            HeaderValue::from_static(""),
        );
    }
}

/// After a failed plain form post, keeps `payload` (never a password) for the re-rendered
/// form. With JavaScript the form is still on screen, so nothing is kept. Signed in, the
/// draft belongs to the session; signed out, each address may keep only so many a minute.
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
    let now = chrono::Utc::now();
    let session = current_session().map(|session| session.session_id);
    // Signed out, an address may keep only so many (losing one costs retyping; the errors
    // still show). Signed in, a draft may hold what must not be lost (the recovery codes)
    // and belongs to an authenticated session.
    if session.is_none() {
        let allowed = context
            .throttle
            .take_address(
                &context.db,
                domain::throttle::AddressScope::Draft,
                &client_address(),
                now,
            )
            .await;
        if !matches!(allowed, Ok(Ok(()))) {
            return;
        }
    }
    match domain::form_draft::save_draft(&context.db, form, &payload, session, now).await {
        Ok(Some(token)) => set_cookie(
            PortalCookie::Draft,
            &token,
            domain::form_draft::DRAFT_LIFETIME.num_seconds(),
        ),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "could not keep a form draft"),
    }
}

/// Takes back the draft of `form` kept by [`keep_draft_for_plain_form_post`], if any.
pub async fn take_draft<T: serde::de::DeserializeOwned>(form: &str) -> Option<T> {
    let token = request_cookie(PortalCookie::Draft)?;
    let context = server_context().ok()?;
    let session = current_session().map(|session| session.session_id);
    let payload =
        domain::form_draft::take_draft(&context.db, form, &token, session, chrono::Utc::now())
            .await
            .map_err(|error| tracing::warn!(%error, "could not read a form draft"))
            .ok()??;
    serde_json::from_value(payload).ok()
}

/// Records an event in the account's history, as done by the current request's user.
pub async fn record_event(
    context: &ServerContext,
    account_id: i64,
    kind: domain::history::EventKind,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let address = client_address();
    let user_agent = user_agent();
    domain::history::record(
        &context.db,
        domain::history::NewEvent::by_user(
            account_id,
            kind,
            &address,
            &user_agent,
            chrono::Utc::now(),
        )
        .with_details(details),
    )
    .await
    .map_err(internal)
}
