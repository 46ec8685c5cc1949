//! The server over HTTP, in-process: the real router on an in-memory SQLite database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::body::Body;
use domain::{DatabaseConnection, entities::feedback};
use http::{Request, StatusCode, header};
use sea_orm::{EntityTrait, PaginatorTrait};
use support::*;

async fn stored_feedback(db: &DatabaseConnection) -> u64 {
    feedback::Entity::find().count(db).await.unwrap()
}

const VALID: &str = "topic=question&message=How+do+I+get+a+certificate%3F&reply_email=me%40mail.kg";

#[tokio::test]
async fn healthz_answers_without_the_database_and_readyz_follows_it() {
    let db = database().await;
    let app = portal(&db, false);
    let health = send(&app, get("/healthz")).await;
    assert_eq!(health.status(), StatusCode::OK);
    assert!(!header_of(&health, http::HeaderName::from_static("x-request-id")).is_empty());
    assert_eq!(send(&app, get("/readyz")).await.status(), StatusCode::OK);

    db.clone().close().await.unwrap();
    assert_eq!(send(&app, get("/healthz")).await.status(), StatusCode::OK);
    let ready = send(&app, get("/readyz")).await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn valid_feedback_from_javascript_is_stored_and_redirects_to_its_receipt() {
    let db = database().await;
    let app = portal(&db, false);
    let response = send(&app, fetch_post("/api/feedback/submit", VALID)).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    let location = header_of(&response, header::LOCATION);
    assert!(
        location.starts_with("/feedback/sent/FB-"),
        "location was {location:?}"
    );
    assert_eq!(stored_feedback(&db).await, 1);

    let receipt = send(&app, get(&format!("{location}?lang=en"))).await;
    assert_eq!(receipt.status(), StatusCode::OK);
    let page = body_text(receipt).await;
    assert!(page.contains(location.trim_start_matches("/feedback/sent/")));
    assert!(page.contains("What happens next"));
}

#[tokio::test]
async fn valid_feedback_without_javascript_redirects_to_the_receipt_page() {
    let db = database().await;
    let app = portal(&db, false);
    let response = send(&app, form_post("/api/feedback/submit", VALID)).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(header_of(&response, header::LOCATION).starts_with("/feedback/sent/FB-"));
    assert_eq!(stored_feedback(&db).await, 1);
}

#[tokio::test]
async fn invalid_feedback_from_javascript_is_refused_with_422_and_every_field_error() {
    let db = database().await;
    let app = portal(&db, false);
    let response = send(
        &app,
        fetch_post(
            "/api/feedback/submit",
            "topic=&message=short&reply_email=x%40",
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: app::error::AppError = serde_json::from_str(&body_text(response).await).unwrap();
    let fields: Vec<&str> = error
        .field_errors()
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(fields, ["topic", "message", "reply_email"]);
    assert_eq!(stored_feedback(&db).await, 0);
}

#[tokio::test]
async fn invalid_feedback_without_javascript_returns_to_the_form_with_errors_and_the_draft() {
    let db = database().await;
    let app = portal(&db, false);
    let response = send(
        &app,
        form_post(
            "/api/feedback/submit",
            "topic=problem&message=short&reply_email=mine%40mail.kg",
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = header_of(&response, header::LOCATION).to_owned();
    assert!(
        location.contains("/feedback?") && location.contains("__err="),
        "{location}"
    );
    let draft_cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("portal_draft="))
        .expect("a draft cookie is set");
    assert!(draft_cookie.contains("HttpOnly"));
    assert_eq!(stored_feedback(&db).await, 0);

    // The browser follows the redirect: the form shows the error and what was typed.
    let path = location.trim_start_matches("http://127.0.0.1:3000");
    let cookie = draft_cookie.split(';').next().unwrap().to_owned();
    let page = send(
        &app,
        Request::get(format!("{path}&lang=en"))
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body_text(page).await;
    assert!(html.contains("Your message must be at least 10 characters"));
    assert!(html.contains("<title>Error: "), "the title says Error");
    assert!(
        html.contains("mine@mail.kg"),
        "the typed email is shown again"
    );
    assert!(
        html.contains(">short</textarea>"),
        "the typed message is shown again"
    );
}

#[tokio::test]
async fn malformed_arguments_are_a_bad_request_not_a_server_error() {
    let db = database().await;
    let app = portal(&db, false);
    let response = send(
        &app,
        fetch_post("/api/feedback/submit", "message[a][b]=%ZZ"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(stored_feedback(&db).await, 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_and_stores_nothing() {
    let db = database().await;
    let app = portal(&db, false);
    let huge = format!("topic=question&message={}", "a".repeat(400 * 1024));
    let response = send(&app, fetch_post("/api/feedback/submit", &huge)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: app::error::AppError = serde_json::from_str(&body_text(response).await).unwrap();
    assert_eq!(error, app::error::AppError::TooLarge);

    let mut plain = form_post("/api/feedback/submit", &huge);
    plain
        .headers_mut()
        .insert(header::ACCEPT_LANGUAGE, "ru".parse().unwrap());
    let response = send(&app, plain).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = body_text(response).await;
    assert!(page.contains("слишком велики"), "a translated page: {page}");
    assert!(
        page.contains("href=\"/feedback\""),
        "it links back to the form"
    );
    assert_eq!(stored_feedback(&db).await, 0);
}

#[tokio::test]
async fn a_message_over_5000_characters_is_a_field_error_not_a_413() {
    let db = database().await;
    let app = portal(&db, false);
    let long = "ө".repeat(5_001);
    let response = send(
        &app,
        fetch_post(
            "/api/feedback/submit",
            &format!("topic=other&message={long}"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stored_feedback(&db).await, 0);
}

#[tokio::test]
async fn language_comes_from_the_query_then_the_cookie_then_accept_language_then_kyrgyz() {
    let db = database().await;
    let app = portal(&db, false);

    let first = send(&app, get("/feedback")).await;
    assert!(
        body_text(first).await.contains("<html lang=\"ky\""),
        "Kyrgyz by default"
    );

    let english = send(
        &app,
        Request::get("/feedback")
            .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(header_of(&english, header::SET_COOKIE).starts_with("portal_lang=en"));
    assert!(body_text(english).await.contains("<html lang=\"en\""));

    let chosen = send(
        &app,
        Request::get("/feedback?lang=ru")
            .header(header::COOKIE, "portal_lang=en")
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(header_of(&chosen, header::SET_COOKIE).starts_with("portal_lang=ru;"));
    let html = body_text(chosen).await;
    assert!(html.contains("<html lang=\"ru\""));
    assert!(html.contains("Обращение к оператору"));

    let remembered = send(
        &app,
        Request::get("/")
            .header(header::COOKIE, "portal_lang=ru")
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        remembered.headers().get(header::SET_COOKIE).is_none(),
        "nothing new to remember"
    );
    assert!(body_text(remembered).await.contains("<html lang=\"ru\""));
}

#[tokio::test]
async fn the_component_gallery_exists_only_in_development_mode() {
    let db = database().await;
    assert_eq!(
        send(&portal(&db, false), get("/dev/components"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let dev = send(&portal(&db, true), get("/dev/components?lang=en")).await;
    assert_eq!(dev.status(), StatusCode::OK);
    assert!(body_text(dev).await.contains("Component gallery"));
}

#[tokio::test]
async fn unknown_pages_and_references_are_404_in_the_readers_language() {
    let db = database().await;
    let app = portal(&db, false);
    let missing = send(&app, get("/no/such/page?lang=en")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(body_text(missing).await.contains("Page not found"));
    let reference = send(&app, get("/feedback/sent/FB-2026-999999?lang=en")).await;
    assert_eq!(reference.status(), StatusCode::NOT_FOUND);
    assert!(body_text(reference).await.contains("Reference not found"));
}

#[tokio::test]
async fn pages_carry_a_nonce_policy_that_covers_every_inline_script() {
    let db = database().await;
    let app = portal(&db, false);
    for path in ["/", "/feedback", "/no/such/page"] {
        let response = send(&app, get(path)).await;
        let policy = header_of(&response, header::CONTENT_SECURITY_POLICY).to_owned();
        assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("the policy names a nonce")
            .to_owned();
        let html = body_text(response).await;
        // Leptos leaves an empty `<script></script>` at the end of the body; with nothing
        // to run, the policy has nothing to allow.
        let scripts = html.matches("<script").count() - html.matches("<script></script>").count();
        assert!(scripts > 0);
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "every inline script of {path} carries this response's nonce"
        );
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let db = database().await;
    let app = portal(&db, false);
    for request in [
        get("/healthz"),
        get("/feedback"),
        fetch_post("/api/feedback/submit", VALID),
    ] {
        let response = send(&app, request).await;
        assert_eq!(
            header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        assert_eq!(header_of(&response, header::REFERRER_POLICY), "same-origin");
        assert_eq!(header_of(&response, header::X_FRAME_OPTIONS), "DENY");
        assert!(
            header_of(&response, header::CONTENT_SECURITY_POLICY)
                .contains("frame-ancestors 'none'")
        );
    }
}

#[tokio::test]
async fn cross_site_posts_are_refused_with_403_and_store_nothing() {
    let db = database().await;
    let app = portal(&db, false);
    let mut by_origin = form_post("/api/feedback/submit", VALID);
    by_origin
        .headers_mut()
        .insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
    by_origin
        .headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    assert_eq!(send(&app, by_origin).await.status(), StatusCode::FORBIDDEN);

    let mut by_fetch_site = fetch_post("/api/feedback/submit", VALID);
    by_fetch_site
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(
        send(&app, by_fetch_site).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(stored_feedback(&db).await, 0);

    let mut same_origin = form_post("/api/feedback/submit", VALID);
    same_origin
        .headers_mut()
        .insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
    same_origin
        .headers_mut()
        .insert(header::ORIGIN, "http://127.0.0.1:3000".parse().unwrap());
    same_origin
        .headers_mut()
        .insert("sec-fetch-site", "same-origin".parse().unwrap());
    assert_eq!(send(&app, same_origin).await.status(), StatusCode::FOUND);
    assert_eq!(stored_feedback(&db).await, 1);
}
