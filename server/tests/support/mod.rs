//! Helpers shared by the HTTP tests: the real router on a fresh in-memory database, and
//! requests shaped as browsers send them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::{Router, body::Body};
use domain::DatabaseConnection;
use http::StatusCode;
use http::{Request, Response, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::{AppState, router};
use tower::ServiceExt;

pub async fn database() -> DatabaseConnection {
    domain::database::open_and_migrate("sqlite::memory:")
        .await
        .unwrap()
}

pub fn portal(db: &DatabaseConnection, dev_mode: bool) -> Router {
    portal_with(db, dev_mode, false)
}

pub fn portal_with(db: &DatabaseConnection, dev_mode: bool, https: bool) -> Router {
    portal_with_documents(db, dev_mode, https, document_store())
}

/// A portal whose documents live in `documents` (to look at or damage the files).
pub fn portal_with_documents(
    db: &DatabaseConnection,
    dev_mode: bool,
    https: bool,
    documents: domain::documents::DocumentStore,
) -> Router {
    portal_from(
        db,
        dev_mode,
        https,
        documents,
        LeptosOptions::builder().output_name("portal").build(),
    )
}

/// A portal serving its static files from `site_root` (with a `pkg/` inside).
/// Every request of these tests comes from one (unknown) address, so the per-address
/// allowance is lifted.
pub fn portal_with_site_root(db: &DatabaseConnection, site_root: &std::path::Path) -> Router {
    let options = LeptosOptions::builder()
        .output_name("portal")
        .site_root(site_root.to_str().unwrap())
        .build();
    let mut state = state_from(db, false, false, document_store(), options);
    state.context.throttle =
        domain::throttle::Throttle::new(domain::secret::ServerSecret::random(), 1_000_000);
    router(state)
}

/// A portal serving `site_root` (with a `pkg/` inside) and, for names the current build
/// lacks, the earlier builds' files kept in `archive`.
pub fn portal_with_site(
    db: &DatabaseConnection,
    site_root: &std::path::Path,
    archive: &std::path::Path,
) -> Router {
    let options = LeptosOptions::builder()
        .output_name("portal")
        .site_root(site_root.to_str().unwrap())
        .build();
    let mut state = state_from(db, false, false, document_store(), options);
    state.asset_archive = archive.to_owned();
    router(state)
}

fn portal_from(
    db: &DatabaseConnection,
    dev_mode: bool,
    https: bool,
    documents: domain::documents::DocumentStore,
    leptos_options: LeptosOptions,
) -> Router {
    router(state_from(db, dev_mode, https, documents, leptos_options))
}

/// What the portal's handlers reach, with the normal settings.
pub fn state(db: &DatabaseConnection) -> AppState {
    state_from(
        db,
        false,
        false,
        document_store(),
        LeptosOptions::builder().output_name("portal").build(),
    )
}

fn state_from(
    db: &DatabaseConnection,
    dev_mode: bool,
    https: bool,
    documents: domain::documents::DocumentStore,
    leptos_options: LeptosOptions,
) -> AppState {
    AppState {
        leptos_options,
        context: app::server::ServerContext {
            db: db.clone(),
            dev_mode,
            hasher: domain::password::PasswordHasher::with_concurrency(2).unwrap(),
            sessions: domain::sessions::SessionPolicy::default(),
            https,
            throttle: domain::throttle::Throttle::new(
                domain::secret::ServerSecret::random(),
                domain::throttle::ADDRESS_LIMIT,
            ),
            documents,
            retention: domain::deletion::RetentionPolicy::default(),
            retention_legal_basis: String::new(),
            agreement_texts: Default::default(),
        },
        default_language: "ky",
        trusted_proxies: Vec::new(),
        timeouts: server::listener::Timeouts::default(),
        asset_archive: tempfile::tempdir().unwrap().keep(),
    }
}

/// A document store in a fresh temporary directory that lives as long as the test process
/// (each portal gets its own).
pub fn document_store() -> domain::documents::DocumentStore {
    let dir = tempfile::tempdir().unwrap().keep();
    domain::documents::DocumentStore::new(dir, domain::documents::DocumentLimits::default())
}

/// Sends `request` through the router. A request that takes more than 30 seconds fails the
/// test instead of hanging the suite.
pub async fn send(app: &Router, request: Request<Body>) -> Response<Body> {
    let uri = request.uri().clone();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        app.clone().oneshot(request),
    )
    .await
    .unwrap_or_else(|_| panic!("no response to {uri} within 30 seconds"))
    .unwrap()
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// A GET from a browser whose first language is `language` (and no cookie yet).
pub fn get_in(uri: &str, language: &'static str) -> Request<Body> {
    let mut request = get(uri);
    request.headers_mut().insert(
        header::ACCEPT_LANGUAGE,
        http::HeaderValue::from_static(language),
    );
    request
}

/// Exit (the cabinet's button, JavaScript off) with session `cookie`.
pub async fn exit(app: &Router, cookie: &str) -> Response<Body> {
    send(app, with_cookie(form_post("/api/account/exit", ""), cookie)).await
}

/// A plain form post without fields (a download button), as a browser sends it.
pub fn post(uri: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, 0)
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .unwrap()
}

/// A server function call as the browser makes it: from JavaScript (`Accept: */*`)...
pub fn fetch_post(uri: &str, form: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, form.len())
        .header(header::ACCEPT, "application/json")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

/// ...or as a plain HTML form post with JavaScript off.
pub fn form_post(uri: &str, form: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, form.len())
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://127.0.0.1:3000/feedback")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

pub fn header_of(response: &Response<Body>, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// An individual's registration form, accepting version 1 of the agreement.
pub const REGISTRATION: &str = "kind=individual&pin=21503199000123&full_name=Asanov+Bakyt\
    &email=bakyt%40mail.kg&phone=&password=Too-Ata+jailoo+2026&accepts_agreement=true\
    &consents_to_personal_data=true&agreement_version=1";

/// The `name=value` of the cookie `name` a response sets, with its full header.
pub fn cookie(response: &Response<Body>, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|full| (full.split(';').next().unwrap().to_owned(), full))
}

/// The session cookie a response sets (under either name), as `name=value`, with its full
/// header.
pub fn session_cookie(response: &Response<Body>) -> Option<(String, String)> {
    cookie(response, "portal_session").or_else(|| cookie(response, "__Host-portal_session"))
}

pub fn with_cookie(mut request: Request<Body>, cookie: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    request
}

/// Registers `form` without JavaScript: every valid registration is answered alike, with
/// the page that says to sign in (and no session).
pub async fn register_form(app: &Router, form: &str) {
    let response = send(app, form_post("/api/account/register", form)).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(header_of(&response, header::LOCATION), "/register/done");
    assert!(
        session_cookie(&response).is_none(),
        "registering signs nobody in"
    );
}

/// Signs in without JavaScript; returns the session cookie.
pub async fn sign_in(app: &Router, identifier: &str, password: &str) -> String {
    let form = format!(
        "identifier={}&password={}",
        identifier.replace('@', "%40"),
        password.replace(' ', "+")
    );
    let response = send(app, form_post("/api/account/sign-in", &form)).await;
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "sign-in of {identifier}"
    );
    session_cookie(&response)
        .unwrap_or_else(|| panic!("{identifier} signs in"))
        .0
}

/// The password of [`REGISTRATION`].
pub const PASSWORD: &str = "Too-Ata jailoo 2026";

/// Registers [`REGISTRATION`] without JavaScript and signs in; returns the session cookie.
pub async fn register(app: &Router) -> String {
    register_form(app, REGISTRATION).await;
    sign_in(app, "21503199000123", PASSWORD).await
}

/// Registers another individual (PIN 11002198012345) without JavaScript and signs in;
/// returns the session cookie.
pub async fn register_other(app: &Router) -> String {
    let other = "kind=individual&pin=11002198012345&full_name=Other+Person&email=&phone=%2B996555000111\
        &password=Another+long+passphrase&accepts_agreement=true&consents_to_personal_data=true\
        &agreement_version=1";
    register_form(app, other).await;
    sign_in(app, "11002198012345", "Another long passphrase").await
}

/// A multipart form post with one file field, as a browser sends the upload form.
pub fn upload_post(field: &str, file_name: &str, content: &[u8]) -> Request<Body> {
    let boundary = "----portal-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post("/cabinet/documents/upload")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::ACCEPT, "text/html")
        .body(Body::from(body))
        .unwrap()
}

/// Turns two-step verification on for the account (the password being [`PASSWORD`])
/// through the domain, as the cabinet does; returns the recovery codes.
pub async fn two_step_on(db: &DatabaseConnection, account_id: i64) -> Vec<String> {
    use domain::second_factor;
    let earlier = chrono::Utc::now() - chrono::Duration::minutes(1);
    let hasher = domain::password::PasswordHasher::with_concurrency(1).unwrap();
    let throttle = domain::throttle::Throttle::new(
        domain::secret::ServerSecret::random(),
        domain::throttle::ADDRESS_LIMIT,
    );
    let session = domain::sessions::start_session(
        db,
        account_id,
        "203.0.113.1",
        "Enrolling",
        earlier,
        domain::sessions::SessionPolicy::default(),
    )
    .await
    .unwrap();
    let enrolment = second_factor::start_enrolment(db, account_id, session.session_id, earlier)
        .await
        .unwrap();
    let code = second_factor::current_code(&enrolment.secret, earlier).unwrap();
    second_factor::confirm_enrolment(
        db,
        &hasher,
        &throttle,
        &second_factor::enrolment::Proof {
            account_id,
            session_id: session.session_id,
            password: PASSWORD,
            code: &code,
            address: "203.0.113.1",
            user_agent: "Enrolling",
        },
        earlier,
    )
    .await
    .unwrap()
}
