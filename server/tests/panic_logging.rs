//! A bug in a handler never drops a connection and is never silent: the panic is answered
//! 500 and logged with the request's id.
//!
//! Alone in its test binary: it installs a log subscriber for its own thread, and tracing
//! caches which callsites are enabled process-wide; another test's thread registering the
//! request span first (with no subscriber) could leave it disabled here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use axum::{Router, routing};
use http::{HeaderName, StatusCode};
use support::*;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Log lines written while a test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_panicking_handler_is_answered_500_and_logged_with_the_request_id() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    server::panics::install_panic_hook();

    let db = database().await;
    let routes = Router::new().route(
        "/boom",
        routing::get(|| async {
            panic!("a bug in a handler");
            #[allow(unreachable_code)]
            ""
        }),
    );
    let app = server::router::with_middleware(routes, state(&db));
    let response = send(&app, get("/boom")).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = header_of(&response, REQUEST_ID).to_owned();
    assert!(!id.is_empty());
    assert!(body_text(response).await.contains("lang=\"ru\""));
    let logged = logs.text();
    let line = logged
        .lines()
        .find(|line| line.contains("a bug in a handler"))
        .unwrap_or_else(|| panic!("the panic is logged: {logged}"));
    assert!(line.contains(&id), "with the request id {id}: {line}");
}
