//! The cabinet's documents (product.md §3): uploads checked by content, stored crash-safely,
//! verified against their SHA-256 before every download, kept until a retention date.
//!
//! Crash safety: an upload is written to `tmp/` under the store, fsynced, renamed to a
//! random name, the directory fsynced, and only then committed to the database in one
//! transaction with its history event. A crash before the commit leaves a file without a
//! row; no file without a row is ever listed, counted or served, and [`sweep`] removes such
//! orphans (and stale temporary files), at start-up and then periodically. An upload the
//! client abandons removes its temporary file when it is dropped. Deleting commits first
//! and removes the file afterwards, for the same reason.
//!
//! Memory and cores: a file goes to disk chunk by chunk as it arrives; its type
//! ([`FileType`], first bytes and ZIP directory) and SHA-256 are then read from the disk on
//! the blocking thread pool, never whole into memory and never on the async workers.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

mod file_type;

pub use file_type::FileType;

use crate::{
    entities::{account, document},
    history::{self, EventKind, NewEvent, Requester},
    inbox,
    incidents::{self, IncidentKind},
};

/// The sizes and the retention period the operator configures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentLimits {
    pub max_file_bytes: u64,
    pub max_account_bytes: u64,
    /// How many documents one account may hold.
    pub max_account_documents: u64,
    /// A document is kept this long after its upload.
    pub retention: Duration,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 20 * 1024 * 1024,
            max_account_bytes: 200 * 1024 * 1024,
            max_account_documents: 500,
            retention: Duration::days(5 * 365),
        }
    }
}

/// A point where tests make an upload fail as a crash would (nothing is cleaned up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// After the file is in place under its final name, before the database commit.
    BeforeCommit,
}

/// Where files live: `<root>/<stored name>`, and `<root>/tmp/` for uploads in progress.
#[derive(Clone, Debug)]
pub struct DocumentStore {
    root: PathBuf,
    pub limits: DocumentLimits,
    fault: Option<Fault>,
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("no file was chosen, or it is empty")]
    Empty,
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the account's documents would exceed {limit} bytes")]
    QuotaExceeded { limit: u64 },
    #[error("the account already holds {limit} documents")]
    TooMany { limit: u64 },
    #[error("the file is not a PDF, JPEG, PNG, DOCX, XLSX or ODT document")]
    UnsupportedType,
    /// The account was deleted while the file was on its way.
    #[error("the account no longer exists")]
    NoAccount,
    #[error("injected fault")]
    Injected,
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Why a download was refused.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// No such document for this account (whatever another account holds).
    #[error("no such document")]
    NotFound,
    /// The stored file does not match its hash (or is gone): an incident is open.
    #[error("the stored file failed its integrity check (incident {reference})")]
    Corrupted { reference: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl DocumentStore {
    pub fn new(root: impl Into<PathBuf>, limits: DocumentLimits) -> Self {
        Self {
            root: root.into(),
            limits,
            fault: None,
        }
    }

    /// For tests: fail at `fault` as a crash would.
    #[doc(hidden)]
    #[must_use]
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// The path of a stored file.
    pub fn path_of(&self, stored_name: &str) -> PathBuf {
        self.root.join(stored_name)
    }

    /// Creates the store's directories.
    pub async fn prepare(&self) -> std::io::Result<()> {
        tokio::fs::create_dir_all(self.temp_dir()).await
    }

    /// Starts an upload: a new temporary file.
    pub async fn begin(&self) -> Result<Upload, UploadError> {
        self.prepare().await?;
        let path = self.temp_dir().join(crate::tokens::random_hex(16));
        let file = tokio::fs::File::create(&path).await?;
        Ok(Upload {
            file: Some(file),
            path,
            size: 0,
            limit: self.limits.max_file_bytes,
            done: false,
        })
    }
}

/// An upload in progress: bytes go to a temporary file. Dropped before it is committed
/// (the client went away, the request failed), it removes that file.
#[derive(Debug)]
pub struct Upload {
    file: Option<tokio::fs::File>,
    path: PathBuf,
    size: u64,
    limit: u64,
    /// Committed (the file is a document's now) or deliberately left for a crash test.
    done: bool,
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.done {
            self.file = None;
            // A small unlink: no need to leave the thread for it.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Upload {
    /// Appends a chunk; refuses (and the caller should [`Upload::abort`]) past the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(UploadError::TooLarge { limit: self.limit });
        }
        if let Some(file) = self.file.as_mut() {
            file.write_all(chunk).await?;
        }
        Ok(())
    }

    /// Abandons the upload and removes its temporary file.
    pub async fn abort(mut self) {
        self.file = None;
        self.done = true;
        let _ = tokio::fs::remove_file(&self.path).await;
    }
}

/// The type and SHA-256 of the file at `path`, read from the disk on the blocking pool.
async fn inspect(path: &Path) -> std::io::Result<(Option<FileType>, String)> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let file_type = FileType::detect(std::io::BufReader::new(std::fs::File::open(&path)?))?;
        Ok((file_type, sha256_of_file_blocking(&path)?))
    })
    .await
    .map_err(std::io::Error::other)?
}

pub(crate) fn sha256_of_file_blocking(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The SHA-256 of the file at `path`, computed on the blocking pool.
async fn sha256_of_file(path: &Path) -> std::io::Result<String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || sha256_of_file_blocking(&path))
        .await
        .map_err(std::io::Error::other)?
}

/// Keeps a display name only: no directories, no control or bidi/format characters
/// (U+202E would show `fdp.exe` as `exe.pdf`), NFC, at most 255 characters.
pub fn display_name(original: &str) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
    // Control characters go without a trace (a line break inside a file name is noise).
    let visible: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = crate::validate::clip(&crate::validate::display_text(&visible), 255);
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "document".to_owned()
    } else {
        cleaned.to_owned()
    }
}

async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(std::io::Error::other)?
}

/// Stores a finished upload for `owner` under `original_name` (display only): checks its
/// type and the account's quota, puts the file in place, then commits the row and the
/// history event together.
pub async fn store(
    db: &DatabaseConnection,
    store: &DocumentStore,
    mut upload: Upload,
    owner: Requester<'_>,
    original_name: &str,
    now: DateTime<Utc>,
) -> Result<document::Model, UploadError> {
    let result = finish(db, store, &mut upload, owner, original_name, now).await;
    match &result {
        // Committed, or (a crash test) left as a crash leaves it.
        Ok(_) | Err(UploadError::Injected) => upload.done = true,
        // Refused, or failed before its commit: the file is no document's.
        Err(_) => upload.abort().await,
    }
    result
}

async fn finish(
    db: &DatabaseConnection,
    store: &DocumentStore,
    upload: &mut Upload,
    owner: Requester<'_>,
    original_name: &str,
    now: DateTime<Utc>,
) -> Result<document::Model, UploadError> {
    if let Some(mut file) = upload.file.take() {
        file.flush().await?;
        file.sync_all().await?;
    }
    if upload.size == 0 {
        return Err(UploadError::Empty);
    }
    let (file_type, sha256) = inspect(&upload.path).await?;
    let file_type = file_type.ok_or(UploadError::UnsupportedType)?;
    let size = upload.size;

    let txn = db.begin().await?;
    // The account row, locked (on PostgreSQL) for this transaction: a deletion locks it
    // first too, so an upload commits either before a deletion (which then erases it) or
    // after it (and is refused), never into a deleted account.
    account::Entity::find_by_id(owner.account_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(UploadError::NoAccount)?;
    let held = document::Entity::find()
        .filter(document::Column::AccountId.eq(owner.account_id))
        .count(&txn)
        .await?;
    if held >= store.limits.max_account_documents {
        return Err(UploadError::TooMany {
            limit: store.limits.max_account_documents,
        });
    }
    let used = used_bytes(&txn, owner.account_id).await?;
    if used + size > store.limits.max_account_bytes {
        return Err(UploadError::QuotaExceeded {
            limit: store.limits.max_account_bytes,
        });
    }
    let stored_name = crate::tokens::random_hex(16);
    let final_path = store.path_of(&stored_name);
    tokio::fs::rename(&upload.path, &final_path).await?;
    upload.path.clone_from(&final_path);
    // From here the file may become a document's (the commit may land even if this request
    // is dropped half-way): never removed by the drop; an explicit failure removes it, and
    // an orphan left by a crash goes with the sweep.
    upload.done = true;
    sync_dir(store.root()).await?;
    if store.fault == Some(Fault::BeforeCommit) {
        return Err(UploadError::Injected);
    }
    let name = display_name(original_name);
    let row = document::ActiveModel {
        account_id: Set(owner.account_id),
        stored_name: Set(stored_name),
        original_name: Set(name.clone()),
        media_type: Set(file_type.media_type().to_owned()),
        size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        sha256: Set(sha256),
        uploaded_at: Set(now),
        retain_until: Set(now + store.limits.retention),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    history::record(
        &txn,
        owner
            .event(EventKind::DocumentUploaded, now)
            .with_details(serde_json::json!({ "name": name, "size": size })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        account_id = owner.account_id,
        document_id = row.id,
        size,
        "document stored"
    );
    Ok(row)
}

/// Bytes stored for the account (committed documents only).
pub async fn used_bytes(db: &impl ConnectionTrait, account_id: i64) -> Result<u64, DbErr> {
    // Summed here: PostgreSQL's SUM(bigint) is a numeric, and an account holds few files.
    let sizes: Vec<i64> = document::Entity::find()
        .select_only()
        .column(document::Column::Size)
        .filter(document::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(sizes
        .into_iter()
        .map(|size| u64::try_from(size).unwrap_or(0))
        .sum())
}

/// How many documents the account holds and the earliest date one of them is kept until,
/// counted by the database (the cabinet's overview needs no list).
pub async fn summary(
    db: &impl ConnectionTrait,
    account_id: i64,
) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    let held = document::Entity::find()
        .filter(document::Column::AccountId.eq(account_id))
        .count(db)
        .await?;
    if held == 0 {
        return Ok((0, None));
    }
    let nearest = document::Entity::find()
        .select_only()
        .column(document::Column::RetainUntil)
        .filter(document::Column::AccountId.eq(account_id))
        .order_by_asc(document::Column::RetainUntil)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?;
    Ok((held, nearest))
}

/// The account's documents, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    account_id: i64,
) -> Result<Vec<document::Model>, DbErr> {
    document::Entity::find()
        .filter(document::Column::AccountId.eq(account_id))
        .order_by_desc(document::Column::UploadedAt)
        .order_by_desc(document::Column::Id)
        .all(db)
        .await
}

/// The account's document `id`, or `None` (also when it is another account's).
pub async fn find(
    db: &impl ConnectionTrait,
    account_id: i64,
    id: i64,
) -> Result<Option<document::Model>, DbErr> {
    document::Entity::find_by_id(id)
        .filter(document::Column::AccountId.eq(account_id))
        .one(db)
        .await
}

/// Checks the document's file against its SHA-256 and records the download; the caller
/// then streams the returned path. A mismatch (or a missing file) refuses the download,
/// opens an incident for the operator and tells the user in the history.
pub async fn open_for_download(
    db: &DatabaseConnection,
    store: &DocumentStore,
    owner: Requester<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(document::Model, PathBuf), DownloadError> {
    let document = find(db, owner.account_id, id)
        .await?
        .ok_or(DownloadError::NotFound)?;
    let path = store.path_of(&document.stored_name);
    let actual = match sha256_of_file(&path).await {
        Ok(hash) => Some(hash),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error.into()),
    };
    if actual.as_deref() != Some(document.sha256.as_str()) {
        let txn = db.begin().await?;
        let reference = incidents::open(
            &txn,
            IncidentKind::FileIntegrity,
            Some(owner.account_id),
            serde_json::json!({
                "document_id": document.id,
                "stored_name": document.stored_name,
                "expected_sha256": document.sha256,
                "actual_sha256": actual,
            }),
            now,
        )
        .await?;
        history::record(
            &txn,
            NewEvent {
                actor: history::Actor::System,
                ..owner.event(EventKind::DocumentIntegrityFailed, now)
            }
            .with_details(
                serde_json::json!({ "name": document.original_name, "incident": reference }),
            ),
        )
        .await?;
        inbox::send(
            &txn,
            owner.account_id,
            inbox::kinds::DOCUMENT_INTEGRITY,
            serde_json::json!({ "name": document.original_name, "incident": reference }),
            now,
        )
        .await?;
        txn.commit().await?;
        tracing::error!(document_id = document.id, %reference, "stored file failed its integrity check");
        return Err(DownloadError::Corrupted { reference });
    }
    history::record(
        db,
        owner
            .event(EventKind::DocumentDownloaded, now)
            .with_details(serde_json::json!({ "name": document.original_name })),
    )
    .await?;
    Ok((document, path))
}

/// Deletes the account's document `id`: the row and its history event commit first, then
/// the file goes. Returns whether there was such a document.
pub async fn delete(
    db: &DatabaseConnection,
    store: &DocumentStore,
    owner: Requester<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let Some(document) = find(&txn, owner.account_id, id).await? else {
        return Ok(false);
    };
    document::Entity::delete_by_id(document.id)
        .exec(&txn)
        .await?;
    history::record(
        &txn,
        owner
            .event(EventKind::DocumentDeleted, now)
            .with_details(serde_json::json!({ "name": document.original_name })),
    )
    .await?;
    txn.commit().await?;
    if let Err(error) = tokio::fs::remove_file(store.path_of(&document.stored_name)).await {
        // The row is gone, so the file is an orphan the next sweep removes.
        tracing::warn!(%error, "could not remove a deleted document's file");
    }
    Ok(true)
}

/// What a sweep removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub orphans: usize,
    pub temporary: usize,
}

/// Removes files that no committed document names, and temporary files, last modified
/// before `cutoff` (uploads in progress elsewhere are younger). Run at start-up and by the
/// maintenance job.
pub async fn sweep(
    db: &impl ConnectionTrait,
    store: &DocumentStore,
    cutoff: std::time::SystemTime,
) -> Result<Swept, UploadError> {
    store.prepare().await?;
    let mut swept = Swept::default();
    let old = |metadata: &std::fs::Metadata| metadata.modified().is_ok_and(|m| m < cutoff);
    let mut temporary = tokio::fs::read_dir(store.temp_dir()).await?;
    while let Some(entry) = temporary.next_entry().await? {
        if old(&entry.metadata().await?) {
            tokio::fs::remove_file(entry.path()).await?;
            swept.temporary += 1;
        }
    }
    let mut stored = tokio::fs::read_dir(store.root()).await?;
    while let Some(entry) = stored.next_entry().await? {
        let metadata = entry.metadata().await?;
        if !metadata.is_file() || !old(&metadata) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let known = document::Entity::find()
            .filter(document::Column::StoredName.eq(&name))
            .one(db)
            .await?
            .is_some();
        if !known {
            tokio::fs::remove_file(entry.path()).await?;
            swept.orphans += 1;
        }
    }
    if swept != Swept::default() {
        tracing::warn!(?swept, "removed files no document names");
    }
    Ok(swept)
}
