//! Exporting an account's data against real databases: one ZIP with everything about the
//! account (and nothing about anyone else), its documents verified, the export recorded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    documents::{self, DocumentLimits, DocumentStore},
    export,
    history::Requester,
    history::{self, Group},
    inbox,
    sessions::{SessionPolicy, start_session},
};

const PDF: &[u8] = b"%PDF-1.7\n% the owner's passport\n%%EOF\n";

/// The archive's entries, after `unzip -t` and Python's `zipfile` (readers that are not
/// ours) have tested it and agree on its names; read with the `zip` crate.
fn opened_by_real_readers(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let unzip = std::process::Command::new("unzip")
        .arg("-t")
        .arg(path)
        .output()
        .expect("unzip is installed (scripts/setup.sh installs it)");
    assert!(
        unzip.status.success(),
        "unzip -t: {}",
        String::from_utf8_lossy(&unzip.stdout)
    );
    let python = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1]) as z:\n\
             \x20   assert z.testzip() is None\n\
             \x20   print('\\n'.join(z.namelist()))",
        ])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        python.status.success(),
        "zipfile: {}",
        String::from_utf8_lossy(&python.stderr)
    );
    let listed: Vec<String> = String::from_utf8(python.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let entries: Vec<(String, Vec<u8>)> = (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (entry.name().to_owned(), content)
        })
        .collect();
    let names: Vec<String> = entries.iter().map(|(name, _)| name.clone()).collect();
    assert_eq!(listed, names, "Python reads the same names");
    entries
}

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
    let saved = tempfile::NamedTempFile::new().unwrap();
    std::io::copy(&mut &made.file, &mut saved.as_file()).unwrap();
    let entries = opened_by_real_readers(saved.path());
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
    assert!(
        std::fs::read_dir(dir.path().join("tmp"))
            .unwrap()
            .next()
            .is_none(),
        "the archive's name is gone as soon as it is handed over"
    );
}
on_both_databases!(archive, the_archive_holds_everything_about_the_account_only);
