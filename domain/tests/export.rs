//! Exporting an account's data against real databases: one ZIP with everything about the
//! account (and nothing about anyone else), its documents verified, the export recorded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    documents::{self, DocumentLimits, DocumentStore},
    export::{self, read_zip},
    history::Requester,
    history::{self, Group},
    inbox,
    sessions::{SessionPolicy, start_session},
};

const PDF: &[u8] = b"%PDF-1.7\n% the owner's passport\n%%EOF\n";

async fn upload(
    db: &DatabaseConnection,
    store: &DocumentStore,
    account: i64,
    name: &str,
) -> String {
    let mut upload = store.begin().await.unwrap();
    upload.write(PDF).await.unwrap();
    let owner = Requester {
        account_id: account,
        address: "a",
        user_agent: "b",
    };
    documents::store(db, store, upload, owner, name, Utc::now())
        .await
        .unwrap()
        .stored_name
}

async fn the_archive_holds_everything_about_the_account_only(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), DocumentLimits::default());
    let account = support::account(db, "21503199000123").await.id;
    let other = support::account(db, "21503199000999").await.id;
    let t0 = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
    start_session(
        db,
        account,
        "198.51.100.7",
        "Firefox",
        t0,
        SessionPolicy::default(),
    )
    .await
    .unwrap();
    upload(db, &store, account, "паспорт.pdf").await;
    let damaged = upload(db, &store, account, "damaged.pdf").await;
    std::fs::write(store.path_of(&damaged), b"%PDF- changed").unwrap();
    upload(db, &store, other, "someone-elses.pdf").await;
    inbox::send(
        db,
        account,
        inbox::kinds::PASSWORD_CHANGED,
        serde_json::json!({"at": "x"}),
        t0,
    )
    .await
    .unwrap();

    let made = export::export(
        db,
        &store,
        Requester {
            account_id: account,
            address: "198.51.100.7",
            user_agent: "Firefox",
        },
        t0 + Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(made.file_name, "portal-data-2026-11-26.zip");
    assert_eq!(made.documents, 1, "the damaged file is left out");
    let entries = read_zip(&std::fs::read(&made.path).unwrap()).unwrap();
    let names: Vec<_> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[0], "data.json");
    assert_eq!(names.len(), 2);
    assert!(
        names[1].starts_with("documents/") && names[1].ends_with("-паспорт.pdf"),
        "{names:?}"
    );
    assert_eq!(entries[1].1, PDF);

    let data: serde_json::Value = serde_json::from_slice(&entries[0].1).unwrap();
    assert_eq!(data["profile"]["person_pin"], "21503199000123");
    assert_eq!(data["documents"].as_array().unwrap().len(), 2);
    assert_eq!(data["sessions"][0]["address"], "198.51.100.7");
    assert_eq!(data["services"][0]["service"], "cabinet");
    assert_eq!(data["inbox"][0]["kind"], "password_changed");
    assert!(
        data["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "document_uploaded")
    );
    let text = String::from_utf8(entries[0].1.clone()).unwrap();
    assert!(!text.contains("21503199000999") && !text.contains("someone-elses"));

    let recorded = history::page(db, account, Some(Group::Documents), 1, 10)
        .await
        .unwrap();
    assert_eq!(recorded.events[0].kind, "data_exported");
    std::fs::remove_file(made.path).unwrap();
}
on_both_databases!(archive, the_archive_holds_everything_about_the_account_only);
