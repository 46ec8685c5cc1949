//! The housekeeping every server runs on a timer (and once at start-up): expired form
//! drafts, sign-in challenges and throttle counters go, and upload files nobody committed
//! (a crash, a dropped connection that left one behind) are swept. Every step is
//! idempotent, so several servers running it at once do no harm.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::{
    documents::{self, DocumentStore, Swept},
    entities::sign_in_challenge,
    form_draft, throttle,
};

/// How old an uncommitted upload file must be before the sweep removes it (another
/// server's upload may still be in progress).
pub const UPLOAD_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// What one round removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tidied {
    pub drafts: u64,
    pub challenges: u64,
    pub throttle_counters: u64,
    pub files: Swept,
}

/// One round of housekeeping. A failing step is logged and the others still run.
pub async fn tidy(db: &DatabaseConnection, store: &DocumentStore, now: DateTime<Utc>) -> Tidied {
    let mut tidied = Tidied::default();
    match form_draft::purge(db, now).await {
        Ok(count) => tidied.drafts = count,
        Err(error) => tracing::warn!(%error, "could not purge expired drafts"),
    }
    match sign_in_challenge::Entity::delete_many()
        .filter(sign_in_challenge::Column::ExpiresAt.lt(now))
        .exec(db)
        .await
    {
        Ok(done) => tidied.challenges = done.rows_affected,
        Err(error) => tracing::warn!(%error, "could not purge expired sign-in challenges"),
    }
    match throttle::purge(db, now).await {
        Ok(count) => tidied.throttle_counters = count,
        Err(error) => tracing::warn!(%error, "could not purge idle throttle counters"),
    }
    let cutoff = std::time::SystemTime::from(now) - UPLOAD_GRACE;
    match documents::sweep(db, store, cutoff).await {
        Ok(swept) => tidied.files = swept,
        Err(error) => tracing::warn!(%error, "could not sweep the document store"),
    }
    tidied
}
