//! Two-step verification and the idle timer over HTTP: the password alone opens no session
//! when the second factor is on; the code does, once; asking the time left is not activity.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::Router;
use chrono::Utc;
use domain::{entities::session, second_factor::current_code};
use http::{StatusCode, header};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use support::*;

const SIGN_IN: &str =
    "identifier=21503199000123&password=Too-Ata+jailoo+2026&next=%2Fcabinet%2Fsecurity";

async fn json(app: &Router, uri: &str, form: &str, session: &str) -> serde_json::Value {
    let response = send(app, with_cookie(fetch_post(uri, form), session)).await;
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    serde_json::from_str(&body_text(response).await).unwrap()
}

/// Registers, turns two-step verification on, and returns the secret.
async fn enrolled(app: &Router) -> String {
    let session = register(app).await;
    // Looking at the page draws no secret; asking for one does (a POST).
    let page = json(app, "/api/security/two-factor", "", &session).await;
    assert_eq!(page, serde_json::json!("Off"));
    let started = send(
        app,
        with_cookie(fetch_post("/api/security/two-factor/start", ""), &session),
    )
    .await;
    assert_eq!(started.status(), StatusCode::OK);
    let page = json(app, "/api/security/two-factor", "", &session).await;
    let secret = page["Enrol"]["secret"].as_str().unwrap().to_owned();
    assert!(
        page["Enrol"]["qr"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
    let refused = send(
        app,
        with_cookie(
            fetch_post("/api/security/two-factor/confirm", "code=12"),
            &session,
        ),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = current_code(&secret, Utc::now()).unwrap();
    // A session alone (the right code from a secret it was shown) cannot turn it on.
    for password in ["", "password=not+the+password&"] {
        let without = send(
            app,
            with_cookie(
                fetch_post(
                    "/api/security/two-factor/confirm",
                    &format!("{password}code={code}"),
                ),
                &session,
            ),
        )
        .await;
        assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let codes = json(
        app,
        "/api/security/two-factor/confirm",
        &format!("password={PASSWORD}&code={code}"),
        &session,
    )
    .await;
    assert_eq!(codes.as_array().unwrap().len(), 10, "ten recovery codes");
    secret
}

#[tokio::test]
async fn with_two_factor_on_the_password_alone_opens_no_session() {
    let db = database().await;
    let app = portal(&db, false);
    let secret = enrolled(&app).await;

    let password_step = send(&app, form_post("/api/account/sign-in", SIGN_IN)).await;
    assert_eq!(password_step.status(), StatusCode::FOUND);
    assert_eq!(
        header_of(&password_step, header::LOCATION),
        "/login/code?next=/cabinet/security"
    );
    assert!(cookie(&password_step, "portal_session").is_none());
    let (challenge, full) = cookie(&password_step, "portal_challenge").unwrap();
    assert!(full.contains("HttpOnly") && full.contains("SameSite=Lax"));

    let page = send(&app, with_cookie(get("/login/code?lang=en"), &challenge)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(body_text(page).await.contains("Enter your code"));

    let wrong = send(
        &app,
        with_cookie(
            fetch_post("/api/account/sign-in-code", "code=000000x&next=%2Fcabinet"),
            &challenge,
        ),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cookie(&wrong, "portal_session").is_none());

    // The code of enrolment was spent; the app's next code (one step of drift is allowed).
    let code = current_code(&secret, Utc::now() + chrono::Duration::seconds(30)).unwrap();
    let right = send(
        &app,
        with_cookie(
            form_post(
                "/api/account/sign-in-code",
                &format!("code={code}&next=%2Fcabinet%2Fsecurity"),
            ),
            &challenge,
        ),
    )
    .await;
    assert_eq!(right.status(), StatusCode::FOUND);
    assert_eq!(header_of(&right, header::LOCATION), "/cabinet/security");
    let (session, _) = cookie(&right, "portal_session").expect("the code opens the session");
    assert!(
        cookie(&right, "portal_challenge")
            .unwrap()
            .1
            .contains("Max-Age=0")
    );
    let security = send(
        &app,
        with_cookie(get("/cabinet/security?lang=en"), &session),
    )
    .await;
    assert_eq!(security.status(), StatusCode::OK);
    assert!(
        body_text(security)
            .await
            .contains("Two-step verification is on.")
    );

    // The challenge is spent: replaying it goes back to the password.
    let replay = send(
        &app,
        with_cookie(
            form_post(
                "/api/account/sign-in-code",
                &format!("code={code}&next=%2Fcabinet"),
            ),
            &challenge,
        ),
    )
    .await;
    assert_eq!(
        header_of(&replay, header::LOCATION),
        "/login?next=/cabinet&code_expired=1"
    );
    let page = send(&app, with_cookie(get("/login/code"), &challenge)).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn asking_the_time_left_does_not_keep_the_session_alive() {
    let db = database().await;
    let app = portal(&db, false);
    let session_cookie = register(&app).await;
    // Pretend the last activity was ten minutes ago.
    let row = session::Entity::find().one(&db).await.unwrap().unwrap();
    let ten_minutes_ago = Utc::now() - chrono::Duration::minutes(10);
    let mut active: session::ActiveModel = row.clone().into();
    active.last_seen_at = Set(ten_minutes_ago);
    active.update(&db).await.unwrap();

    let left = json(&app, "/api/session/time-left", "", &session_cookie).await;
    let seconds = left["seconds"].as_i64().unwrap();
    assert!(
        (290..=300).contains(&seconds),
        "about 5 minutes left: {seconds}"
    );
    assert_eq!(left["warning_seconds"].as_i64(), Some(120));
    let row = session::Entity::find_by_id(row.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.last_seen_at, ten_minutes_ago, "a peek is not activity");

    let stayed = json(&app, "/api/session/stay", "", &session_cookie).await;
    assert!(stayed["seconds"].as_i64().unwrap() >= 899, "{stayed}");
    let row = session::Entity::find_by_id(row.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.last_seen_at > ten_minutes_ago, "staying is activity");
}
