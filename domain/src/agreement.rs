//! The user agreement as registration needs it: the version in force and its text in a
//! language. Publishing, history and re-acceptance come with the agreement issue.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{agreement_text, agreement_version};

/// One version's text in one language, as a user is shown it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementText {
    pub version: i32,
    pub language: String,
    pub title: String,
    pub body: String,
    pub sha256: String,
}

/// The highest version whose effective date has come.
pub async fn version_in_force(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    Ok(agreement_version::Entity::find()
        .filter(agreement_version::Column::EffectiveFrom.lte(now))
        .order_by_desc(agreement_version::Column::Version)
        .one(db)
        .await?
        .map(|row| row.version))
}

/// The text of `version` in `language`.
pub async fn text_of(
    db: &impl ConnectionTrait,
    version: i32,
    language: &str,
) -> Result<Option<AgreementText>, DbErr> {
    Ok(agreement_text::Entity::find()
        .filter(agreement_text::Column::Version.eq(version))
        .filter(agreement_text::Column::Language.eq(language))
        .one(db)
        .await?
        .map(|row| AgreementText {
            version: row.version,
            language: row.language,
            title: row.title,
            body: row.body,
            sha256: row.sha256,
        }))
}
