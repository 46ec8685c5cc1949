//! What a misbehaving client cannot do: put its own request id into the logs, or hold a
//! connection open by sending slowly. (A panicking handler: `panic_logging.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use http::HeaderName;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[tokio::test]
async fn a_request_id_sent_by_the_client_is_replaced_by_the_servers_own() {
    let db = database().await;
    let app = portal(&db, false);
    let mut request = get("/healthz");
    request
        .headers_mut()
        .insert(REQUEST_ID, "forged\tid".parse().unwrap());
    let response = send(&app, request).await;
    let id = header_of(&response, REQUEST_ID);
    assert_ne!(id, "forged\tid");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "a server uuid: {id}");
}

/// The portal on a real socket with one-second read timeouts.
async fn listening() -> std::net::SocketAddr {
    let db = database().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let timeouts = server::listener::Timeouts {
        header_read: Duration::from_secs(1),
        body_read: Duration::from_secs(1),
    };
    let mut state = state(&db);
    state.timeouts = timeouts;
    let app = server::router(state);
    tokio::spawn(server::listener::serve(
        listener,
        app,
        timeouts,
        std::future::pending(),
    ));
    address
}

/// Everything the server sends until it closes the connection (at most 10 seconds).
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection within 10 seconds")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let address = listening().await;
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: portal\r\nX-Slow: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let answer = read_until_closed(&mut stream).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn a_body_that_stops_arriving_fails_its_request() {
    let address = listening().await;
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            b"POST /api/feedback/submit HTTP/1.1\r\nHost: portal\r\nAccept: application/json\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\
              Connection: close\r\n\r\ntopic=question&message=",
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let answer = read_until_closed(&mut stream).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let status = answer.lines().next().unwrap_or_default();
    // An unreadable request, as the server function reports it (or the timeout's own 408).
    assert!(
        status.contains(" 400 ") || status.contains(" 408 "),
        "{answer}"
    );
}
