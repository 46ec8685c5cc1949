//! Opening the database (SQLite by default, PostgreSQL in production) and migrating it.

use std::{path::Path, time::Duration};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

use crate::migration::Migrator;

/// Why the database could not be opened, worded for the one line an operator reads at start-up.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got {scheme:?})")]
    UnsupportedScheme { scheme: String },
    #[error("cannot connect to the database: {0}")]
    Connect(DbErr),
    #[error("cannot migrate the database: {0}")]
    Migrate(DbErr),
}

/// The SQLite URL of the embedded default database inside `data_dir`.
pub fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("portal.db").display())
}

/// Connects to `url`. SQLite gets WAL journaling.
pub async fn connect(url: &str) -> Result<DatabaseConnection, OpenError> {
    let scheme = url.split(':').next().unwrap_or_default();
    if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
        return Err(OpenError::UnsupportedScheme {
            scheme: scheme.to_owned(),
        });
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    if scheme == "sqlite" {
        // Deleted content is overwritten with zeros, not merely marked free: a deleted
        // account's name must not stay readable in the file.
        options.map_sqlx_sqlite_opts(|sqlite| sqlite.pragma("secure_delete", "ON"));
    }
    if scheme == "sqlite" && url.contains(":memory:") {
        // Every pooled connection to :memory: would be a different, empty database.
        options.max_connections(1).min_connections(1);
    }
    let db = Database::connect(options)
        .await
        .map_err(OpenError::Connect)?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers work while a write commits; the mode is stored in the file, so
        // one connection sets it for all. (sqlx already enables foreign keys and a busy
        // timeout on every connection it opens.)
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .map_err(OpenError::Connect)?;
    }
    Ok(db)
}

/// Connects and applies every pending migration.
pub async fn open_and_migrate(url: &str) -> Result<DatabaseConnection, OpenError> {
    let db = connect(url).await?;
    migrate(&db).await.map_err(OpenError::Migrate)?;
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// After a deletion: makes the freed space of `tables` unreadable as far as the database
/// can. SQLite (with `secure_delete` on) has zeroed the pages in the database file; the old
/// pages still sit in the write-ahead log until a checkpoint copies the log back and
/// truncates it. PostgreSQL keeps deleted rows as dead tuples until VACUUM frees them for
/// reuse. Failures are logged: the deletion itself has committed.
pub async fn scrub_freed_space(db: &DatabaseConnection, tables: &[&str]) {
    match db.get_database_backend() {
        // Quick: done before the answer.
        DbBackend::Sqlite => scrub(db, "PRAGMA wal_checkpoint(TRUNCATE)".to_owned()).await,
        // May take a while on large tables: after the answer, in the background.
        DbBackend::Postgres => {
            let (db, statement) = (db.clone(), format!("VACUUM {}", tables.join(", ")));
            tokio::spawn(async move { scrub(&db, statement).await });
        }
        _ => {}
    }
}

async fn scrub(db: &DatabaseConnection, statement: String) {
    if let Err(error) = db.execute_unprepared(&statement).await {
        tracing::warn!(%error, "could not scrub the space a deletion freed");
    }
}

/// Whether the database answers a trivial query now.
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}
