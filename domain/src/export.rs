//! "Export my data" (product.md §3): everything the portal holds about an account, as one
//! ZIP: `data.json` (profile, consents with their hashes, history, inbox, sessions, services,
//! documents' details) and every uploaded document under `documents/`. The archive is
//! written to a temporary file in the document store (an account may hold 200 MB), which
//! the caller streams and removes.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Timelike, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};

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

/// A finished archive: its temporary path (remove it after sending) and a file name.
#[derive(Debug)]
pub struct Export {
    pub path: PathBuf,
    pub file_name: String,
    pub documents: usize,
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
    let json = serde_json::to_vec_pretty(&json).map_err(std::io::Error::other)?;
    let written = tokio::task::spawn_blocking(move || write_zip(&target, &json, &files, now))
        .await
        .map_err(std::io::Error::other)?;
    let documents = match written {
        Ok(count) => count,
        Err(error) => {
            let _ = std::fs::remove_file(&path);
            return Err(error.into());
        }
    };
    history::record(
        db,
        who.event(EventKind::DataExported, now)
            .with_details(serde_json::json!({ "documents": documents })),
    )
    .await?;
    Ok(Export {
        path,
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

/// Writes a ZIP (stored, no compression: documents are mostly compressed already) with
/// `data.json` and each file whose content still matches its SHA-256. Returns how many
/// documents went in; a damaged or missing one is left out (the JSON still lists it).
fn write_zip(
    path: &Path,
    json: &[u8],
    files: &[(String, PathBuf, String)],
    now: DateTime<Utc>,
) -> std::io::Result<usize> {
    let mut zip = Zip::create(path, now)?;
    zip.add("data.json", json)?;
    let mut count = 0;
    for (name, source, sha256) in files {
        let Ok(content) = std::fs::read(source) else {
            continue;
        };
        if hex::encode(Sha256::digest(&content)) != *sha256 {
            continue;
        }
        zip.add(name, &content)?;
        count += 1;
    }
    zip.finish()?;
    Ok(count)
}

/// A minimal ZIP writer (stored entries, UTF-8 names).
struct Zip {
    out: std::io::BufWriter<std::fs::File>,
    central: Vec<u8>,
    entries: u16,
    dos_time: u16,
    dos_date: u16,
}

impl Zip {
    fn create(path: &Path, now: DateTime<Utc>) -> std::io::Result<Self> {
        let dos_time = u16::try_from((now.hour() << 11) | (now.minute() << 5) | (now.second() / 2))
            .unwrap_or_default();
        let year = u32::try_from(now.year() - 1980).unwrap_or_default();
        let dos_date =
            u16::try_from((year << 9) | (now.month() << 5) | now.day()).unwrap_or_default();
        Ok(Self {
            out: std::io::BufWriter::new(std::fs::File::create(path)?),
            central: Vec::new(),
            entries: 0,
            dos_time,
            dos_date,
        })
    }

    fn add(&mut self, name: &str, content: &[u8]) -> std::io::Result<()> {
        let offset = u32::try_from(self.out.stream_position()?).map_err(std::io::Error::other)?;
        let crc = crc32fast::hash(content);
        let size = u32::try_from(content.len()).map_err(std::io::Error::other)?;
        let name_len = u16::try_from(name.len()).map_err(std::io::Error::other)?;
        // Version 2.0, flag bit 11 (UTF-8 names), method 0 (stored).
        let common = |buffer: &mut Vec<u8>| {
            buffer.extend_from_slice(&20u16.to_le_bytes());
            buffer.extend_from_slice(&0x0800u16.to_le_bytes());
            buffer.extend_from_slice(&0u16.to_le_bytes());
            buffer.extend_from_slice(&self.dos_time.to_le_bytes());
            buffer.extend_from_slice(&self.dos_date.to_le_bytes());
            buffer.extend_from_slice(&crc.to_le_bytes());
            buffer.extend_from_slice(&size.to_le_bytes());
            buffer.extend_from_slice(&size.to_le_bytes());
            buffer.extend_from_slice(&name_len.to_le_bytes());
            buffer.extend_from_slice(&0u16.to_le_bytes());
        };
        let mut local = b"PK\x03\x04".to_vec();
        common(&mut local);
        local.extend_from_slice(name.as_bytes());
        self.out.write_all(&local)?;
        self.out.write_all(content)?;

        self.central.extend_from_slice(b"PK\x01\x02");
        self.central.extend_from_slice(&20u16.to_le_bytes());
        let mut entry = Vec::new();
        common(&mut entry);
        self.central.extend_from_slice(&entry);
        // Comment length, disk number, internal and external attributes, offset.
        self.central.extend_from_slice(&0u16.to_le_bytes());
        self.central.extend_from_slice(&0u16.to_le_bytes());
        self.central.extend_from_slice(&0u16.to_le_bytes());
        self.central.extend_from_slice(&0u32.to_le_bytes());
        self.central.extend_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(name.as_bytes());
        self.entries += 1;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        let start = u32::try_from(self.out.stream_position()?).map_err(std::io::Error::other)?;
        let length = u32::try_from(self.central.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&self.central)?;
        let mut end = b"PK\x05\x06".to_vec();
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&self.entries.to_le_bytes());
        end.extend_from_slice(&self.entries.to_le_bytes());
        end.extend_from_slice(&length.to_le_bytes());
        end.extend_from_slice(&start.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.out.write_all(&end)?;
        self.out.flush()?;
        self.out.get_ref().sync_all()
    }
}

/// Reads back the entries of an archive this module wrote: (name, content). For tests and
/// for checking an export.
pub fn read_zip(bytes: &[u8]) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not an archive of ours");
    let mut entries = Vec::new();
    let mut reader = std::io::Cursor::new(bytes);
    loop {
        let mut signature = [0u8; 4];
        reader.read_exact(&mut signature)?;
        if &signature != b"PK\x03\x04" {
            break;
        }
        let mut header = [0u8; 26];
        reader.read_exact(&mut header)?;
        let size = u32::from_le_bytes(header[14..18].try_into().map_err(|_| bad())?) as usize;
        let name_len = u16::from_le_bytes(header[22..24].try_into().map_err(|_| bad())?) as usize;
        let extra = u16::from_le_bytes(header[24..26].try_into().map_err(|_| bad())?) as usize;
        let mut name = vec![0u8; name_len];
        reader.read_exact(&mut name)?;
        reader.seek(std::io::SeekFrom::Current(
            i64::try_from(extra).map_err(|_| bad())?,
        ))?;
        let mut content = vec![0u8; size];
        reader.read_exact(&mut content)?;
        let expected = u32::from_le_bytes(header[10..14].try_into().map_err(|_| bad())?);
        if crc32fast::hash(&content) != expected {
            return Err(bad());
        }
        entries.push((String::from_utf8(name).map_err(|_| bad())?, content));
    }
    Ok(entries)
}
