//! Incidents for the operator: things that went wrong with a user's data or account and
//! that a person must look at (product.md §5). Each has a reference the user can quote.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

use crate::entities::incident;

/// What kind of incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentKind {
    /// A stored file no longer matches the SHA-256 recorded at upload, or is missing.
    FileIntegrity,
    /// The user reported that someone else used their account.
    UnauthorizedAccess,
}

impl IncidentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FileIntegrity => "file_integrity",
            Self::UnauthorizedAccess => "unauthorized_access",
        }
    }
}

/// Opens an incident and returns its reference (`INC-<year>-<number>`).
pub async fn open(
    db: &impl ConnectionTrait,
    kind: IncidentKind,
    account_id: Option<i64>,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let inserted = incident::ActiveModel {
        reference: Set(None),
        kind: Set(kind.as_str().to_owned()),
        account_id: Set(account_id),
        details: Set(details.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let reference = format!("INC-{}-{:06}", now.year(), inserted.id);
    let mut numbered: incident::ActiveModel = inserted.into();
    numbered.reference = Set(Some(reference.clone()));
    numbered.update(db).await?;
    tracing::warn!(%reference, kind = kind.as_str(), "incident opened");
    Ok(reference)
}
