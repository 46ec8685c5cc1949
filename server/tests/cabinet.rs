//! The cabinet over HTTP without JavaScript: the dashboard, the inbox and its unread count,
//! the history with its filter, and reporting unauthorized access from one browser while
//! another is signed in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::Router;
use domain::entities::{account_event, inbox_message, incident};
use http::{StatusCode, header};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use support::*;

const PASSWORD: &str = "Too-Ata+jailoo+2026";

/// Signs in as the registered individual from a browser called `agent`.
async fn sign_in_as(app: &Router, password: &str, agent: &str) -> http::Response<axum::body::Body> {
    let form = format!("identifier=21503199000123&password={password}");
    let mut request = form_post("/api/account/sign-in", &form);
    request
        .headers_mut()
        .insert(header::USER_AGENT, agent.parse().unwrap());
    send(app, request).await
}

async fn page(app: &Router, uri: &str, session: &str) -> (StatusCode, String, String) {
    let response = send(app, with_cookie(get(uri), session)).await;
    let status = response.status();
    let location = header_of(&response, header::LOCATION).to_owned();
    (status, location, body_text(response).await)
}

#[tokio::test]
async fn the_inbox_counts_unread_messages_and_opening_one_reads_it() {
    let db = database().await;
    let app = portal(&db, false);
    register(&app).await;
    // A second device: a security notice.
    let phone = sign_in_as(
        &app,
        PASSWORD,
        "Mozilla/5.0 (Linux; Android 14) Chrome/140.0",
    )
    .await;
    let session = session_cookie(&phone).unwrap().0;

    let (status, _, body) = page(&app, "/cabinet?lang=en", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Unread messages: 1"), "dashboard");
    assert!(
        body.contains("data-testid=\"header-unread\" class=\"count\">1<"),
        "header count"
    );
    assert!(
        body.contains("Last sign-in:"),
        "the sign-in before this one"
    );

    let (_, _, inbox) = page(&app, "/cabinet/inbox?lang=en", &session).await;
    assert!(inbox.contains("Sign-in from a new device"));
    let message = inbox_message::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let (status, _, opened) = page(
        &app,
        &format!("/cabinet/inbox/{}?lang=en", message.id),
        &session,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(opened.contains("Android"), "{opened}");
    assert!(opened.contains("/cabinet/security/report"));
    let (_, _, after_view) = page(&app, "/cabinet?lang=en", &session).await;
    assert!(
        after_view.contains("Unread messages: 1"),
        "a page view (a GET) changes nothing"
    );
    // Opening it from the list is a form post: marked read, then shown.
    let open = send(
        &app,
        with_cookie(
            form_post("/api/cabinet/inbox/open", &format!("id={}", message.id)),
            &session,
        ),
    )
    .await;
    assert_eq!(open.status(), StatusCode::FOUND);
    assert_eq!(
        header_of(&open, header::LOCATION),
        format!("/cabinet/inbox/{}", message.id)
    );
    let (_, _, after) = page(&app, "/cabinet?lang=en", &session).await;
    assert!(after.contains("Unread messages: 0"));
    assert!(!after.contains("data-testid=\"header-unread\""));

    // Another account can neither open nor mark it, and it stays as it was.
    let other = register_other(&app).await;
    let (status, _, _) = page(&app, &format!("/cabinet/inbox/{}", message.id), &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mark = send(
        &app,
        with_cookie(
            fetch_post("/api/cabinet/inbox/open", &format!("id={}", message.id)),
            &other,
        ),
    )
    .await;
    assert_eq!(mark.status(), StatusCode::NOT_FOUND);
    let (status, _, _) = page(&app, "/cabinet/inbox/not-a-number", &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_history_shows_sign_ins_with_device_and_address_and_filters() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    let wrong = sign_in_as(&app, "wrong+password", "Firefox/140.0").await;
    assert!(session_cookie(&wrong).is_none());

    let (status, _, all) = page(&app, "/cabinet/history?lang=en", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.contains("Failed sign-in (wrong password)"));
    assert!(all.contains("Account registered"));
    assert!(all.contains("This wasn’t me"));
    let (_, _, documents) = page(&app, "/cabinet/history?group=documents&lang=en", &session).await;
    assert!(documents.contains("No events match this choice."));
    // An unknown filter or page shows everything rather than failing.
    let (status, _, _) = page(&app, "/cabinet/history?group=nonsense&page=-3", &session).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_report_ends_every_session_and_hands_the_reporter_nothing_that_resets_the_password() {
    let db = database().await;
    let app = portal(&db, false);
    let intruder = register(&app).await;
    let owner = session_cookie(&sign_in_as(&app, PASSWORD, "Owner browser").await)
        .unwrap()
        .0;
    let (status, _, form) = page(&app, "/cabinet/security/report?lang=en", &owner).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Report and end all sessions"));
    let registered = account_event::Entity::find()
        .filter(account_event::Column::Kind.eq("registered"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();

    // The intruder (a session alone) reports, as an attacker would to take the account.
    let report = send(
        &app,
        with_cookie(
            form_post(
                "/api/security/report",
                &format!("description=Not+me&flagged%5B0%5D={}", registered.id),
            ),
            &intruder,
        ),
    )
    .await;
    assert_eq!(report.status(), StatusCode::FOUND);
    let location = header_of(&report, header::LOCATION).to_owned();
    let incident = incident::Entity::find().one(&db).await.unwrap().unwrap();
    let reference = incident.reference.clone().unwrap();
    assert_eq!(location, format!("/password/renew?reference={reference}"));
    let cookies: Vec<_> = report
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let answer = body_text(report).await;
    assert!(
        !answer.contains("token") && !location.contains("token"),
        "no reset credential in the answer: {answer}"
    );
    assert!(
        cookies
            .iter()
            .all(|c| c.starts_with("portal_session=;") || c.starts_with("portal_lang=")),
        "only the session is forgotten: {cookies:?}"
    );
    assert!(
        incident
            .details
            .contains(&format!("\"flagged_events\":[{}]", registered.id))
    );
    // Both browsers are signed out.
    for session in [&owner, &intruder] {
        let (status, to, _) = page(&app, "/cabinet", session).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(to.starts_with("/login"));
    }
    let (_, _, renew_page) = page(&app, &format!("{location}&lang=en"), "x=y").await;
    assert!(renew_page.contains(&reference));
    assert!(renew_page.contains("Set a new password"));
    assert!(renew_page.contains("name=\"current_password\""));

    // The old password no longer signs in, for anyone.
    let refused = sign_in_as(&app, PASSWORD, "Intruder").await;
    assert!(session_cookie(&refused).is_none());

    // Without the old password nothing renews it; with it (the owner), once.
    let renew = |old: &str, new: &str| {
        format!("identifier=21503199000123&current_password={old}&code=&new_password={new}")
    };
    let guessed = send(
        &app,
        fetch_post(
            "/api/password/renew",
            &renew("a+guess", "Talas+toolory+2027"),
        ),
    )
    .await;
    assert_eq!(guessed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let weak = send(
        &app,
        fetch_post("/api/password/renew", &renew(PASSWORD, "123")),
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let renewed = send(
        &app,
        form_post(
            "/api/password/renew",
            &renew(PASSWORD, "Talas+toolory+2027"),
        ),
    )
    .await;
    assert_eq!(header_of(&renewed, header::LOCATION), "/login?renewed=1");
    let back = sign_in_as(&app, "Talas+toolory+2027", "Owner browser").await;
    assert!(session_cookie(&back).is_some());
    let again = send(
        &app,
        fetch_post(
            "/api/password/renew",
            &renew("Talas+toolory+2027", "Other+pass+2028"),
        ),
    )
    .await;
    assert_eq!(
        again.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "renewed once; later changes go through the cabinet"
    );
    let last = account_event::Entity::find()
        .order_by_desc(account_event::Column::Id)
        .all(&db)
        .await
        .unwrap();
    assert!(
        last.iter()
            .any(|e| e.kind == "unauthorized_access_reported")
    );
}

#[tokio::test]
async fn the_profile_masks_identifiers_and_contacts_change_only_with_the_password() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;

    let (status, _, body) = page(&app, "/cabinet/profile?lang=en", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("21••••••••••23"));
    assert!(
        !body.contains("21503199000123"),
        "the full PIN is never shown"
    );
    assert!(body.contains("1990-03-15"), "birth date from the PIN");
    assert!(body.contains("bakyt@mail.kg"));

    let wrong = send(
        &app,
        with_cookie(
            form_post(
                "/api/cabinet/profile/contacts",
                "email=new%40mail.kg&phone=&current_password=wrong",
            ),
            &session,
        ),
    )
    .await;
    let back = header_of(&wrong, header::LOCATION).to_owned();
    assert!(back.contains("__err="), "{back}");
    let draft = cookie(&wrong, "portal_draft").unwrap().0;
    let (_, _, again) = page(
        &app,
        "/cabinet/profile?lang=en",
        &format!("{session}; {draft}"),
    )
    .await;
    assert!(
        again.contains("value=\"new@mail.kg\""),
        "what was typed is kept"
    );

    let ok = send(
        &app,
        with_cookie(
            form_post(
                "/api/cabinet/profile/contacts",
                &format!("email=new%40mail.kg&phone=%2B996555123456&current_password={PASSWORD}"),
            ),
            &session,
        ),
    )
    .await;
    assert_eq!(
        header_of(&ok, header::LOCATION),
        "/cabinet/profile?changed=1"
    );
    let (_, _, after) = page(&app, "/cabinet/profile?changed=1&lang=en", &session).await;
    assert!(after.contains("Your contacts have been changed."));
    assert!(after.contains("+996555123456"));
    let (_, _, history) = page(&app, "/cabinet/history?group=security&lang=en", &session).await;
    assert!(history.contains("Contact details changed"));
}

#[tokio::test]
async fn a_stopped_service_refuses_the_account_until_it_is_turned_back_on() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;

    let (status, _, shown) = page(&app, "/services/residence-certificate?lang=en", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !shown.contains("data-testid=\"service-used\""),
        "showing the page uses nothing"
    );
    let (_, _, unused) = page(&app, "/cabinet/services?lang=en", &session).await;
    assert!(
        !unused.contains("Stop using my account for this service"),
        "not used yet"
    );
    let used = send(
        &app,
        with_cookie(
            form_post("/api/services/use", "code=residence-certificate"),
            &session,
        ),
    )
    .await;
    assert_eq!(
        header_of(&used, header::LOCATION),
        "/services/residence-certificate?used=1"
    );
    let (_, _, used) = page(
        &app,
        "/services/residence-certificate?used=1&lang=en",
        &session,
    )
    .await;
    assert!(used.contains("data-testid=\"service-used\""));
    let (status, _, _) = page(&app, "/services/no-such-service", &session).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, list) = page(&app, "/cabinet/services?lang=en", &session).await;
    assert!(list.contains("Certificate of residence (demo)"));
    assert!(list.contains("Stop using my account for this service"));

    let stop = send(
        &app,
        with_cookie(
            form_post(
                "/api/cabinet/services/set",
                "code=residence-certificate&stop=1",
            ),
            &session,
        ),
    )
    .await;
    let location = header_of(&stop, header::LOCATION).to_owned();
    assert_eq!(location, "/cabinet/services?stopped=residence-certificate");
    let (_, _, confirmed) = page(&app, &format!("{location}&lang=en"), &session).await;
    assert!(
        confirmed.contains("Your account is no longer used for “Certificate of residence (demo)”")
    );
    let (_, _, refused) = page(&app, "/services/residence-certificate?lang=en", &session).await;
    assert!(refused.contains("data-testid=\"service-refused\""));

    // Feedback: used once signed in, then stopped: refused while signed in.
    let feedback = "topic=question&message=A+question+about+my+documents&reply_email=";
    let sent = send(
        &app,
        with_cookie(fetch_post("/api/feedback/submit", feedback), &session),
    )
    .await;
    assert!(
        sent.status().is_success() || sent.status().is_redirection(),
        "{}",
        sent.status()
    );
    send(
        &app,
        with_cookie(
            fetch_post("/api/cabinet/services/set", "code=feedback&stop=1"),
            &session,
        ),
    )
    .await;
    let refused = send(
        &app,
        with_cookie(fetch_post("/api/feedback/submit", feedback), &session),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // The cabinet itself cannot be stopped, and a never-used service is not found.
    for code in ["cabinet", "tax-statement"] {
        let response = send(
            &app,
            with_cookie(
                fetch_post("/api/cabinet/services/set", &format!("code={code}&stop=1")),
                &session,
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{code}");
    }

    send(
        &app,
        with_cookie(
            fetch_post("/api/cabinet/services/set", "code=residence-certificate"),
            &session,
        ),
    )
    .await;
    let again = send(
        &app,
        with_cookie(
            form_post("/api/services/use", "code=residence-certificate"),
            &session,
        ),
    )
    .await;
    assert_eq!(
        header_of(&again, header::LOCATION),
        "/services/residence-certificate?used=1"
    );
    let (_, _, history) = page(&app, "/cabinet/history?group=consents&lang=en", &session).await;
    assert!(history.contains("Stopped using the account for a service"));
    assert!(history.contains("Turned the account back on for a service"));
}

#[tokio::test]
async fn the_export_is_one_zip_with_the_data_and_the_documents() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    let pdf = b"%PDF-1.7\n% exported\n%%EOF\n";
    let uploaded = send(
        &app,
        with_cookie(upload_post("document", "паспорт.pdf", pdf), &session),
    )
    .await;
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);

    let (status, _, page_body) = page(&app, "/cabinet/export?lang=en", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page_body.contains("action=\"/cabinet/export/download\""));
    assert!(page_body.contains("method=\"post\""));
    // Reading the page or asking for the archive by GET makes nothing and records nothing.
    let by_get = send(&app, with_cookie(get("/cabinet/export/download"), &session)).await;
    assert_eq!(by_get.status(), StatusCode::METHOD_NOT_ALLOWED);

    let download = send(
        &app,
        with_cookie(post("/cabinet/export/download"), &session),
    )
    .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(
        header_of(&download, header::CONTENT_TYPE),
        "application/zip"
    );
    assert!(header_of(&download, header::CONTENT_DISPOSITION).starts_with("attachment;"));
    let bytes = http_body_util::BodyExt::collect(download.into_body())
        .await
        .unwrap()
        .to_bytes();
    let entries = unzipped(&bytes);
    let data: serde_json::Value = serde_json::from_slice(&entries[0].1).unwrap();
    assert_eq!(data["profile"]["person_pin"], "21503199000123");
    assert_eq!(data["consents"].as_array().unwrap().len(), 2);
    assert_eq!(entries[1].1, pdf);
    let (_, _, history) = page(&app, "/cabinet/history?group=documents&lang=en", &session).await;
    assert!(history.contains("Data exported"));

    let signed_out = send(&app, post("/cabinet/export/download")).await;
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        header_of(&signed_out, header::LOCATION),
        "/login?next=/cabinet/export"
    );
}

/// The entries of a ZIP archive, read by the `zip` crate (not by anything of ours).
fn unzipped(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (entry.name().to_owned(), content)
        })
        .collect()
}
