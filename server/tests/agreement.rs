//! The agreement over HTTP: public pages, the re-acceptance gate on pages, plain form posts
//! and JavaScript calls, accepting with evidence, and declining.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::Router;
use domain::{
    DatabaseConnection,
    agreement::{self, LANGUAGES, Publication},
};
use http::{StatusCode, header};
use support::*;

/// Publishes version 2, in force at once: version 1 with one clause changed and one added.
async fn publish_v2(db: &DatabaseConnection) {
    let mut texts = std::collections::BTreeMap::new();
    let mut summaries = std::collections::BTreeMap::new();
    for language in LANGUAGES {
        let v1 = agreement::text_of(db, 1, language).await.unwrap().unwrap();
        let body = v1.body.replacen("6.1. ", "6.1. Changed in version 2. ", 1)
            + "7.2. A clause added in version 2.\n";
        texts.insert(language.to_owned(), body);
        summaries.insert(language.to_owned(), format!("Summary of v2 ({language})"));
    }
    let today = agreement::today_in_bishkek(chrono::Utc::now());
    let publication = Publication {
        version: 2,
        effective: today,
        texts,
        summaries,
    };
    agreement::publish(db, &publication, chrono::Utc::now())
        .await
        .unwrap();
}

async fn page(app: &Router, uri: &str, session: Option<&str>) -> (StatusCode, String, String) {
    let request = match session {
        Some(session) => with_cookie(get(uri), session),
        None => get(uri),
    };
    let response = send(app, request).await;
    let status = response.status();
    let location = header_of(&response, header::LOCATION).to_owned();
    (status, location, body_text(response).await)
}

#[tokio::test]
async fn the_agreement_its_history_and_diffs_are_public() {
    let db = database().await;
    let app = portal(&db, false);
    let en = agreement::text_of(&db, 1, "en").await.unwrap().unwrap();

    let (status, _, body) = page(&app, "/agreement?lang=en", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&en.title));
    assert!(body.contains(&en.sha256), "the hash is shown");
    assert!(
        body.contains("id=\"clause-2.4\""),
        "clauses are addressable"
    );
    assert!(body.contains("has no legal force"), "marked as a demo text");

    let (_, _, russian) = page(&app, "/agreement?lang=en&text=ru", None).await;
    let ru = agreement::text_of(&db, 1, "ru").await.unwrap().unwrap();
    assert!(russian.contains("lang=\"ru\"") && russian.contains(&ru.title));

    publish_v2(&db).await;
    let (status, _, history) = page(&app, "/agreement/versions?lang=en", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(history.contains("Summary of v2 (en)"));
    assert!(history.contains("href=\"/agreement/versions/1\""));
    assert!(
        history.contains("action=\"/agreement/diff\""),
        "a GET form compares"
    );

    let (_, _, old) = page(&app, "/agreement/versions/1?lang=en", None).await;
    assert!(old.contains(&en.sha256));
    let (status, _, diff) = page(&app, "/agreement/diff?from=1&to=2&lang=en", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(diff.contains("data-testid=\"diff-clause-6.1\""));
    assert!(diff.contains("data-testid=\"diff-clause-7.2\""));
    assert!(diff.contains("<ins>") && diff.contains("Changed in version 2."));
    assert!(
        !diff.contains("diff-clause-1.1"),
        "unchanged clauses are not repeated"
    );

    for missing in [
        "/agreement/versions/9",
        "/agreement/versions/x",
        "/agreement/diff?from=1&to=9",
        "/agreement/diff",
    ] {
        let (status, _, _) = page(&app, missing, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn from_the_effective_date_everything_but_the_agreement_waits_for_an_answer() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    let (status, _, _) = page(&app, "/cabinet", Some(&session)).await;
    assert_eq!(status, StatusCode::OK, "no gate while v1 is accepted");

    publish_v2(&db).await;
    for (uri, next) in [
        ("/cabinet", "/cabinet"),
        ("/cabinet/security", "/cabinet/security"),
        ("/cabinet/consents", "/cabinet/consents"),
        ("/", "/"),
    ] {
        let (status, location, _) = page(&app, uri, Some(&session)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(location, format!("/cabinet/agreement-update?next={next}"));
    }
    let call = send(
        &app,
        with_cookie(fetch_post("/api/cabinet/overview", ""), &session),
    )
    .await;
    assert_eq!(call.status(), StatusCode::FORBIDDEN);
    assert!(body_text(call).await.contains("AgreementPending"));
    let plain = send(
        &app,
        with_cookie(form_post("/api/security/end-other-sessions", ""), &session),
    )
    .await;
    assert_eq!(plain.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        header_of(&plain, header::LOCATION),
        "/cabinet/agreement-update"
    );
    for open in ["/agreement", "/agreement/versions", "/healthz"] {
        let (status, _, _) = page(&app, open, Some(&session)).await;
        assert_eq!(status, StatusCode::OK, "{open}");
    }

    // The page: summary, changes since v1, the text, an unticked box, what was shown.
    let (status, _, body) = page(
        &app,
        "/cabinet/agreement-update?lang=en&next=/cabinet/security",
        Some(&session),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v2 = agreement::text_of(&db, 2, "en").await.unwrap().unwrap();
    assert!(body.contains("Summary of v2 (en)"));
    assert!(body.contains("diff-clause-7.2"));
    assert!(body.contains(&format!("value=\"{}\"", v2.sha256)));
    assert!(body.contains("name=\"accepts\""));
    assert!(!body.contains("checked"), "the box starts unticked");

    let shown = format!("version=2&language=en&sha256={}", v2.sha256);
    let unticked = send(
        &app,
        with_cookie(fetch_post("/api/agreement/accept", &shown), &session),
    )
    .await;
    assert_eq!(unticked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(unticked).await.contains("AgreementNotAccepted"));
    let other_text = format!(
        "version=2&language=en&sha256={}&accepts=true",
        "0".repeat(64)
    );
    let tampered = send(
        &app,
        with_cookie(fetch_post("/api/agreement/accept", &other_text), &session),
    )
    .await;
    assert_eq!(tampered.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let garbage = send(
        &app,
        with_cookie(
            fetch_post("/api/agreement/accept", "version=two&language=xx"),
            &session,
        ),
    )
    .await;
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);

    let accepted = send(
        &app,
        with_cookie(
            form_post(
                "/api/agreement/accept",
                &format!("{shown}&accepts=true&next=%2Fcabinet%2Fsecurity"),
            ),
            &session,
        ),
    )
    .await;
    assert!(accepted.status().is_redirection());
    assert_eq!(header_of(&accepted, header::LOCATION), "/cabinet/security");
    let (status, _, _) = page(&app, "/cabinet", Some(&session)).await;
    assert_eq!(status, StatusCode::OK, "the gate opened");

    let account = domain::accounts::find_account(&db, 1)
        .await
        .unwrap()
        .unwrap();
    let records = agreement::records_of(&db, account.id).await.unwrap();
    let latest = &records[0];
    assert_eq!(latest.kind, "agreement_accepted");
    assert_eq!(latest.agreement_version, 2);
    assert_eq!(latest.language, "en");
    assert_eq!(latest.text_sha256, v2.sha256);
    assert_eq!(
        latest.wording, "I accept the User Agreement (version 2)",
        "the wording as shown, in the language shown"
    );
    let (_, _, consents) = page(&app, "/cabinet/consents?lang=en", Some(&session)).await;
    assert_eq!(
        consents.matches("data-testid=\"consent-record\"").count(),
        3
    );
    assert!(consents.contains("href=\"/agreement/versions/2?text=en\""));
}

#[tokio::test]
async fn declining_to_delete_leads_to_the_deletion_page_and_deletes_nothing_by_itself() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    publish_v2(&db).await;
    let v2 = agreement::text_of(&db, 2, "ru").await.unwrap().unwrap();
    let form = format!("version=2&language=ru&sha256={}&then=delete", v2.sha256);
    let declined = send(
        &app,
        with_cookie(form_post("/api/agreement/decline", &form), &session),
    )
    .await;
    assert!(declined.status().is_redirection());
    assert_eq!(
        header_of(&declined, header::LOCATION),
        "/cabinet/delete?declined=1"
    );
    assert!(session_cookie(&declined).is_none(), "still signed in");
    // The deletion page is open, nothing is deleted, and the rest waits for an answer.
    let (status, _, deletion) = page(&app, "/cabinet/delete?declined=1", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(deletion.contains("data-testid=\"deletion-declined\""));
    let (status, location, _) = page(&app, "/cabinet", Some(&session)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/cabinet/agreement-update"),
        "{location}"
    );

    let account = domain::accounts::find_account(&db, 1)
        .await
        .unwrap()
        .unwrap();
    let records = agreement::records_of(&db, account.id).await.unwrap();
    assert_eq!(records[0].kind, "agreement_declined");
    assert_eq!(records[0].wording, "Отклонить и удалить мою учётную запись");

    // Signing in again leads back to the question.
    let again = send(
        &app,
        form_post(
            "/api/account/sign-in",
            "identifier=21503199000123&password=Too-Ata+jailoo+2026",
        ),
    )
    .await;
    let (fresh, _) = session_cookie(&again).unwrap();
    let (status, location, _) = page(&app, "/cabinet", Some(&fresh)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/cabinet/agreement-update"));
}

#[tokio::test]
async fn declining_to_export_keeps_the_session_for_the_export_only() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    publish_v2(&db).await;
    let v2 = agreement::text_of(&db, 2, "ru").await.unwrap().unwrap();
    let form = format!("version=2&language=ru&sha256={}&then=export", v2.sha256);
    let declined = send(
        &app,
        with_cookie(form_post("/api/agreement/decline", &form), &session),
    )
    .await;
    assert_eq!(
        header_of(&declined, header::LOCATION),
        "/cabinet/export?declined=1"
    );
    let (status, _, body) = page(&app, "/cabinet/export?declined=1&lang=en", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Your decline is recorded"));
    let download = send(
        &app,
        with_cookie(post("/cabinet/export/download"), &session),
    )
    .await;
    assert_eq!(download.status(), StatusCode::OK);
    // The rest of the cabinet stays behind the gate.
    let (status, location, _) = page(&app, "/cabinet/documents", Some(&session)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/cabinet/agreement-update"));
}

/// The nonce of a page's Content-Security-Policy.
fn nonce_of(response: &http::Response<axum::body::Body>) -> String {
    let policy = header_of(response, header::CONTENT_SECURITY_POLICY);
    let (_, rest) = policy.split_once("'nonce-").expect("a nonce in the policy");
    rest.split_once('\'').unwrap().0.to_owned()
}

/// The public page is rendered once per version and language and kept (issue 13). A kept
/// page still gets a nonce of its own per response, in the policy and in every script; the
/// languages are not mixed up; and a newly published version is shown from the first request after it comes into force.
#[tokio::test]
async fn the_kept_agreement_page_has_fresh_nonces_and_follows_publication() {
    let db = database().await;
    let app = portal(&db, false);
    let en = agreement::text_of(&db, 1, "en").await.unwrap().unwrap();
    let ru = agreement::text_of(&db, 1, "ru").await.unwrap().unwrap();

    let mut pages = Vec::new();
    for _ in 0..3 {
        let response = send(&app, get_in("/agreement", "en")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let nonce = nonce_of(&response);
        pages.push((nonce, body_text(response).await));
    }
    let (first_nonce, first) = &pages[0];
    assert!(first.contains(&en.title));
    for (nonce, page) in &pages[1..] {
        assert_ne!(nonce, first_nonce, "every response has its own nonce");
        assert!(
            page.contains(&format!("nonce=\"{nonce}\"")),
            "the scripts carry the response's nonce"
        );
        assert!(
            !page.contains(first_nonce.as_str()),
            "no earlier nonce is left"
        );
        assert_eq!(
            page.replace(nonce.as_str(), "NONCE"),
            first.replace(first_nonce.as_str(), "NONCE"),
            "the same page otherwise"
        );
    }

    let russian = body_text(send(&app, get_in("/agreement", "ru")).await).await;
    assert!(russian.contains(&ru.title) && !russian.contains(&en.title));
    let text_in_russian = {
        let mut request = get_in("/agreement", "en");
        *request.uri_mut() = "/agreement?text=ru".parse().unwrap();
        body_text(send(&app, request).await).await
    };
    assert!(text_in_russian.contains(&ru.title));

    publish_v2(&db).await;
    let after = body_text(send(&app, get_in("/agreement", "en")).await).await;
    assert!(
        after.contains("Changed in version 2."),
        "the version in force from its first moment"
    );
    let english_v2 = agreement::text_of(&db, 2, "en").await.unwrap().unwrap();
    assert!(after.contains(&english_v2.sha256) && !after.contains(&en.sha256));
}
