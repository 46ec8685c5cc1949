//! Documents against real databases and a real file store: type by content, limits,
//! crash safety of uploads, the integrity check, deletion, and scoping by account.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    documents::{self, DocumentLimits, DocumentStore, DownloadError, Fault, FileType, UploadError},
    entities::{document, incident},
    history::{self, Group, Requester},
    inbox,
};
use sea_orm::{EntityTrait, PaginatorTrait};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap()
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

fn owner(account_id: i64) -> Requester<'static> {
    Requester {
        account_id,
        address: "198.51.100.7",
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    }
}

fn small_limits() -> DocumentLimits {
    DocumentLimits {
        max_file_bytes: 1024,
        max_account_bytes: 2048,
        max_account_documents: 3,
        retention: Duration::days(30),
    }
}

async fn upload(
    db: &DatabaseConnection,
    store: &DocumentStore,
    account_id: i64,
    name: &str,
    content: &[u8],
) -> Result<document::Model, UploadError> {
    let mut upload = store.begin().await?;
    // Two chunks, as a multipart body arrives.
    let (first, second) = content.split_at(content.len() / 2);
    for chunk in [first, second] {
        if let Err(error) = upload.write(chunk).await {
            upload.abort().await;
            return Err(error);
        }
    }
    documents::store(db, store, upload, owner(account_id), name, t0()).await
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.metadata().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A real ZIP archive with these parts, as an office suite writes one.
fn archive(parts: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in parts {
        let options =
            zip::write::SimpleFileOptions::default().compression_method(if *name == "mimetype" {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            });
        zip.start_file(*name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const DOCX_TYPES: &str = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
const XLSX_TYPES: &str = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
const DOCM_TYPES: &str = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>"#;

fn detect(content: &[u8]) -> Option<FileType> {
    FileType::detect(std::io::Cursor::new(content)).unwrap()
}

/// An ODF text document (its first part the stored `mimetype`).
fn odt() -> Vec<u8> {
    archive(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("content.xml", "<office:document-content/>"),
    ])
}

fn docx() -> Vec<u8> {
    archive(&[
        ("[Content_Types].xml", DOCX_TYPES),
        ("word/document.xml", "<w:document/>"),
    ])
}

#[test]
fn types_are_decided_by_content_not_by_name() {
    assert_eq!(detect(PDF), Some(FileType::Pdf));
    assert_eq!(
        detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
        Some(FileType::Jpeg)
    );
    assert_eq!(
        detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        Some(FileType::Png)
    );
    assert_eq!(detect(&odt()), Some(FileType::Odt));
    assert_eq!(detect(&docx()), Some(FileType::Docx));
    let xlsx = archive(&[
        ("[Content_Types].xml", XLSX_TYPES),
        ("xl/workbook.xml", "<workbook/>"),
    ]);
    assert_eq!(detect(&xlsx), Some(FileType::Xlsx));
    // A plain ZIP, parts named without their declaration, a damaged archive, a script,
    // HTML and text named like documents are refused.
    let plain = archive(&[("notes.txt", "hello")]);
    let undeclared = archive(&[("word/document.xml", "<w:document/>")]);
    let mut damaged = docx();
    damaged.truncate(damaged.len() / 2);
    for refused in [
        &plain[..],
        &undeclared,
        &damaged,
        b"PK\x03\x04....[Content_Types].xml....word/document.xml....",
        b"#!/bin/sh\nrm -rf /\n",
        b"<html><script>alert(1)</script></html>",
        b"just text",
        b"",
    ] {
        assert_eq!(detect(refused), None);
    }
}

#[test]
fn documents_that_carry_macros_are_refused() {
    let docm = archive(&[
        ("[Content_Types].xml", DOCM_TYPES),
        ("word/document.xml", "<w:document/>"),
        ("word/vbaProject.bin", "macro"),
    ]);
    let docx_with_vba = archive(&[
        ("[Content_Types].xml", DOCX_TYPES),
        ("word/document.xml", "<w:document/>"),
        ("word/vbaProject.bin", "macro"),
    ]);
    let odt_with_basic = archive(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("content.xml", "<office:document-content/>"),
        ("Basic/Standard/Module1.xml", "<script:module/>"),
    ]);
    for refused in [docm, docx_with_vba, odt_with_basic] {
        assert_eq!(detect(&refused), None);
    }
}

#[test]
fn an_archive_of_countless_entries_is_refused_before_its_directory_is_read() {
    // A valid DOCX with twenty thousand empty parts: far more than any office document.
    let mut parts = vec![
        ("[Content_Types].xml".to_owned(), DOCX_TYPES.to_owned()),
        ("word/document.xml".to_owned(), "<w:document/>".to_owned()),
    ];
    parts.extend((0..20_000).map(|i| (format!("x/{i}"), String::new())));
    let borrowed: Vec<(&str, &str)> = parts
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    assert_eq!(detect(&archive(&borrowed)), None);
    assert_eq!(detect(&docx()), Some(FileType::Docx));
}

#[test]
fn display_names_lose_directories_and_control_characters() {
    assert_eq!(
        documents::display_name("C:\\Users\\a\\passport.pdf"),
        "passport.pdf"
    );
    assert_eq!(documents::display_name("../../etc/passwd"), "passwd");
    assert_eq!(documents::display_name("a\u{0}b\nc.pdf"), "abc.pdf");
    assert_eq!(documents::display_name("  "), "document");
    assert_eq!(
        documents::display_name(&"x".repeat(400)).chars().count(),
        255
    );
    // A right-to-left override (U+202E) would show "invoicefdp.exe" as "invoiceexe.pdf".
    assert_eq!(
        documents::display_name("invoice\u{202E}fdp.exe"),
        "invoicefdp.exe"
    );
    assert_eq!(
        documents::display_name("Паспорт\u{200B} 2026.pdf"),
        "Паспорт 2026.pdf"
    );
    assert_eq!(documents::display_name("e\u{301}.pdf"), "\u{e9}.pdf", "NFC");
}

async fn uploads_are_stored_listed_and_recorded(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), small_limits());
    let account = support::account(db, "21503199000123").await.id;

    let stored = upload(db, &store, account, "passport.pdf", PDF)
        .await
        .unwrap();
    assert_eq!(stored.original_name, "passport.pdf");
    assert_ne!(stored.stored_name, "passport.pdf");
    assert_eq!(stored.media_type, "application/pdf");
    assert_eq!(stored.size, PDF.len() as i64);
    assert_eq!(
        stored.sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(PDF))
    );
    assert_eq!(stored.retain_until, t0() + Duration::days(30));
    assert_eq!(
        std::fs::read(store.path_of(&stored.stored_name)).unwrap(),
        PDF
    );
    assert_eq!(
        documents::list(db, account).await.unwrap(),
        vec![stored.clone()]
    );
    assert_eq!(
        documents::used_bytes(db, account).await.unwrap(),
        PDF.len() as u64
    );
    let events = history::page(db, account, Some(Group::Documents), 1, 10)
        .await
        .unwrap();
    assert_eq!(events.events[0].kind, "document_uploaded");
    assert!(events.events[0].details.contains("passport.pdf"));
    // No temporary file is left behind.
    assert!(files_in(&dir.path().join("tmp")).is_empty());
}
on_both_databases!(uploads_store, uploads_are_stored_listed_and_recorded);

async fn refused_uploads_leave_nothing(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), small_limits());
    let account = support::account(db, "21503199000123").await.id;

    let too_large = [PDF, &vec![b' '; 1100]].concat();
    assert!(matches!(
        upload(db, &store, account, "big.pdf", &too_large).await,
        Err(UploadError::TooLarge { limit: 1024 })
    ));
    assert!(matches!(
        upload(db, &store, account, "empty.pdf", b"").await,
        Err(UploadError::Empty)
    ));
    assert!(matches!(
        upload(db, &store, account, "script.pdf", b"#!/bin/sh\necho hi\n").await,
        Err(UploadError::UnsupportedType)
    ));
    // The quota counts what is stored: two 900-byte files fit in 2048, a third does not.
    let big = [PDF, &vec![b' '; 900 - PDF.len()]].concat();
    upload(db, &store, account, "one.pdf", &big).await.unwrap();
    upload(db, &store, account, "two.pdf", &big).await.unwrap();
    assert!(matches!(
        upload(db, &store, account, "three.pdf", &big).await,
        Err(UploadError::QuotaExceeded { limit: 2048 })
    ));
    // Another account has its own quota.
    let other = support::account(db, "21503199000999").await.id;
    upload(db, &store, other, "mine.pdf", &big).await.unwrap();

    assert_eq!(document::Entity::find().count(db).await.unwrap(), 3);
    assert_eq!(files_in(dir.path()).len(), 3);
    assert!(files_in(&dir.path().join("tmp")).is_empty());
}
on_both_databases!(refused_uploads, refused_uploads_leave_nothing);

async fn a_crash_before_the_commit_leaves_an_orphan_the_sweep_removes(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let crashing = DocumentStore::new(dir.path(), small_limits()).with_fault(Fault::BeforeCommit);
    let account = support::account(db, "21503199000123").await.id;

    assert!(matches!(
        upload(db, &crashing, account, "lost.pdf", PDF).await,
        Err(UploadError::Injected)
    ));
    // The file is on disk, but nothing counts it as stored.
    assert_eq!(files_in(dir.path()).len(), 1);
    assert!(documents::list(db, account).await.unwrap().is_empty());
    assert_eq!(documents::used_bytes(db, account).await.unwrap(), 0);
    assert_eq!(
        history::page(db, account, Some(Group::Documents), 1, 10)
            .await
            .unwrap()
            .total,
        0
    );

    // A kept document and a stale temporary file, then the start-up sweep.
    let store = DocumentStore::new(dir.path(), small_limits());
    let kept = upload(db, &store, account, "kept.pdf", PDF).await.unwrap();
    std::fs::write(dir.path().join("tmp").join("stale"), b"partial").unwrap();
    // A sweep only removes what is older than its cutoff (uploads in progress are young).
    let before = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let swept = documents::sweep(db, &store, before).await.unwrap();
    assert_eq!(swept, documents::Swept::default());
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    let swept = documents::sweep(db, &store, later).await.unwrap();
    assert_eq!(swept.orphans, 1);
    assert_eq!(swept.temporary, 1);
    assert_eq!(files_in(dir.path()), vec![kept.stored_name]);
    assert!(files_in(&dir.path().join("tmp")).is_empty());
}
on_both_databases!(
    crash_safety,
    a_crash_before_the_commit_leaves_an_orphan_the_sweep_removes
);

async fn downloads_are_verified_and_a_corrupt_file_opens_an_incident(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), small_limits());
    let account = support::account(db, "21503199000123").await.id;
    let stored = upload(db, &store, account, "passport.pdf", PDF)
        .await
        .unwrap();

    let (found, path) = documents::open_for_download(db, &store, owner(account), stored.id, t0())
        .await
        .unwrap();
    assert_eq!(found.id, stored.id);
    assert_eq!(std::fs::read(path).unwrap(), PDF);

    // One byte changes on disk.
    let mut corrupted = PDF.to_vec();
    corrupted[10] ^= 1;
    std::fs::write(store.path_of(&stored.stored_name), corrupted).unwrap();
    let refused = documents::open_for_download(db, &store, owner(account), stored.id, t0()).await;
    let Err(DownloadError::Corrupted { reference }) = refused else {
        panic!("a corrupted file must not be served: {refused:?}");
    };
    assert!(reference.starts_with("INC-2026-"), "{reference}");
    let incidents = incident::Entity::find().all(db).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind, "file_integrity");
    assert_eq!(incidents[0].account_id, Some(account));
    assert_eq!(incidents[0].reference.as_deref(), Some(reference.as_str()));
    // The user is told, in the inbox and in the history.
    let messages = inbox::latest(db, account, 10).await.unwrap();
    assert_eq!(messages[0].kind, inbox::kinds::DOCUMENT_INTEGRITY);
    assert!(messages[0].params.contains(&reference));
    let events = history::page(db, account, Some(Group::Documents), 1, 10)
        .await
        .unwrap();
    let kinds: Vec<_> = events.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "document_integrity_failed",
            "document_downloaded",
            "document_uploaded"
        ]
    );

    // A missing file is an integrity failure too.
    std::fs::remove_file(store.path_of(&stored.stored_name)).unwrap();
    assert!(matches!(
        documents::open_for_download(db, &store, owner(account), stored.id, t0()).await,
        Err(DownloadError::Corrupted { .. })
    ));
    assert_eq!(incident::Entity::find().count(db).await.unwrap(), 2);
}
on_both_databases!(
    integrity,
    downloads_are_verified_and_a_corrupt_file_opens_an_incident
);

async fn another_accounts_document_does_not_exist(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), small_limits());
    let owner_id = support::account(db, "21503199000123").await.id;
    let intruder = support::account(db, "21503199000999").await.id;
    let stored = upload(db, &store, owner_id, "passport.pdf", PDF)
        .await
        .unwrap();

    assert_eq!(
        documents::find(db, intruder, stored.id).await.unwrap(),
        None
    );
    assert!(matches!(
        documents::open_for_download(db, &store, owner(intruder), stored.id, t0()).await,
        Err(DownloadError::NotFound)
    ));
    assert!(
        !documents::delete(db, &store, owner(intruder), stored.id, t0())
            .await
            .unwrap()
    );
    assert!(documents::list(db, intruder).await.unwrap().is_empty());
    // Still there for its owner, and nothing of it is in the intruder's history.
    assert!(store.path_of(&stored.stored_name).exists());
    assert_eq!(documents::list(db, owner_id).await.unwrap().len(), 1);
    assert_eq!(
        history::page(db, intruder, None, 1, 10)
            .await
            .unwrap()
            .total,
        0
    );
}
on_both_databases!(scoping, another_accounts_document_does_not_exist);

async fn deleting_removes_the_row_then_the_file(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), small_limits());
    let account = support::account(db, "21503199000123").await.id;
    let stored = upload(db, &store, account, "passport.pdf", PDF)
        .await
        .unwrap();

    assert!(
        documents::delete(db, &store, owner(account), stored.id, t0())
            .await
            .unwrap()
    );
    assert!(documents::list(db, account).await.unwrap().is_empty());
    assert!(!store.path_of(&stored.stored_name).exists());
    assert!(
        !documents::delete(db, &store, owner(account), stored.id, t0())
            .await
            .unwrap()
    );
    let events = history::page(db, account, Some(Group::Documents), 1, 10)
        .await
        .unwrap();
    assert_eq!(events.events[0].kind, "document_deleted");
}
on_both_databases!(deletion, deleting_removes_the_row_then_the_file);

async fn an_account_holds_a_limited_number_of_documents(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), small_limits());
    let account = support::account(db, "21503199000123").await.id;
    for name in ["a.pdf", "b.pdf"] {
        upload(db, &store, account, name, PDF).await.unwrap();
    }
    let office = upload(db, &store, account, "letter.docx", &docx())
        .await
        .unwrap();
    assert_eq!(
        office.media_type,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(matches!(
        upload(db, &store, account, "d.pdf", PDF).await,
        Err(UploadError::TooMany { limit: 3 })
    ));
    assert_eq!(documents::list(db, account).await.unwrap().len(), 3);
    assert!(files_in(&dir.path().join("tmp")).is_empty());
}
on_both_databases!(
    document_count,
    an_account_holds_a_limited_number_of_documents
);

#[tokio::test]
async fn an_upload_abandoned_half_way_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), small_limits());
    let mut upload = store.begin().await.unwrap();
    upload.write(&PDF[..10]).await.unwrap();
    assert_eq!(files_in(&dir.path().join("tmp")).len(), 1);
    // The client went away: the request's future, and the upload with it, is dropped.
    drop(upload);
    assert!(files_in(&dir.path().join("tmp")).is_empty());
}
