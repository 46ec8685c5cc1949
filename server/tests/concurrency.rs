//! Pages keep their own headers when browsers load them in parallel with their assets.
//!
//! Two tokio workers serve hundreds of page renders (signed out and signed in, redirects,
//! 404s), server function calls and static files at once, as a browser and its neighbours
//! do. Each answer must carry what its own request produced: a page its nonce CSP, a
//! redirect its Location, an asset its own status and content type. Before the owner scope
//! (`server::owner_scope`) and the owner-free static files, about one answer in eight lost
//! its headers to another request's render.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::body::Body;
use http::{Request, Response, StatusCode, header};
use support::*;
use tower::ServiceExt;

/// What one request expects of its answer.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// A rendered page with this status and its own nonce CSP.
    Page(StatusCode),
    /// A page that redirects (303) to a path starting with this, with its nonce CSP.
    Redirect(&'static str),
    /// A static file of this content type.
    Asset(&'static str),
    /// A server function called from JavaScript that redirects to a path starting with this.
    ServerFunctionRedirect(&'static str),
}

fn check(expect: Expect, response: &Response<Body>) -> Result<(), String> {
    let status = response.status();
    let csp = header_of(response, header::CONTENT_SECURITY_POLICY);
    let location = header_of(response, header::LOCATION);
    let content_type = header_of(response, header::CONTENT_TYPE);
    let ok = match expect {
        Expect::Page(expected) => {
            status == expected && csp.contains("'nonce-") && content_type.starts_with("text/html")
        }
        Expect::Redirect(prefix) => {
            status == StatusCode::SEE_OTHER
                && location.starts_with(prefix)
                && csp.contains("'nonce-")
        }
        Expect::Asset(kind) => {
            status == StatusCode::OK
                && content_type.contains(kind)
                && location.is_empty()
                && !csp.contains("'nonce-")
        }
        Expect::ServerFunctionRedirect(prefix) => {
            status.is_success() && location.starts_with(prefix)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected {expect:?}, got {status} location={location:?} type={content_type:?} csp={csp:?}"
        ))
    }
}

/// A site root with the three assets every page loads.
fn site_root() -> std::path::PathBuf {
    let root = tempfile::tempdir().unwrap().keep();
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(
        root.join("pkg/portal.js"),
        "export default function init() {}\n",
    )
    .unwrap();
    std::fs::write(root.join("pkg/portal_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(root.join("pkg/portal.css"), "body { margin: 0 }\n").unwrap();
    root
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_keep_their_headers_while_assets_load_in_parallel() {
    let db = database().await;
    let app = portal_with_site_root(&db, &site_root());
    let session = register(&app).await;

    let mut requests: Vec<(Expect, Request<Body>)> = Vec::new();
    for round in 0..120 {
        requests.push((Expect::Page(StatusCode::OK), get("/")));
        requests.push((Expect::Asset("javascript"), get("/pkg/portal.js")));
        requests.push((Expect::Page(StatusCode::OK), get("/feedback")));
        requests.push((Expect::Asset("wasm"), get("/pkg/portal_bg.wasm")));
        requests.push((
            Expect::Page(StatusCode::OK),
            with_cookie(get("/cabinet"), &session),
        ));
        requests.push((Expect::Asset("css"), get("/pkg/portal.css")));
        requests.push((Expect::Redirect("/login?next=/cabinet"), get("/cabinet")));
        requests.push((Expect::Asset("javascript"), get("/pkg/portal.js")));
        requests.push((
            Expect::Page(StatusCode::NOT_FOUND),
            get(&format!("/no-such-page-{round}")),
        ));
        requests.push((Expect::Asset("wasm"), get("/pkg/portal_bg.wasm")));
        if round % 4 == 0 {
            let feedback = "topic=question&message=How+do+I+get+a+certificate%3F&reply_email=";
            requests.push((
                Expect::ServerFunctionRedirect("/feedback/sent/FB-"),
                fetch_post("/api/feedback/submit", feedback),
            ));
        }
    }
    let total = requests.len();
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(expect, request)| {
            let app = app.clone();
            tokio::spawn(async move {
                let response =
                    tokio::time::timeout(std::time::Duration::from_secs(60), app.oneshot(request))
                        .await
                        .expect("an answer within a minute")
                        .unwrap();
                check(expect, &response)
            })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(failure) = task.await.unwrap() {
            failures.push(failure);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} answers lost their own headers, e.g.:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn a_post_to_an_unknown_address_gets_the_translated_404_page() {
    let db = database().await;
    let app = portal_with_site_root(&db, &site_root());
    let response = send(&app, form_post("/no/such/form?lang=en", "a=b")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(header_of(&response, header::CONTENT_SECURITY_POLICY).contains("'nonce-"));
    assert!(body_text(response).await.contains("Page not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_other_routers_are_built() {
    let db = database().await;
    let app = portal(&db, false);
    // Another portal being built in the same process (as every test does) lists the app's
    // routes; leptos switches resource loading off process-wide while it does.
    let builder = {
        let db = db.clone();
        std::thread::spawn(move || {
            for _ in 0..40 {
                drop(portal(&db, false));
            }
        })
    };
    for _ in 0..40 {
        let response = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            app.clone().oneshot(get("/agreement")),
        )
        .await
        .expect("the page renders within 10 seconds")
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    builder.join().unwrap();
}
