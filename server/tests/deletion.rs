//! Deleting an account over HTTP: the explanation, the confirmation with its field errors,
//! the receipt shown and downloaded signed out, the PIN registering again; and the crash
//! test, which kills the real server binary at every point of a deletion and checks that
//! the account is then either whole or completely gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use domain::entities::{account, document};
use http::{StatusCode, header};
use sea_orm::{EntityTrait, PaginatorTrait};
use support::*;

const PASSWORD: &str = "Too-Ata+jailoo+2026";
const PDF: &[u8] = b"%PDF-1.7\n% a passport scan\n%%EOF\n";

async fn page(app: &axum::Router, uri: &str, cookie: &str) -> (StatusCode, String, String) {
    let response = send(app, with_cookie(get(uri), cookie)).await;
    let status = response.status();
    let location = header_of(&response, header::LOCATION).to_owned();
    (status, location, body_text(response).await)
}

#[tokio::test]
async fn deleting_without_javascript_signs_out_and_leaves_a_receipt() {
    let db = database().await;
    let documents = document_store();
    let root = documents.root().to_path_buf();
    let app = portal_with_documents(&db, false, false, documents);
    let session = register(&app).await;
    let uploaded = send(
        &app,
        with_cookie(upload_post("document", "passport.pdf", PDF), &session),
    )
    .await;
    assert!(uploaded.status().is_redirection());
    let stored = document::Entity::find().one(&db).await.unwrap().unwrap();
    assert!(root.join(&stored.stored_name).exists());

    let (status, _, explanation) = page(&app, "/cabinet/delete?lang=en", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(explanation.contains("your documents and their files: 1;"));
    assert!(explanation.contains("They are kept for 5 years after the deletion"));
    assert!(explanation.contains("href=\"/cabinet/export\""));
    assert!(explanation.contains("href=\"/cabinet/services\""));
    let (status, _, form) = page(&app, "/cabinet/delete/confirm?lang=en", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"password\""));
    assert!(form.contains("name=\"confirm\""));
    assert!(
        !form.contains("name=\"code\""),
        "no code without two-step verification"
    );
    assert_eq!(form.matches("button--warning").count(), 1, "one red button");

    // A wrong password is a field error; nothing is deleted and the session goes on.
    let wrong = send(
        &app,
        with_cookie(
            form_post(
                "/api/cabinet/delete",
                "password=wrong-password&confirm=true",
            ),
            &session,
        ),
    )
    .await;
    assert!(wrong.status().is_redirection());
    let back = header_of(&wrong, header::LOCATION);
    // The error travels back base64-encoded: {"Invalid":[{"field":"password","key":"CurrentPasswordWrong"}]}
    assert!(back.ends_with("&__err=eyJJbnZhbGlkIjpbeyJmaWVsZCI6InBhc3N3b3JkIiwia2V5IjoiQ3VycmVudFBhc3N3b3JkV3JvbmcifV19"), "{back}");
    assert!(session_cookie(&wrong).is_none());
    assert_eq!(account::Entity::find().count(&db).await.unwrap(), 1);
    let unticked = send(
        &app,
        with_cookie(
            fetch_post("/api/cabinet/delete", &format!("password={PASSWORD}")),
            &session,
        ),
    )
    .await;
    assert_eq!(unticked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(unticked).await.contains("\"confirm\""));

    let deleted = send(
        &app,
        with_cookie(
            form_post(
                "/api/cabinet/delete",
                &format!("password={PASSWORD}&confirm=true"),
            ),
            &session,
        ),
    )
    .await;
    assert!(deleted.status().is_redirection());
    assert_eq!(header_of(&deleted, header::LOCATION), "/account/deleted");
    assert!(session_cookie(&deleted).unwrap().1.contains("Max-Age=0"));
    let (receipt_cookie, full) = cookie(&deleted, "portal_receipt").unwrap();
    assert!(full.contains("HttpOnly"));
    assert_eq!(account::Entity::find().count(&db).await.unwrap(), 0);
    assert!(!root.join(&stored.stored_name).exists(), "the file is gone");

    let (status, _, receipt) = page(&app, "/account/deleted?lang=en", &receipt_cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        receipt.contains("data-testid=\"receipt-reference\" class=\"summary-list__value\">DEL-")
    );
    assert!(receipt.contains("Documents: 1 (1 KB)"));
    assert!(receipt.contains("Acceptance and consent records: 2"));
    let download = send(
        &app,
        with_cookie(get("/account/deleted/receipt.txt?lang=en"), &receipt_cookie),
    )
    .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert!(header_of(&download, header::CONTENT_TYPE).starts_with("text/plain"));
    assert!(header_of(&download, header::CONTENT_DISPOSITION).starts_with("attachment"));
    let text = body_text(download).await;
    assert!(text.contains("Reference: DEL-"), "{text}");
    assert!(text.contains("- Documents: 1"), "{text}");
    assert!(text.contains("Legal basis:"), "{text}");

    // Without the cookie there is nothing to see, and the old session is gone.
    let (status, _, nothing) = page(&app, "/account/deleted?lang=en", "x=y").await;
    assert_eq!(status, StatusCode::OK);
    assert!(nothing.contains("data-testid=\"receipt-gone\""));
    let (status, location, _) = page(&app, "/cabinet", &session).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/login"));
    let signed_in = send(
        &app,
        fetch_post(
            "/api/account/sign-in",
            &format!("identifier=21503199000123&password={PASSWORD}"),
        ),
    )
    .await;
    assert_eq!(signed_in.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(signed_in).await.contains("SignInInvalid"));

    // The PIN registers again, as a new account with nothing old in it.
    let again = register(&app).await;
    let (_, _, documents_page) = page(&app, "/cabinet/documents?lang=en", &again).await;
    assert!(!documents_page.contains("passport.pdf"));
}

#[tokio::test]
async fn with_two_step_verification_the_code_is_asked_for() {
    let db = database().await;
    let app = portal(&db, false);
    let session = register(&app).await;
    let account = account::Entity::find().one(&db).await.unwrap().unwrap();
    let recovery = two_step_on(&db, account.id).await;
    let (_, _, form) = page(&app, "/cabinet/delete/confirm", &session).await;
    assert!(form.contains("name=\"code\""));
    let missing = send(
        &app,
        with_cookie(
            fetch_post(
                "/api/cabinet/delete",
                &format!("password={PASSWORD}&confirm=true"),
            ),
            &session,
        ),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(missing).await.contains("CodeMissing"));
    let deleted = send(
        &app,
        with_cookie(
            fetch_post(
                "/api/cabinet/delete",
                &format!("password={PASSWORD}&code={}&confirm=true", recovery[0]),
            ),
            &session,
        ),
    )
    .await;
    assert!(deleted.status().is_success() || deleted.status().is_redirection());
    assert_eq!(account::Entity::find().count(&db).await.unwrap(), 0);
}

#[tokio::test]
async fn deletion_pages_and_calls_need_a_session() {
    let db = database().await;
    let app = portal(&db, false);
    let (status, location, _) = page(&app, "/cabinet/delete", "x=y").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/login"));
    let call = send(
        &app,
        fetch_post("/api/cabinet/delete", "password=x&confirm=true"),
    )
    .await;
    assert_eq!(call.status(), StatusCode::UNAUTHORIZED);
}

/// The crash test: a server process that aborts at a deletion point (the `fault-injection`
/// feature, on only in test builds) and a restart without the fault.
mod crash {
    use std::{
        io::{Read, Write},
        net::{TcpListener, TcpStream},
        path::Path,
        process::{Child, Command, Stdio},
        time::{Duration, Instant},
    };

    use domain::{
        DatabaseConnection,
        documents::{DocumentLimits, DocumentStore},
        entities::{acceptance_record, account, account_event, document, file_removal, session},
        history::Requester,
    };
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    const POINTS: [&str; 8] = [
        "deletion:begin",
        "deletion:documents",
        "deletion:erased",
        "deletion:pseudonymized",
        "deletion:account",
        "deletion:before_commit",
        "deletion:committed",
        "deletion:file_removed",
    ];
    const PIN: &str = "21503199000123";
    const PASSWORD: &str = "Ысык-Көл жайы 2026";

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    fn start(data: &Path, port: u16, fault: Option<&str>) -> Child {
        let site = data.join("site");
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .args(["serve", "--data-dir"])
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--site-root"])
            .arg(&site)
            .env_remove("DATABASE_URL")
            .env_remove("PORTAL_FAULT_AT")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(point) = fault {
            command.env("PORTAL_FAULT_AT", point);
        }
        let child = command.spawn().expect("the server binary starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        while request(port, "GET /healthz HTTP/1.1\r\n", "").is_none() {
            assert!(
                Instant::now() < deadline,
                "the server answers within a minute"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        child
    }

    /// Sends one HTTP/1.1 request; `None` when the connection fails or closes unanswered.
    fn request(port: u16, head: &str, body: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .ok()?;
        let message = format!(
            "{head}Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(message.as_bytes()).ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        (!answer.is_empty()).then_some(answer)
    }

    async fn open(data: &Path) -> DatabaseConnection {
        let url = format!("sqlite://{}?mode=rwc", data.join("portal.db").display());
        domain::database::open_and_migrate(&url).await.unwrap()
    }

    /// An account with two documents and a session; returns the session's token.
    async fn prepare(data: &Path) -> String {
        let db = open(data).await;
        let form = domain::registration::RegistrationForm {
            kind: "individual".into(),
            pin: PIN.into(),
            full_name: "Асанов Бакыт".into(),
            email: "bakyt@mail.kg".into(),
            password: PASSWORD.into(),
            accepts_agreement: true,
            consents_to_personal_data: true,
            agreement_version_shown: 1,
            language: "ru".into(),
            address: "203.0.113.1".into(),
            user_agent: "Firefox".into(),
            ..Default::default()
        };
        let hasher = domain::password::PasswordHasher::with_concurrency(1).unwrap();
        let now = chrono::Utc::now();
        let domain::registration::Registration::Created(registered) =
            domain::registration::register(&db, &hasher, &form, now)
                .await
                .unwrap()
        else {
            panic!("a new account");
        };
        let id = registered.account_id;
        let store = DocumentStore::new(data.join("files"), DocumentLimits::default());
        for name in ["one.pdf", "two.pdf"] {
            let mut upload = store.begin().await.unwrap();
            upload.write(b"%PDF-1.7\n%%EOF\n").await.unwrap();
            let owner = Requester {
                account_id: id,
                address: "203.0.113.1",
                user_agent: "Firefox",
            };
            domain::documents::store(&db, &store, upload, owner, name, now)
                .await
                .unwrap();
        }
        let started = domain::sessions::start_session(
            &db,
            id,
            "127.0.0.1",
            "crash-test",
            now,
            domain::sessions::SessionPolicy::default(),
        )
        .await
        .unwrap();
        db.close().await.unwrap();
        started.token
    }

    /// What is left: `Some(true)` the whole account, `Some(false)` nothing of it, `None` a mix.
    async fn state(data: &Path) -> Option<bool> {
        let db = open(data).await;
        let accounts = account::Entity::find().count(&db).await.unwrap();
        let documents = document::Entity::find().all(&db).await.unwrap();
        let sessions = session::Entity::find().count(&db).await.unwrap();
        let own_events = account_event::Entity::find()
            .filter(account_event::Column::AccountId.ne(0))
            .count(&db)
            .await
            .unwrap();
        let pseudonymized = acceptance_record::Entity::find()
            .filter(acceptance_record::Column::Subject.starts_with("p-"))
            .count(&db)
            .await
            .unwrap();
        let queued = file_removal::Entity::find().count(&db).await.unwrap();
        let files = std::fs::read_dir(data.join("files"))
            .unwrap()
            .filter(|entry| entry.as_ref().unwrap().path().is_file())
            .count();
        db.close().await.unwrap();
        let whole = accounts == 1
            && documents.len() == 2
            && sessions == 1
            && own_events > 0
            && pseudonymized == 0
            && queued == 0
            && files == 2;
        let gone = accounts == 0
            && documents.is_empty()
            && sessions == 0
            && own_events == 0
            && pseudonymized == 2
            && queued == 0
            && files == 0;
        if whole {
            Some(true)
        } else if gone {
            Some(false)
        } else {
            eprintln!(
                "mixed: accounts {accounts}, documents {}, sessions {sessions}, events {own_events}, \
                 pseudonymized {pseudonymized}, queued {queued}, files {files}",
                documents.len()
            );
            None
        }
    }

    fn delete(port: u16, token: &str) -> Option<String> {
        let body = format!(
            "password={}&confirm=true",
            PASSWORD
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        );
        request(
            port,
            &format!(
                "POST /api/cabinet/delete HTTP/1.1\r\nCookie: portal_session={token}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n"
            ),
            &body,
        )
    }

    #[tokio::test]
    async fn a_crash_at_any_point_leaves_the_whole_account_or_none_of_it() {
        for point in POINTS {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path();
            let token = prepare(data).await;
            let port = free_port();
            let mut crashing = start(data, port, Some(point));
            let answer = delete(port, &token);
            let status = crashing.wait().unwrap();
            assert!(
                !status.success(),
                "{point}: the server was killed ({answer:?})"
            );

            // Restarted without the fault: start-up finishes what a committed deletion left.
            let port = free_port();
            let mut restarted = start(data, port, None);
            restarted.kill().unwrap();
            restarted.wait().unwrap();
            let whole = state(data).await;
            let expected_whole = POINTS.iter().position(|p| *p == point).unwrap()
                < POINTS
                    .iter()
                    .position(|p| *p == "deletion:committed")
                    .unwrap();
            assert_eq!(
                whole,
                Some(expected_whole),
                "{point}: the account must be whole before the commit and gone after it"
            );
            if expected_whole {
                // The survivor can still be deleted, completely.
                let port = free_port();
                let mut again = start(data, port, None);
                let answer = delete(port, &token).unwrap_or_default();
                assert!(
                    answer.starts_with("HTTP/1.1 2") || answer.starts_with("HTTP/1.1 3"),
                    "{point}: {answer}"
                );
                again.kill().unwrap();
                again.wait().unwrap();
                assert_eq!(state(data).await, Some(false), "{point}: deleted after all");
            }
        }
    }
}
