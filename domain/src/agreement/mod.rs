//! The user agreement (product.md §2): versions with a text and a summary of changes per
//! language, publishing a new version, the append-only acceptance records, and the gate
//! that holds a user on the re-acceptance page until they answer the version in force.

pub mod diff;
pub mod document;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
    sea_query::{Expr, Query},
};
use sha2::{Digest, Sha256};

use crate::entities::{
    acceptance_record, account, agreement_text, agreement_version, inbox_message,
};
use crate::history::{self, EventKind, NewEvent};

/// Every version has a text in each of these languages.
pub const LANGUAGES: [&str; 3] = ["ky", "ru", "en"];

/// The operator's dates are Bishkek dates (UTC+6 all year).
const BISHKEK_SECONDS_EAST: i32 = 6 * 3600;

/// What an acceptance record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    AgreementAccepted,
    PdConsentGiven,
    AgreementDeclined,
    PdConsentWithdrawn,
}

impl RecordKind {
    pub const ALL: [Self; 4] = [
        Self::AgreementAccepted,
        Self::PdConsentGiven,
        Self::AgreementDeclined,
        Self::PdConsentWithdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgreementAccepted => "agreement_accepted",
            Self::PdConsentGiven => "pd_consent_given",
            Self::AgreementDeclined => "agreement_declined",
            Self::PdConsentWithdrawn => "pd_consent_withdrawn",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// The kinds that answer the same question (the agreement, or the consent): a record
    /// of one of them supersedes an earlier one of the other.
    fn family(self) -> [Self; 2] {
        match self {
            Self::AgreementAccepted | Self::AgreementDeclined => {
                [Self::AgreementAccepted, Self::AgreementDeclined]
            }
            Self::PdConsentGiven | Self::PdConsentWithdrawn => {
                [Self::PdConsentGiven, Self::PdConsentWithdrawn]
            }
        }
    }
}

/// One version's text in one language, as a user is shown it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementText {
    pub version: i32,
    pub language: String,
    pub title: String,
    pub body: String,
    /// What changed from the previous version, in plain words.
    pub summary: String,
    pub sha256: String,
}

/// A published version as the history lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSummary {
    pub version: i32,
    pub effective_from: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
    pub title: String,
    pub summary: String,
}

/// The hex SHA-256 of a text as stored.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn bishkek() -> FixedOffset {
    FixedOffset::east_opt(BISHKEK_SECONDS_EAST).unwrap_or_else(|| Utc.fix())
}

/// Today's date in Bishkek.
pub fn today_in_bishkek(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&bishkek()).date_naive()
}

/// The moment a version dated `date` takes effect: midnight in Bishkek.
pub fn start_of_day_in_bishkek(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN)
        .and_local_timezone(bishkek())
        .single()
        .map_or_else(|| date.and_time(NaiveTime::MIN).and_utc(), |t| t.to_utc())
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
            summary: row.summary,
            sha256: row.sha256,
        }))
}

/// One published version, if it exists.
pub async fn find_version(
    db: &impl ConnectionTrait,
    version: i32,
) -> Result<Option<agreement_version::Model>, DbErr> {
    agreement_version::Entity::find()
        .filter(agreement_version::Column::Version.eq(version))
        .one(db)
        .await
}

/// Every published version, newest first, with its title and summary in `language`
/// (including versions announced but not yet in effect).
pub async fn versions(
    db: &impl ConnectionTrait,
    language: &str,
) -> Result<Vec<VersionSummary>, DbErr> {
    let versions = agreement_version::Entity::find()
        .order_by_desc(agreement_version::Column::Version)
        .all(db)
        .await?;
    let texts: BTreeMap<i32, agreement_text::Model> = agreement_text::Entity::find()
        .filter(agreement_text::Column::Language.eq(language))
        .all(db)
        .await?
        .into_iter()
        .map(|text| (text.version, text))
        .collect();
    Ok(versions
        .into_iter()
        .map(|row| {
            let text = texts.get(&row.version);
            VersionSummary {
                version: row.version,
                effective_from: row.effective_from,
                published_at: row.published_at,
                title: text.map(|t| t.title.clone()).unwrap_or_default(),
                summary: text.map(|t| t.summary.clone()).unwrap_or_default(),
            }
        })
        .collect())
}

/// A new version as the operator hands it in: per language, the text and the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Publication {
    pub version: i32,
    /// The Bishkek date from which it is in force.
    pub effective: NaiveDate,
    pub texts: BTreeMap<String, String>,
    pub summaries: BTreeMap<String, String>,
}

/// Why a version cannot be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("no text in language {0} (every version needs ky, ru and en)")]
    MissingText(String),
    #[error("no summary of changes in language {0} (every version needs ky, ru and en)")]
    MissingSummary(String),
    #[error("unknown language {0} (the languages are ky, ru and en)")]
    UnknownLanguage(String),
    #[error("version {given} is not after the latest published version {latest}")]
    VersionNotAfter { given: i32, latest: i32 },
    #[error("the effective date {given} is in the past (today in Bishkek is {today})")]
    EffectiveInPast { given: NaiveDate, today: NaiveDate },
    #[error("the {language} text: {problem}")]
    Format {
        language: String,
        problem: document::FormatProblem,
    },
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The inbox message that announces a version: its parameters.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Announcement {
    pub version: i32,
    pub effective_from: DateTime<Utc>,
}

/// The versions announced in the account's newest `limit` inbox messages.
pub async fn announcements(
    db: &impl ConnectionTrait,
    account_id: i64,
    limit: u64,
) -> Result<Vec<Announcement>, DbErr> {
    Ok(crate::inbox::latest(db, account_id, limit)
        .await?
        .iter()
        .filter(|m| m.kind == crate::inbox::kinds::AGREEMENT_PUBLISHED)
        .filter_map(|m| serde_json::from_str(&m.params).ok())
        .collect())
}

/// What publishing did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub version: i32,
    pub effective_from: DateTime<Utc>,
    /// How many accounts were sent the announcement.
    pub notified: u64,
}

/// Checks and stores a new version, and announces it in every account's inbox, all in one
/// transaction: either everything is there or nothing is.
pub async fn publish(
    db: &DatabaseConnection,
    publication: &Publication,
    now: DateTime<Utc>,
) -> Result<Published, PublishError> {
    for language in publication.texts.keys().chain(publication.summaries.keys()) {
        if !LANGUAGES.contains(&language.as_str()) {
            return Err(PublishError::UnknownLanguage(language.clone()));
        }
    }
    let mut texts = Vec::new();
    for language in LANGUAGES {
        let text = publication
            .texts
            .get(language)
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| PublishError::MissingText(language.into()))?;
        let summary = publication
            .summaries
            .get(language)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| PublishError::MissingSummary(language.into()))?;
        let body = document::normalize(text);
        let parsed = document::parse(&body).map_err(|problem| PublishError::Format {
            language: language.into(),
            problem,
        })?;
        texts.push((language, parsed.title, body, summary.to_owned()));
    }
    let today = today_in_bishkek(now);
    if publication.effective < today {
        return Err(PublishError::EffectiveInPast {
            given: publication.effective,
            today,
        });
    }

    let txn = db.begin().await?;
    let latest = agreement_version::Entity::find()
        .order_by_desc(agreement_version::Column::Version)
        .one(&txn)
        .await?
        .map_or(0, |row| row.version);
    if publication.version <= latest {
        return Err(PublishError::VersionNotAfter {
            given: publication.version,
            latest,
        });
    }
    // Today's date means now: midnight has passed.
    let effective_from = start_of_day_in_bishkek(publication.effective).max(now);
    agreement_version::ActiveModel {
        version: Set(publication.version),
        effective_from: Set(effective_from),
        published_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (language, title, body, summary) in texts {
        agreement_text::ActiveModel {
            version: Set(publication.version),
            language: Set(language.to_owned()),
            title: Set(title),
            sha256: Set(sha256_hex(&body)),
            body: Set(body),
            summary: Set(summary),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let params = serde_json::to_string(&Announcement {
        version: publication.version,
        effective_from,
    })
    .map_err(|error| DbErr::Custom(error.to_string()))?;
    let announce = Query::insert()
        .into_table(inbox_message::Entity)
        .columns([
            inbox_message::Column::AccountId,
            inbox_message::Column::Kind,
            inbox_message::Column::Params,
            inbox_message::Column::CreatedAt,
        ])
        .select_from(
            Query::select()
                .column(account::Column::Id)
                .expr(Expr::val(crate::inbox::kinds::AGREEMENT_PUBLISHED))
                .expr(Expr::val(params))
                .expr(Expr::val(now))
                .from(account::Entity)
                .to_owned(),
        )
        .map_err(|error| DbErr::Custom(error.to_string()))?
        .to_owned();
    let notified = txn.execute(&announce).await?.rows_affected();
    txn.commit().await?;
    tracing::info!(
        version = publication.version,
        %effective_from,
        notified,
        "agreement version published"
    );
    Ok(Published {
        version: publication.version,
        effective_from,
        notified,
    })
}

/// A new acceptance record. Records are only ever inserted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    pub subject: String,
    pub kind: RecordKind,
    pub version: i32,
    pub language: String,
    pub text_sha256: String,
    pub wording: String,
    pub address: String,
    pub user_agent: String,
}

/// Appends a record; every field is cut to the length the record keeps.
pub async fn record(
    db: &impl ConnectionTrait,
    new: NewRecord,
    now: DateTime<Utc>,
) -> Result<acceptance_record::Model, DbErr> {
    use crate::validate::clip;
    acceptance_record::ActiveModel {
        subject: Set(new.subject),
        kind: Set(new.kind.as_str().to_owned()),
        agreement_version: Set(new.version),
        language: Set(clip(&new.language, 8)),
        text_sha256: Set(new.text_sha256),
        wording: Set(clip(&new.wording, 1_000)),
        recorded_at: Set(now),
        address: Set(clip(&new.address, 64)),
        user_agent: Set(clip(&new.user_agent, 512)),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The account's records, newest first.
pub async fn records_of(
    db: &impl ConnectionTrait,
    account_id: i64,
) -> Result<Vec<acceptance_record::Model>, DbErr> {
    acceptance_record::Entity::find()
        .filter(acceptance_record::Column::Subject.in_subquery(subject_of(account_id)))
        .order_by_desc(acceptance_record::Column::RecordedAt)
        .order_by_desc(acceptance_record::Column::Id)
        .all(db)
        .await
}

fn subject_of(account_id: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(account::Column::Subject)
        .from(account::Entity)
        .and_where(account::Column::Id.eq(account_id))
        .to_owned()
}

/// The latest version the account has accepted.
pub async fn last_accepted(
    db: &impl ConnectionTrait,
    account_id: i64,
) -> Result<Option<i32>, DbErr> {
    let latest: Option<Option<i32>> = acceptance_record::Entity::find()
        .select_only()
        .column_as(acceptance_record::Column::AgreementVersion.max(), "latest")
        .filter(acceptance_record::Column::Subject.in_subquery(subject_of(account_id)))
        .filter(acceptance_record::Column::Kind.eq(RecordKind::AgreementAccepted.as_str()))
        .into_tuple()
        .one(db)
        .await?;
    Ok(latest.flatten())
}

/// A version in force that the account has not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingAcceptance {
    pub version: i32,
    /// What the account accepted last, to compare with.
    pub last_accepted: Option<i32>,
}

/// The gate: `Some` while a version is in force that the account has not accepted (a
/// decline keeps it shut until the account accepts or is deleted).
pub async fn pending_acceptance(
    db: &impl ConnectionTrait,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<PendingAcceptance>, DbErr> {
    // One statement: the gate runs before every signed-in page and call.
    let in_force = Query::select()
        .column(agreement_version::Column::Version)
        .from(agreement_version::Entity)
        .and_where(agreement_version::Column::EffectiveFrom.lte(now))
        .order_by(agreement_version::Column::Version, sea_orm::Order::Desc)
        .limit(1)
        .to_owned();
    let accepted = Query::select()
        .expr(acceptance_record::Column::AgreementVersion.max())
        .from(acceptance_record::Entity)
        .and_where(acceptance_record::Column::Subject.in_subquery(subject_of(account_id)))
        .and_where(acceptance_record::Column::Kind.eq(RecordKind::AgreementAccepted.as_str()))
        .to_owned();
    let both = Query::select()
        .expr_as(Expr::SubQuery(None, Box::new(in_force.into())), "in_force")
        .expr_as(Expr::SubQuery(None, Box::new(accepted.into())), "accepted")
        .to_owned();
    let Some(row) = db
        .query_one_raw(db.get_database_backend().build(&both))
        .await?
    else {
        return Ok(None);
    };
    let Some(version) = row.try_get::<Option<i32>>("", "in_force")? else {
        return Ok(None);
    };
    let last_accepted = row.try_get::<Option<i32>>("", "accepted")?;
    Ok(
        (last_accepted < Some(version)).then_some(PendingAcceptance {
            version,
            last_accepted,
        }),
    )
}

/// A user's answer to the version in force, with what the page showed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub account_id: i64,
    pub version: i32,
    pub language: String,
    /// The hash of the text the page showed.
    pub text_sha256: String,
    /// The checkbox or button wording exactly as shown.
    pub wording: String,
    pub address: String,
    pub user_agent: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// Another version took effect while the page was open.
    #[error("version {shown} is no longer the one in force (now {in_force})")]
    NotInForce { shown: i32, in_force: i32 },
    /// The page's text is not the stored text of that version and language.
    #[error("the text shown does not match the stored text")]
    TextMismatch,
    #[error("the account does not exist")]
    NoAccount,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Records an answer to the version in force, with its history event, in one transaction.
/// Idempotent: when the account's latest answer to this version is already this one (a
/// second click, a resent form), that record is returned and nothing is added.
async fn answer(
    db: &DatabaseConnection,
    answer: &Answer,
    kind: RecordKind,
    now: DateTime<Utc>,
) -> Result<acceptance_record::Model, AnswerError> {
    let in_force = version_in_force(db, now).await?.unwrap_or_default();
    if answer.version != in_force {
        return Err(AnswerError::NotInForce {
            shown: answer.version,
            in_force,
        });
    }
    let text = text_of(db, answer.version, &answer.language)
        .await?
        .filter(|text| text.sha256 == answer.text_sha256)
        .ok_or(AnswerError::TextMismatch)?;
    let txn = db.begin().await?;
    // Locked: two answers of one account are recorded one after the other.
    let subject = account::Entity::find_by_id(answer.account_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AnswerError::NoAccount)?
        .subject;
    let latest = acceptance_record::Entity::find()
        .filter(acceptance_record::Column::Subject.eq(&subject))
        .filter(acceptance_record::Column::AgreementVersion.eq(text.version))
        .filter(acceptance_record::Column::Kind.is_in(kind.family().map(RecordKind::as_str)))
        .order_by_desc(acceptance_record::Column::Id)
        .one(&txn)
        .await?;
    if let Some(latest) = latest.filter(|latest| latest.kind == kind.as_str()) {
        txn.commit().await?;
        return Ok(latest);
    }
    history::record(
        &txn,
        NewEvent::by_user(
            answer.account_id,
            match kind {
                RecordKind::AgreementDeclined => EventKind::AgreementDeclined,
                _ => EventKind::AgreementAccepted,
            },
            &answer.address,
            &answer.user_agent,
            now,
        )
        .with_details(
            serde_json::json!({ "version": answer.version, "language": answer.language }),
        ),
    )
    .await?;
    let recorded = record(
        &txn,
        NewRecord {
            subject,
            kind,
            version: text.version,
            language: text.language,
            text_sha256: text.sha256,
            wording: answer.wording.clone(),
            address: answer.address.clone(),
            user_agent: answer.user_agent.clone(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(recorded)
}

/// Records that the user accepted the version in force; the gate opens.
pub async fn accept(
    db: &DatabaseConnection,
    given: &Answer,
    now: DateTime<Utc>,
) -> Result<acceptance_record::Model, AnswerError> {
    answer(db, given, RecordKind::AgreementAccepted, now).await
}

/// Records that the user declined the version in force; the gate stays shut, and the
/// account stays, so that its owner can come back to accept or to leave.
pub async fn decline(
    db: &DatabaseConnection,
    given: &Answer,
    now: DateTime<Utc>,
) -> Result<acceptance_record::Model, AnswerError> {
    answer(db, given, RecordKind::AgreementDeclined, now).await
}
