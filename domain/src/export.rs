//! "Export my data" (product.md §3): everything the portal holds about an account, as one
//! ZIP: `data.json` (profile, consents with their hashes, history, inbox, sessions, services,
//! documents' details) and every uploaded document under `documents/`. The archive is
//! written by the `zip` crate to a temporary file in the document store (an account may
//! hold 200 MB), handed to the caller open and already unlinked.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Timelike, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    accounts::find_account,
    agreement,
    documents::{self, DocumentStore},
    entities::{account_event, inbox_message, session},
    history::{self, EventKind, Requester},
    services,
};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the account does not exist")]
    NoAccount,
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A finished archive: an open file whose name is already gone (nothing is left behind
/// whatever happens to the download), and the name to offer.
#[derive(Debug)]
pub struct Export {
    pub file: std::fs::File,
    pub size: u64,
    pub file_name: String,
    pub documents: usize,
}

/// Removes a file when dropped: an export abandoned half-way (the request was cancelled
/// while the archive was being written) leaves nothing in the store.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Builds the account's archive and records the export in its history.
pub async fn export(
    db: &DatabaseConnection,
    store: &DocumentStore,
    who: Requester<'_>,
    now: DateTime<Utc>,
) -> Result<Export, ExportError> {
    let account_id = who.account_id;
    let account = find_account(db, account_id)
        .await?
        .ok_or(ExportError::NoAccount)?;
    let consents = agreement::records_of(db, account_id).await?;
    let events = account_event::Entity::find()
        .filter(account_event::Column::AccountId.eq(account_id))
        .order_by_asc(account_event::Column::Id)
        .all(db)
        .await?;
    let messages = inbox_message::Entity::find()
        .filter(inbox_message::Column::AccountId.eq(account_id))
        .order_by_asc(inbox_message::Column::Id)
        .all(db)
        .await?;
    let sessions = session::Entity::find()
        .filter(session::Column::AccountId.eq(account_id))
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?;
    let links = services::links(db, account_id).await?;
    let stored = documents::list(db, account_id).await?;

    let json = serde_json::json!({
        "exported_at": now.to_rfc3339(),
        "profile": {
            "kind": account.kind,
            "identifier": account.identifier,
            "person_pin": account.person_pin,
            "full_name": account.full_name,
            "organization_name": account.organization_name,
            "email": account.email,
            "phone": account.phone,
            "language": account.language,
            "registered_at": account.created_at.to_rfc3339(),
        },
        "consents": consents.iter().map(|r| serde_json::json!({
            "kind": r.kind,
            "agreement_version": r.agreement_version,
            "language": r.language,
            "text_sha256": r.text_sha256,
            "wording": r.wording,
            "recorded_at": r.recorded_at.to_rfc3339(),
            "address": r.address,
            "user_agent": r.user_agent,
        })).collect::<Vec<_>>(),
        "history": events.iter().map(|e| serde_json::json!({
            "kind": e.kind,
            "actor": e.actor,
            "at": e.created_at.to_rfc3339(),
            "address": e.address,
            "user_agent": e.user_agent,
            "details": serde_json::from_str::<serde_json::Value>(&e.details).unwrap_or_default(),
            "reason": e.reason,
        })).collect::<Vec<_>>(),
        "inbox": messages.iter().map(|m| serde_json::json!({
            "kind": m.kind,
            "params": serde_json::from_str::<serde_json::Value>(&m.params).unwrap_or_default(),
            "received_at": m.created_at.to_rfc3339(),
            "read_at": m.read_at.map(|t| t.to_rfc3339()),
        })).collect::<Vec<_>>(),
        "sessions": sessions.iter().map(|s| serde_json::json!({
            "started_at": s.created_at.to_rfc3339(),
            "last_seen_at": s.last_seen_at.to_rfc3339(),
            "address": s.address,
            "user_agent": s.user_agent,
            "ended_at": s.revoked_at.map(|t| t.to_rfc3339()),
        })).collect::<Vec<_>>(),
        "services": links.iter().map(|l| serde_json::json!({
            "service": l.service_code,
            "first_used_at": l.first_used_at.to_rfc3339(),
            "last_used_at": l.last_used_at.to_rfc3339(),
            "stopped_at": l.terminated_at.map(|t| t.to_rfc3339()),
        })).collect::<Vec<_>>(),
        "documents": stored.iter().map(|d| serde_json::json!({
            "file": archive_name(d.id, &d.original_name),
            "name": d.original_name,
            "media_type": d.media_type,
            "size": d.size,
            "sha256": d.sha256,
            "uploaded_at": d.uploaded_at.to_rfc3339(),
            "kept_until": d.retain_until.to_rfc3339(),
        })).collect::<Vec<_>>(),
    });
    let files: Vec<(String, PathBuf, String)> = stored
        .iter()
        .map(|d| {
            (
                archive_name(d.id, &d.original_name),
                store.path_of(&d.stored_name),
                d.sha256.clone(),
            )
        })
        .collect();
    store.prepare().await?;
    let path = store.root().join("tmp").join(format!(
        "export-{account_id}-{}.zip",
        now.timestamp_micros()
    ));
    let target = path.clone();
    let removal = RemoveOnDrop(path);
    let json = serde_json::to_vec_pretty(&json).map_err(std::io::Error::other)?;
    let documents = tokio::task::spawn_blocking(move || write_zip(&target, &json, &files, now))
        .await
        .map_err(std::io::Error::other)??;
    history::record(
        db,
        who.event(EventKind::DataExported, now)
            .with_details(serde_json::json!({ "documents": documents })),
    )
    .await?;
    let file = std::fs::File::open(&removal.0)?;
    let size = file.metadata()?.len();
    // The open file stays readable after its name is gone.
    drop(removal);
    Ok(Export {
        file,
        size,
        file_name: format!("portal-data-{}.zip", now.format("%Y-%m-%d")),
        documents,
    })
}

/// The account whose export archive a temporary file named `name` is.
pub fn account_of_archive(name: &str) -> Option<i64> {
    let rest = name.strip_prefix("export-")?.strip_suffix(".zip")?;
    rest.split_once('-')?.0.parse().ok()
}

/// `documents/<id>-<name>`, with only characters every unzip tool accepts.
fn archive_name(id: i64, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("documents/{id}-{safe}")
}

/// Writes the archive with the `zip` crate: `data.json` (deflated) and each file whose
/// content still matches its SHA-256 (stored: documents are mostly compressed already),
/// streamed from the disk, never whole in memory. Returns how many documents went in; a
/// damaged or missing one is left out (the JSON still lists it).
fn write_zip(
    path: &Path,
    json: &[u8],
    files: &[(String, PathBuf, String)],
    now: DateTime<Utc>,
) -> std::io::Result<usize> {
    use zip::{CompressionMethod, DateTime as ZipTime, write::SimpleFileOptions};

    let to_io = |error: zip::result::ZipError| std::io::Error::other(error);
    let modified = ZipTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        u8::try_from(now.month()).unwrap_or(1),
        u8::try_from(now.day()).unwrap_or(1),
        u8::try_from(now.hour()).unwrap_or(0),
        u8::try_from(now.minute()).unwrap_or(0),
        u8::try_from(now.second()).unwrap_or(0),
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default().last_modified_time(modified);
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(std::fs::File::create(path)?));
    zip.start_file(
        "data.json",
        options.compression_method(CompressionMethod::Deflated),
    )
    .map_err(to_io)?;
    zip.write_all(json)?;
    let mut count = 0;
    for (name, source, sha256) in files {
        if crate::documents::sha256_of_file_blocking(source)
            .ok()
            .as_ref()
            != Some(sha256)
        {
            continue;
        }
        let Ok(mut content) = std::fs::File::open(source) else {
            continue;
        };
        zip.start_file(
            name.as_str(),
            options.compression_method(CompressionMethod::Stored),
        )
        .map_err(to_io)?;
        std::io::copy(&mut content, &mut zip)?;
        count += 1;
    }
    let out = zip.finish().map_err(to_io)?;
    out.into_inner()
        .map_err(|error| error.into_error())?
        .sync_all()?;
    Ok(count)
}
