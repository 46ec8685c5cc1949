//! Documents over HTTP, as a browser without JavaScript uses them: the multipart upload,
//! the verified download with its headers, deletion, refusals, another account's ids, and
//! a damaged file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use domain::{
    documents::{DocumentLimits, DocumentStore},
    entities::{document, incident},
};
use http::{StatusCode, header};
use sea_orm::{EntityTrait, PaginatorTrait};
use support::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

fn store() -> (tempfile::TempDir, DocumentStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(
        dir.path(),
        DocumentLimits {
            max_file_bytes: 4096,
            ..DocumentLimits::default()
        },
    );
    (dir, store)
}

/// The page at `uri` (with `&lang=en`) as `session` sees it.
async fn page_text(app: &axum::Router, session: &str, uri: &str) -> String {
    body_text(send(app, with_cookie(get(&format!("{uri}&lang=en")), session)).await).await
}

async fn upload(app: &axum::Router, session: &str, name: &str, content: &[u8]) -> String {
    let response = send(
        app,
        with_cookie(upload_post("document", name, content), session),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    header_of(&response, header::LOCATION).to_owned()
}

#[tokio::test]
async fn a_document_is_uploaded_listed_downloaded_and_deleted_without_javascript() {
    let db = database().await;
    let (_dir, store) = store();
    let app = portal_with_documents(&db, false, false, store.clone());
    let session = register(&app).await;

    let page = send(
        &app,
        with_cookie(get("/cabinet/documents?lang=en"), &session),
    )
    .await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = body_text(page).await;
    assert!(body.contains("enctype=\"multipart/form-data\""));
    assert!(body.contains("action=\"/cabinet/documents/upload\""));
    assert!(body.contains("You have no documents yet."));

    let location = upload(&app, &session, "Паспорт 2026.pdf", PDF).await;
    let stored = document::Entity::find().one(&db).await.unwrap().unwrap();
    assert_eq!(
        location,
        format!("/cabinet/documents?uploaded={}", stored.id)
    );
    let body = page_text(&app, &session, &location).await;
    assert!(body.contains("Document uploaded"));
    assert!(body.contains("Паспорт 2026.pdf"));
    assert!(body.contains(&stored.sha256));

    let download = send(
        &app,
        with_cookie(
            post(&format!("/cabinet/documents/{}/download", stored.id)),
            &session,
        ),
    )
    .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(
        header_of(&download, header::CONTENT_TYPE),
        "application/pdf"
    );
    assert_eq!(
        header_of(&download, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
    assert!(header_of(&download, header::CONTENT_DISPOSITION).starts_with("attachment;"));
    assert!(
        header_of(&download, header::CONTENT_DISPOSITION)
            .contains("filename*=UTF-8''%D0%9F%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%202026.pdf")
    );
    assert_eq!(header_of(&download, header::CACHE_CONTROL), "no-store");
    let bytes = http_body_util::BodyExt::collect(download.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&bytes[..], PDF);

    // The confirmation page, then the plain form post that deletes.
    let confirm = send(
        &app,
        with_cookie(
            get(&format!("/cabinet/documents/{}/delete?lang=en", stored.id)),
            &session,
        ),
    )
    .await;
    assert_eq!(confirm.status(), StatusCode::OK);
    assert!(body_text(confirm).await.contains("Yes, delete it"));
    let deleted = send(
        &app,
        with_cookie(
            form_post(
                "/api/cabinet/documents/delete",
                &format!("id={}", stored.id),
            ),
            &session,
        ),
    )
    .await;
    assert_eq!(
        header_of(&deleted, header::LOCATION),
        "/cabinet/documents?deleted=1"
    );
    assert_eq!(document::Entity::find().count(&db).await.unwrap(), 0);
    assert!(!store.path_of(&stored.stored_name).exists());
}

#[tokio::test]
async fn refused_uploads_say_why_and_store_nothing() {
    let db = database().await;
    let (dir, store) = store();
    let app = portal_with_documents(&db, false, false, store);
    let session = register(&app).await;

    let cases: [(&str, &[u8], &str); 3] = [
        (
            "page.html.pdf",
            b"<html><script>alert(1)</script></html>",
            "problem=type",
        ),
        (
            "big.pdf",
            &[PDF, &[b' '; 5000]].concat(),
            "problem=too_large",
        ),
        ("empty.pdf", b"", "problem=empty"),
    ];
    for (name, content, problem) in cases {
        let location = upload(&app, &session, name, content).await;
        assert_eq!(location, format!("/cabinet/documents?{problem}"), "{name}");
        let body = body_text(
            send(
                &app,
                with_cookie(get(&format!("{location}&lang=ru")), &session),
            )
            .await,
        )
        .await;
        assert!(body.contains("Документ не загружен"), "{name}");
    }
    // A form without the file field at all.
    let location = upload(&app, &session, "x", b"").await;
    assert_eq!(location, "/cabinet/documents?problem=empty");
    let no_field = send(
        &app,
        with_cookie(upload_post("other", "a.pdf", PDF), &session),
    )
    .await;
    assert_eq!(
        header_of(&no_field, header::LOCATION),
        "/cabinet/documents?problem=empty"
    );

    assert_eq!(document::Entity::find().count(&db).await.unwrap(), 0);
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .chain(std::fs::read_dir(dir.path().join("tmp")).unwrap())
        .filter(|e| e.as_ref().unwrap().metadata().unwrap().is_file())
        .count();
    assert_eq!(leftovers, 0, "no file is left behind");

    // Signed out: to sign in, and nothing is read.
    let signed_out = send(&app, upload_post("document", "a.pdf", PDF)).await;
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        header_of(&signed_out, header::LOCATION),
        "/login?next=/cabinet/documents"
    );
}

#[tokio::test]
async fn another_accounts_document_is_not_found_whatever_the_route() {
    let db = database().await;
    let (_dir, store) = store();
    let app = portal_with_documents(&db, false, false, store.clone());
    let owner = register(&app).await;
    let intruder = register_other(&app).await;
    upload(&app, &owner, "passport.pdf", PDF).await;
    let stored = document::Entity::find().one(&db).await.unwrap().unwrap();

    let download = send(
        &app,
        with_cookie(
            post(&format!(
                "/cabinet/documents/{}/download?lang=en",
                stored.id
            )),
            &intruder,
        ),
    )
    .await;
    assert_eq!(download.status(), StatusCode::NOT_FOUND);
    assert!(
        body_text(download)
            .await
            .contains("There is no such document")
    );
    let confirm = send(
        &app,
        with_cookie(
            get(&format!("/cabinet/documents/{}/delete", stored.id)),
            &intruder,
        ),
    )
    .await;
    assert_eq!(confirm.status(), StatusCode::NOT_FOUND);
    let delete = send(
        &app,
        with_cookie(
            fetch_post(
                "/api/cabinet/documents/delete",
                &format!("id={}", stored.id),
            ),
            &intruder,
        ),
    )
    .await;
    assert_eq!(delete.status(), StatusCode::NOT_FOUND);
    // Nonsense ids are 404 too, never 500.
    for id in ["0", "-1", "abc", "99999999999999999999"] {
        let response = send(
            &app,
            with_cookie(
                post(&format!("/cabinet/documents/{id}/download")),
                &intruder,
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
    }
    assert!(store.path_of(&stored.stored_name).exists());
    assert_eq!(document::Entity::find().count(&db).await.unwrap(), 1);
}

#[tokio::test]
async fn a_damaged_file_is_not_served_and_the_operator_gets_an_incident() {
    let db = database().await;
    let (_dir, store) = store();
    let app = portal_with_documents(&db, false, false, store.clone());
    let session = register(&app).await;
    upload(&app, &session, "passport.pdf", PDF).await;
    let stored = document::Entity::find().one(&db).await.unwrap().unwrap();
    std::fs::write(
        store.path_of(&stored.stored_name),
        b"%PDF-1.7 something else",
    )
    .unwrap();

    let download = send(
        &app,
        with_cookie(
            post(&format!("/cabinet/documents/{}/download", stored.id)),
            &session,
        ),
    )
    .await;
    assert_eq!(download.status(), StatusCode::SEE_OTHER);
    let location = header_of(&download, header::LOCATION).to_owned();
    let incident = incident::Entity::find().one(&db).await.unwrap().unwrap();
    let reference = incident.reference.unwrap();
    assert_eq!(
        location,
        format!("/cabinet/documents?integrity={reference}")
    );
    let body = page_text(&app, &session, &location).await;
    assert!(body.contains("The file is damaged"));
    assert!(body.contains(&reference));
}
