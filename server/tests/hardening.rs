//! The attacks of the trustworthy-core review, over HTTP: each was possible before, each is
//! refused now. (The report's takeover is in `cabinet.rs`, the rendering race in
//! `concurrency.rs`, timeouts and request ids in `robustness.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::{Router, body::Body};
use domain::entities::{form_draft, inbox_message, second_factor, session};
use http::{Response, StatusCode, header};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use support::*;

fn sign_in_form(identifier: &str, password: &str) -> String {
    format!("identifier={identifier}&password={password}")
}

const RIGHT: &str = "Too-Ata+jailoo+2026";

async fn fetch_sign_in(app: &Router, identifier: &str, password: &str) -> Response<Body> {
    send(
        app,
        fetch_post("/api/account/sign-in", &sign_in_form(identifier, password)),
    )
    .await
}

#[tokio::test]
async fn every_spelling_of_a_pin_counts_against_the_one_account() {
    let db = database().await;
    let app = portal(&db, false);
    register_form(&app, REGISTRATION).await;
    for spelling in [
        "21503199000123",
        "2-1503199000123",
        "215031+99000123",
        "2150-3199000123",
        "bakyt%40mail.kg",
    ] {
        let refused = fetch_sign_in(&app, spelling, "wrong+guess").await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{spelling}"
        );
    }
    let sixth = fetch_sign_in(&app, "21503-199000-123", RIGHT).await;
    assert_eq!(
        sixth.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right password through yet another spelling waits too"
    );
    assert!(session_cookie(&sixth).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_cannot_pass_the_failure_limit_together() {
    let db = database().await;
    let app = portal(&db, false);
    register_form(&app, REGISTRATION).await;
    for _ in 0..4 {
        let refused = fetch_sign_in(&app, "21503199000123", "wrong+guess").await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let guesses: Vec<_> = (0..10)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                fetch_sign_in(&app, "21503199000123", &format!("guess+{i}"))
                    .await
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let tested = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let waiting = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((tested, waiting), (1, 9), "{statuses:?}");
}

#[tokio::test]
async fn after_sign_in_nothing_leads_off_the_site() {
    let db = database().await;
    let app = portal(&db, false);
    register_form(&app, REGISTRATION).await;
    for hostile in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%01",
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "https%3A%2F%2Fevil.example",
        "%09%2F%2Fevil.example",
    ] {
        let form = format!("{}&next={hostile}", sign_in_form("21503199000123", RIGHT));
        let plain = send(&app, form_post("/api/account/sign-in", &form)).await;
        assert_eq!(plain.status(), StatusCode::FOUND, "{hostile}");
        assert_eq!(header_of(&plain, header::LOCATION), "/cabinet", "{hostile}");
        let script = send(&app, fetch_post("/api/account/sign-in", &form)).await;
        assert_eq!(script.status(), StatusCode::OK, "{hostile}");
        assert_eq!(
            header_of(&script, header::LOCATION),
            "/cabinet",
            "{hostile}"
        );
    }
    let form = format!(
        "{}&next=%2Fcabinet%2Fhistory%3Fgroup%3Ddocuments",
        sign_in_form("21503199000123", RIGHT)
    );
    let kept = send(&app, form_post("/api/account/sign-in", &form)).await;
    assert_eq!(
        header_of(&kept, header::LOCATION),
        "/cabinet/history?group=documents"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_sign_ins_is_answered_503_with_retry_after_not_queued() {
    let db = database().await;
    let mut state = state(&db);
    state.context.hasher =
        domain::password::PasswordHasher::with_limits(1, std::time::Duration::from_millis(5))
            .unwrap();
    state.context.throttle =
        domain::throttle::Throttle::new(domain::secret::ServerSecret::random(), 1_000_000);
    let app = server::router(state);
    let flood: Vec<_> = (0..16)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                fetch_sign_in(&app, &format!("1100219801{i:04}"), "any+password").await
            })
        })
        .collect();
    let mut busy = 0;
    for attempt in flood {
        let response = attempt.await.unwrap();
        match response.status() {
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert!(!header_of(&response, header::RETRY_AFTER).is_empty());
                assert!(body_text(response).await.contains("Busy"));
            }
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(busy > 0, "one core cannot hash 16 passwords within 5 ms");
}

/// What an observer of a response can compare: status, Location, the cookies' names, body.
async fn observable(response: Response<Body>) -> (StatusCode, String, Vec<String>, String) {
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split('=').next().unwrap().to_owned())
        .collect();
    (
        response.status(),
        header_of(&response, header::LOCATION).to_owned(),
        cookies,
        body_text(response).await,
    )
}

#[tokio::test]
async fn registering_someone_elses_pin_or_email_looks_like_registering_a_new_one() {
    let db = database().await;
    let app = portal(&db, false);
    let new = observable(send(&app, form_post("/api/account/register", REGISTRATION)).await).await;
    let same_pin = REGISTRATION.replace("bakyt%40mail.kg", "someone%40mail.kg");
    let taken_pin =
        observable(send(&app, form_post("/api/account/register", &same_pin)).await).await;
    let same_email = REGISTRATION.replace("21503199000123", "11002198012345");
    let taken_email =
        observable(send(&app, form_post("/api/account/register", &same_email)).await).await;
    assert_eq!(new, taken_pin);
    assert_eq!(new, taken_email);
    let script_new = observable(
        send(
            &app,
            fetch_post(
                "/api/account/register",
                &REGISTRATION
                    .replace("21503199000123", "21212200000123")
                    .replace("bakyt%40mail.kg", "new%40mail.kg"),
            ),
        )
        .await,
    )
    .await;
    let script_taken =
        observable(send(&app, fetch_post("/api/account/register", REGISTRATION)).await).await;
    assert_eq!(
        (script_new.0, &script_new.1, &script_new.2),
        (script_taken.0, &script_taken.1, &script_taken.2)
    );
    // The real owner hears of each try.
    assert_eq!(
        inbox_message::Entity::find().count(&db).await.unwrap(),
        3,
        "two tries of the PIN (plain and script), one of the email"
    );
}

#[tokio::test]
async fn drafts_keep_bounded_text_and_only_so_many_an_address() {
    let db = database().await;
    let mut state = state(&db);
    state.context.throttle =
        domain::throttle::Throttle::new(domain::secret::ServerSecret::random(), 5);
    let app = server::router(state);
    // A 250 KB "identifier", posted without JavaScript.
    let huge = "2".repeat(250_000);
    let refused = send(
        &app,
        form_post("/api/account/sign-in", &sign_in_form(&huge, "x")),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let kept = form_draft::Entity::find().one(&db).await.unwrap().unwrap();
    assert!(
        kept.payload.len() < domain::form_draft::MAX_FIELD_CHARS + 1_000,
        "{} bytes kept",
        kept.payload.len()
    );
    // Failed forms of two kinds, five of each: the drafts' own allowance is five a minute.
    for i in 0..4 {
        send(
            &app,
            form_post("/api/account/sign-in", &sign_in_form(&format!("x{i}"), "x")),
        )
        .await;
    }
    for _ in 0..5 {
        send(
            &app,
            form_post("/api/feedback/submit", "topic=question&message=short"),
        )
        .await;
    }
    assert_eq!(form_draft::Entity::find().count(&db).await.unwrap(), 5);
}

#[tokio::test]
async fn over_https_every_cookie_is_host_bound_and_secure() {
    let db = database().await;
    let app = portal_with(&db, false, true);
    let mut seen = Vec::new();
    let mut collect = |response: &Response<Body>| {
        for value in response.headers().get_all(header::SET_COOKIE) {
            seen.push(value.to_str().unwrap().to_owned());
        }
    };
    collect(&send(&app, get("/?lang=en")).await);
    register_form(&app, REGISTRATION).await;
    collect(
        &send(
            &app,
            form_post("/api/account/sign-in", &sign_in_form("x", "y")),
        )
        .await,
    );
    let signed_in = send(
        &app,
        form_post(
            "/api/account/sign-in",
            &sign_in_form("21503199000123", RIGHT),
        ),
    )
    .await;
    collect(&signed_in);
    let session = cookie(&signed_in, "__Host-portal_session").unwrap().0;
    let account = domain::entities::account::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let recovery = two_step_on(&db, account.id).await;
    collect(
        &send(
            &app,
            form_post(
                "/api/account/sign-in",
                &sign_in_form("21503199000123", RIGHT),
            ),
        )
        .await,
    );
    let deleted = send(
        &app,
        with_cookie(
            form_post(
                "/api/cabinet/delete",
                &format!("password={RIGHT}&code={}&confirm=true", recovery[0]),
            ),
            &session,
        ),
    )
    .await;
    assert_eq!(header_of(&deleted, header::LOCATION), "/account/deleted");
    collect(&deleted);
    let names: std::collections::BTreeSet<String> = seen
        .iter()
        .map(|c| c.split('=').next().unwrap().to_owned())
        .collect();
    for expected in [
        "__Host-portal_lang",
        "__Host-portal_draft",
        "__Host-portal_session",
        "__Host-portal_challenge",
        "__Host-portal_receipt",
    ] {
        assert!(names.contains(expected), "{expected} in {names:?}");
    }
    for cookie in &seen {
        assert!(cookie.starts_with("__Host-"), "{cookie}");
        assert!(
            cookie.contains("Secure") && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(!cookie.contains("Domain"), "{cookie}");
    }
}

#[tokio::test]
async fn the_agreement_gate_stays_shut_when_it_cannot_be_checked() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    // The agreement's table becomes unreadable; sessions still are.
    db.execute_unprepared("ALTER TABLE agreement_version RENAME TO agreement_version_away")
        .await
        .unwrap();
    let page = send(&app, with_cookie(get("/cabinet?lang=en"), &session)).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(!header_of(&page, header::RETRY_AFTER).is_empty());
    let call = send(
        &app,
        with_cookie(fetch_post("/api/cabinet/overview", ""), &session),
    )
    .await;
    assert_eq!(call.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn password_guesses_from_a_session_end_it() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    let guess = || async {
        send(
            &app,
            with_cookie(
                fetch_post(
                    "/api/security/change-password",
                    "current_password=guess&new_password=Mine+now+2026",
                ),
                &session,
            ),
        )
        .await
    };
    for _ in 0..4 {
        assert_eq!(guess().await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let fifth = guess().await;
    assert_eq!(fifth.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_of(&fifth, header::LOCATION),
        "/login?next=/cabinet/security"
    );
    let row = session::Entity::find().one(&db).await.unwrap().unwrap();
    assert_eq!(
        row.revoked_reason.as_deref(),
        Some("reauthentication_failed")
    );
    let page = send(&app, with_cookie(get("/cabinet"), &session)).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn looking_at_pages_changes_nothing() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    for page in [
        "/cabinet/security/two-factor",
        "/services/residence-certificate",
        "/cabinet/export",
    ] {
        let response = send(&app, with_cookie(get(page), &session)).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
    }
    assert_eq!(
        second_factor::Entity::find().count(&db).await.unwrap(),
        0,
        "no secret drawn by a page view"
    );
    let services = domain::services::links(&db, 1).await.unwrap();
    assert!(
        services
            .iter()
            .all(|l| l.service_code != "residence-certificate"),
        "no use recorded by a page view"
    );
    let history = domain::history::page(&db, 1, None, 1, 100).await.unwrap();
    assert!(
        history.events.iter().all(|e| e.kind != "data_exported"),
        "no export by a page view"
    );
}

#[tokio::test]
async fn a_macro_enabled_document_is_refused_whatever_its_name() {
    use std::io::Write;

    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in [
        (
            "[Content_Types].xml",
            r#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>"#,
        ),
        ("word/document.xml", "<w:document/>"),
        ("word/vbaProject.bin", "Sub AutoOpen()"),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    let docm = zip.finish().unwrap().into_inner();
    let uploaded = send(
        &app,
        with_cookie(upload_post("document", "invoice.docx", &docm), &session),
    )
    .await;
    assert_eq!(
        header_of(&uploaded, header::LOCATION),
        "/cabinet/documents?problem=type"
    );
    assert_eq!(
        domain::entities::document::Entity::find()
            .count(&db)
            .await
            .unwrap(),
        0
    );
}
