//! Deleting an account (product.md §4), by its owner or by the operator: one service, one
//! database transaction, then the files.
//!
//! Erased: the profile and contacts, the password hash, the second factor and recovery
//! codes, sessions, sign-in challenges and throttle records, renewal links, inbox, service
//! links, documents (rows in the transaction; files right after the commit, through a
//! durable removal queue that the next start-up finishes if the process stopped between).
//!
//! Kept, pseudonymized, for the configured retention period: the acceptance records (which
//! version, which wording, when) and the history events (which kind, when, by whom), both
//! under a new random pseudonym that only the receipt names; addresses, devices, details
//! (file names, changed fields) and the operator's free-text reasons are erased from them.
//!
//! Erased from the disk too, as far as the database allows: SQLite runs with
//! `secure_delete` (freed pages are zeroed) and the write-ahead log is checkpointed and
//! truncated after a deletion; PostgreSQL keeps deleted rows as dead tuples until VACUUM,
//! which the deletion runs on the tables it touched (the freed space is then reused; the
//! bytes stay in the data files and WAL segments until overwritten, so a deployment keeps
//! its volumes and backups encrypted). Incidents keep their kind and
//! reference; their details are replaced by the pseudonym. A receipt says what went and
//! what stayed, names the account only by its pseudonym, and can be shown to the user,
//! signed out, through a token only they receive, for [`RECEIPT_VIEWABLE`].
//!
//! A crash before the commit leaves the whole account; after it, the completed deletion
//! (plus files the next start-up removes).

use chrono::{DateTime, Datelike, Duration, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use crate::{
    documents::DocumentStore,
    entities::{
        acceptance_record, account, account_event, deletion_receipt, document, file_removal,
        form_draft, inbox_message, incident, recovery_code, second_factor, service_link, session,
        sign_in_challenge,
    },
    fault,
    history::{Actor, EventKind},
    password::{HashError, PasswordHasher},
    reauthentication::Reauthentication,
    second_factor::CodeOutcome,
    throttle::{self, Throttle, Throttled},
    tokens,
};

/// The tables a deletion deletes from or rewrites.
const TOUCHED_TABLES: &[&str] = &[
    "account",
    "session",
    "second_factor",
    "recovery_code",
    "sign_in_challenge",
    "service_link",
    "document",
    "inbox_message",
    "throttle",
    "form_draft",
    "acceptance_record",
    "account_event",
    "incident",
];

/// How long the user can open their receipt without a session.
pub const RECEIPT_VIEWABLE: Duration = Duration::hours(24);

/// How long the operator keeps the pseudonymized records, and on what basis.
#[derive(Clone, Debug)]
pub struct RetentionPolicy {
    pub retained_for: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            retained_for: Duration::days(5 * 365),
        }
    }
}

/// Who deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initiator<'a> {
    /// The account's owner, from the cabinet.
    User,
    /// The operator, with the reason the user is told.
    Operator { reason: &'a str },
}

/// What the owner typed to confirm.
#[derive(Clone, Copy, Debug)]
pub struct Confirmation<'a> {
    pub account_id: i64,
    /// The session asking (ended after too many wrong passwords or codes).
    pub session_id: i64,
    pub password: &'a str,
    /// The TOTP or recovery code, when the account has a second factor.
    pub code: &'a str,
    /// The final "I understand this cannot be undone" box.
    pub confirmed: bool,
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// Declared in the order of the form's fields, which is the order they are reported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeletionProblem {
    PasswordMissing,
    PasswordWrong,
    CodeMissing,
    CodeWrong,
    /// Too many wrong codes lately: every code is refused until then.
    CodeLocked {
        until: DateTime<Utc>,
    },
    NotConfirmed,
}

impl DeletionProblem {
    /// The form field the problem belongs to.
    pub fn field(self) -> &'static str {
        match self {
            Self::PasswordMissing | Self::PasswordWrong => "password",
            Self::CodeMissing | Self::CodeWrong | Self::CodeLocked { .. } => "code",
            Self::NotConfirmed => "confirm",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeletionError {
    #[error("the deletion was not confirmed: {0:?}")]
    Invalid(Vec<DeletionProblem>),
    #[error("too many attempts; retry at {}", .0.retry_at)]
    Throttled(Throttled),
    #[error("the account no longer exists")]
    NoAccount,
    #[error("too many wrong passwords or codes; the session was ended")]
    SessionEnded,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

crate::reauthentication::from_reauth_error!(DeletionError);

/// What a deletion erased, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    pub documents: u64,
    pub document_bytes: u64,
    pub messages: u64,
    pub sessions: u64,
    pub service_links: u64,
    pub second_factor: bool,
    pub recovery_codes: u64,
}

/// What a deletion kept, pseudonymized, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    pub acceptance_records: u64,
    pub history_events: u64,
    pub incidents: u64,
}

/// The deletion receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub reference: String,
    pub pseudonym: String,
    /// `user` or `operator`.
    pub initiator: String,
    pub reason: Option<String>,
    pub deleted_at: DateTime<Utc>,
    pub retain_until: DateTime<Utc>,
    pub erased: Erased,
    pub kept: Kept,
}

/// A completed deletion: the receipt and, for the owner, the token that shows it.
#[derive(Clone, Debug)]
pub struct Deleted {
    pub receipt: Receipt,
    pub token: Option<String>,
}

/// A new pseudonym for a deleted account's retained records: random, so that nothing a
/// backup or a log holds (the subject, an identifier) leads to them. Only the receipt,
/// which the owner keeps, names it.
fn new_pseudonym() -> String {
    format!("p-{}", tokens::random_hex(16))
}

/// Checks the owner's confirmation (the password and, with two-step verification on, a
/// code, each counted against the account when wrong, see `crate::reauthentication`) and
/// deletes the account.
pub async fn delete_own_account(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    store: &DocumentStore,
    confirmation: &Confirmation<'_>,
    retention: &RetentionPolicy,
    now: DateTime<Utc>,
) -> Result<Deleted, DeletionError> {
    use DeletionProblem as P;
    let account = account::Entity::find_by_id(confirmation.account_id)
        .one(db)
        .await?
        .ok_or(DeletionError::NoAccount)?;
    let mut problems = Vec::new();
    if confirmation.password.is_empty() {
        problems.push(P::PasswordMissing);
    }
    let code_due = crate::second_factor::is_on(db, account.id).await?;
    if code_due && confirmation.code.trim().is_empty() {
        problems.push(P::CodeMissing);
    }
    if !confirmation.confirmed {
        problems.push(P::NotConfirmed);
    }
    let reauth = Reauthentication::of(
        hasher,
        throttle,
        &account,
        confirmation.session_id,
        confirmation.address,
        confirmation.user_agent,
    );
    if !confirmation.password.is_empty() {
        if !reauth.password(db, confirmation.password, now).await? {
            problems.push(P::PasswordWrong);
        } else if code_due && confirmation.confirmed && !confirmation.code.trim().is_empty() {
            // Checked (and so spent) only when the deletion can go ahead: a recovery code
            // must not be used up by a form sent without its final tick.
            match reauth.code(db, confirmation.code, now).await? {
                CodeOutcome::Accepted => {}
                CodeOutcome::Wrong => problems.push(P::CodeWrong),
                CodeOutcome::Locked { until } => problems.push(P::CodeLocked { until }),
            }
        }
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(DeletionError::Invalid(problems));
    }
    erase(db, store, account.id, Initiator::User, retention, now).await
}

/// Deletes the account `account_id`: the database part in one transaction, then its files
/// (`NoAccount` if there is none). The operator's deletion calls this directly.
pub async fn erase(
    db: &DatabaseConnection,
    store: &DocumentStore,
    account_id: i64,
    initiator: Initiator<'_>,
    retention: &RetentionPolicy,
    now: DateTime<Utc>,
) -> Result<Deleted, DeletionError> {
    // Stored as PostgreSQL stores it, so the receipt reads back equal.
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    fault::point("deletion:begin");
    // Locked first (on PostgreSQL; SQLite has one writer at a time anyway): an upload in
    // flight locks the same row, so it lands before this deletion or is refused after it.
    let account = account::Entity::find_by_id(account_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(DeletionError::NoAccount)?;
    let pseudonym = new_pseudonym();

    // Documents: the rows go now, the files once this commits (queued durably).
    let documents = document::Entity::find()
        .filter(document::Column::AccountId.eq(account_id))
        .all(&txn)
        .await?;
    let mut erased = Erased {
        documents: documents.len() as u64,
        document_bytes: documents
            .iter()
            .map(|d| u64::try_from(d.size).unwrap_or(0))
            .sum(),
        ..Erased::default()
    };
    for stored in &documents {
        file_removal::Entity::insert(file_removal::ActiveModel {
            stored_name: Set(stored.stored_name.clone()),
            queued_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
    }
    document::Entity::delete_many()
        .filter(document::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?;
    fault::point("deletion:documents");

    erased.messages = inbox_message::Entity::delete_many()
        .filter(inbox_message::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?
        .rows_affected;
    erased.sessions = session::Entity::find()
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .count(&txn)
        .await?;
    let session_ids: Vec<i64> = session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(&txn)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?;
    erased.second_factor = second_factor::Entity::delete_many()
        .filter(second_factor::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    erased.recovery_codes = recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?
        .rows_affected;
    sign_in_challenge::Entity::delete_many()
        .filter(sign_in_challenge::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?;
    erased.service_links = service_link::Entity::delete_many()
        .filter(service_link::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?
        .rows_affected;
    throttle::forget_account(&txn, account_id).await?;
    form_draft::Entity::delete_many()
        .filter(form_draft::Column::SessionId.is_in(session_ids.clone()))
        .exec(&txn)
        .await?;
    fault::point("deletion:erased");

    // What is kept loses what identifies the person.
    let kept = Kept {
        acceptance_records: acceptance_record::Entity::update_many()
            .col_expr(acceptance_record::Column::Subject, Expr::value(&pseudonym))
            .col_expr(acceptance_record::Column::Address, Expr::value(""))
            .col_expr(acceptance_record::Column::UserAgent, Expr::value(""))
            .filter(acceptance_record::Column::Subject.eq(&account.subject))
            .exec(&txn)
            .await?
            .rows_affected,
        history_events: account_event::Entity::update_many()
            .col_expr(account_event::Column::AccountId, Expr::value(0_i64))
            .col_expr(account_event::Column::Pseudonym, Expr::value(&pseudonym))
            .col_expr(account_event::Column::Details, Expr::value("{}"))
            // The operator's free text may name the person.
            .col_expr(
                account_event::Column::Reason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(account_event::Column::Address, Expr::value(""))
            .col_expr(account_event::Column::UserAgent, Expr::value(""))
            .filter(account_event::Column::AccountId.eq(account_id))
            .exec(&txn)
            .await?
            .rows_affected,
        incidents: incident::Entity::update_many()
            .col_expr(
                incident::Column::AccountId,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(
                incident::Column::Details,
                Expr::value(serde_json::json!({ "pseudonym": pseudonym }).to_string()),
            )
            .filter(incident::Column::AccountId.eq(account_id))
            .exec(&txn)
            .await?
            .rows_affected,
    };
    fault::point("deletion:pseudonymized");

    account::Entity::delete_by_id(account_id).exec(&txn).await?;
    fault::point("deletion:account");

    let (actor, reason) = match initiator {
        Initiator::User => (Actor::User, None),
        Initiator::Operator { reason } => (Actor::Operator, Some(reason.to_owned())),
    };
    let reference = format!(
        "DEL-{}-{}",
        now.year(),
        tokens::random_hex(5).to_uppercase()
    );
    account_event::ActiveModel {
        account_id: Set(0),
        actor: Set(actor.as_str().to_owned()),
        kind: Set(EventKind::AccountDeleted.as_str().to_owned()),
        details: Set(serde_json::json!({ "receipt": reference }).to_string()),
        // The reason is the receipt's (the operator keeps it); the retained event stays
        // free of free text.
        reason: Set(None),
        address: Set(String::new()),
        user_agent: Set(String::new()),
        created_at: Set(now),
        pseudonym: Set(Some(pseudonym.clone())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let token = (initiator == Initiator::User).then(tokens::new_token);
    let receipt = Receipt {
        reference,
        pseudonym,
        initiator: actor.as_str().to_owned(),
        reason,
        deleted_at: now,
        retain_until: now + retention.retained_for,
        erased,
        kept,
    };
    deletion_receipt::ActiveModel {
        reference: Set(receipt.reference.clone()),
        pseudonym: Set(receipt.pseudonym.clone()),
        initiator: Set(receipt.initiator.clone()),
        reason: Set(receipt.reason.clone()),
        deleted_at: Set(now),
        retain_until: Set(receipt.retain_until),
        erased: Set(serde_json::to_string(&receipt.erased).unwrap_or_default()),
        kept: Set(serde_json::to_string(&receipt.kept).unwrap_or_default()),
        token_hash: Set(token.as_deref().map(tokens::hash)),
        viewable_until: Set(token.as_ref().map(|_| now + RECEIPT_VIEWABLE)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    fault::point("deletion:before_commit");
    txn.commit().await?;
    fault::point("deletion:committed");
    tracing::info!(reference = %receipt.reference, initiator = %receipt.initiator, "account deleted");

    remove_files(
        db,
        store,
        documents.iter().map(|d| d.stored_name.clone()).collect(),
    )
    .await;
    remove_exports(db, store).await;
    crate::database::scrub_freed_space(db, TOUCHED_TABLES).await;
    Ok(Deleted { receipt, token })
}

/// Removes queued files, then their queue entries. A file already gone is fine; one that
/// cannot be removed stays queued for the next start-up.
async fn remove_files(db: &DatabaseConnection, store: &DocumentStore, names: Vec<String>) {
    for name in names {
        match tokio::fs::remove_file(store.path_of(&name)).await {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::warn!(%error, "could not remove a deleted account's file");
                continue;
            }
        }
        fault::point("deletion:file_removed");
        if let Err(error) = file_removal::Entity::delete_by_id(name).exec(db).await {
            tracing::warn!(%error, "could not clear a file removal");
        }
    }
}

/// Finishes the removals a stopped process left queued; run at start-up. Returns how many
/// queue entries were processed.
pub async fn finish_file_removals(
    db: &DatabaseConnection,
    store: &DocumentStore,
) -> Result<usize, DbErr> {
    let queued: Vec<String> = file_removal::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.stored_name)
        .collect();
    let count = queued.len();
    if count > 0 {
        tracing::warn!(count, "finishing file removals of deleted accounts");
    }
    remove_files(db, store, queued).await;
    remove_exports(db, store).await;
    Ok(count)
}

/// Removes export archives still waiting in the store's temporary directory whose account
/// no longer exists (an export being downloaded when its account was deleted, or left by
/// a crash). Account ids are never reused, so the name says whose it was.
async fn remove_exports(db: &DatabaseConnection, store: &DocumentStore) {
    let Ok(mut entries) = tokio::fs::read_dir(store.root().join("tmp")).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(account_id) = crate::export::account_of_archive(&name) else {
            continue;
        };
        let exists = account::Entity::find_by_id(account_id).one(db).await;
        if matches!(exists, Ok(None))
            && let Err(error) = tokio::fs::remove_file(entry.path()).await
        {
            tracing::warn!(%error, "could not remove a deleted account's export");
        }
    }
}

fn receipt_of(row: deletion_receipt::Model) -> Receipt {
    Receipt {
        reference: row.reference,
        pseudonym: row.pseudonym,
        initiator: row.initiator,
        reason: row.reason,
        deleted_at: row.deleted_at,
        retain_until: row.retain_until,
        erased: serde_json::from_str(&row.erased).unwrap_or_default(),
        kept: serde_json::from_str(&row.kept).unwrap_or_default(),
    }
}

/// The receipt `token` shows, while it may still be shown.
pub async fn receipt_by_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Receipt>, DbErr> {
    if token.is_empty() {
        return Ok(None);
    }
    Ok(deletion_receipt::Entity::find()
        .filter(deletion_receipt::Column::TokenHash.eq(tokens::hash(token)))
        .filter(deletion_receipt::Column::ViewableUntil.gt(now))
        .one(db)
        .await?
        .map(receipt_of))
}

/// The receipt with this reference (for the operator).
pub async fn receipt_by_reference(
    db: &impl ConnectionTrait,
    reference: &str,
) -> Result<Option<Receipt>, DbErr> {
    Ok(deletion_receipt::Entity::find()
        .filter(deletion_receipt::Column::Reference.eq(reference))
        .one(db)
        .await?
        .map(receipt_of))
}

/// What the deletion page tells the owner before they decide: what there is to erase.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preview {
    pub documents: u64,
    pub messages: u64,
    pub sessions: u64,
    pub service_links: u64,
    pub second_factor: bool,
}

pub async fn preview(
    db: &impl ConnectionTrait,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<Preview, DbErr> {
    Ok(Preview {
        documents: document::Entity::find()
            .filter(document::Column::AccountId.eq(account_id))
            .count(db)
            .await?,
        messages: inbox_message::Entity::find()
            .filter(inbox_message::Column::AccountId.eq(account_id))
            .count(db)
            .await?,
        sessions: session::Entity::find()
            .filter(session::Column::AccountId.eq(account_id))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .count(db)
            .await?,
        service_links: service_link::Entity::find()
            .filter(service_link::Column::AccountId.eq(account_id))
            .count(db)
            .await?,
        second_factor: crate::second_factor::is_on(db, account_id).await?,
    })
}
