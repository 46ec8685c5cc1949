//! Reporting unauthorized access (product.md §3): one action that ends every session of the
//! account, records the moment (what happens afterwards is not the user's doing), stops the
//! old password from signing in, gives a one-time link to set a new one, keeps the events
//! the user flagged as not theirs, and opens an incident for the operator.
//!
//! Decision: the new password is set through a one-time link shown on screen right after
//! the report (valid for an hour), not by signing in with the old password: whoever else
//! knows the old password could otherwise be first to "renew" it.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait, sea_query::Expr,
};

use crate::{
    accounts::find_account,
    entities::{account, account_event, password_renewal},
    history::{self, EventKind, NewEvent},
    inbox,
    incidents::{self, IncidentKind},
    password::{self, HashError, PasswordHasher, PasswordProblem},
    sessions,
};

/// How long the renewal link works.
pub const RENEWAL_LIFETIME: Duration = Duration::hours(1);

/// The longest description of what happened.
pub const MAX_DESCRIPTION: usize = 2000;

/// At most this many events are offered for flagging.
pub const MAX_LISTED: u64 = 200;

/// The events the user is asked about: everything from the last sign-in before the
/// current session's own (or from `from_event`, the one they came from, if earlier),
/// newest first.
pub async fn events_to_review(
    db: &impl ConnectionTrait,
    account_id: i64,
    current_session_id: i64,
    from_event: Option<i64>,
) -> Result<Vec<account_event::Model>, DbErr> {
    let sign_ins = account_event::Entity::find()
        .filter(account_event::Column::AccountId.eq(account_id))
        .filter(account_event::Column::Kind.eq(EventKind::SignedIn.as_str()))
        .order_by_desc(account_event::Column::Id)
        .limit(10)
        .all(db)
        .await?;
    let own = format!("\"session_id\":{current_session_id}");
    let previous = sign_ins
        .iter()
        .find(|event| !event.details.contains(&own))
        .map(|event| event.id);
    // A "this wasn't me" link names its event; only the account's own count.
    let named = match from_event {
        Some(id) => account_event::Entity::find_by_id(id)
            .filter(account_event::Column::AccountId.eq(account_id))
            .one(db)
            .await?
            .map(|event| event.id),
        None => None,
    };
    let start = [previous, named].into_iter().flatten().min().unwrap_or(0);
    account_event::Entity::find()
        .filter(account_event::Column::AccountId.eq(account_id))
        .filter(account_event::Column::Id.gte(start))
        .order_by_desc(account_event::Column::Id)
        .limit(MAX_LISTED)
        .all(db)
        .await
}

/// What the user reports.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    pub account_id: i64,
    /// What happened, in the user's words (optional).
    pub description: &'a str,
    /// Events the user says were not theirs (others' ids are ignored).
    pub flagged: Vec<i64>,
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// What the report did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reported {
    /// The operator's incident, shown to the user.
    pub reference: String,
    /// For the one-time link to set a new password; never stored.
    pub renewal_token: String,
    pub sessions_ended: u64,
    pub flagged: Vec<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the description is longer than {MAX_DESCRIPTION} characters")]
    DescriptionTooLong,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Ends every session, stops the old password, records the report and opens an incident,
/// all at once.
pub async fn report(
    db: &DatabaseConnection,
    report: &Report<'_>,
    now: DateTime<Utc>,
) -> Result<Reported, ReportError> {
    let description = report.description.trim();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(ReportError::DescriptionTooLong);
    }
    let txn = db.begin().await?;
    let flagged: Vec<i64> = if report.flagged.is_empty() {
        Vec::new()
    } else {
        account_event::Entity::find()
            .select_only()
            .column(account_event::Column::Id)
            .filter(account_event::Column::AccountId.eq(report.account_id))
            .filter(account_event::Column::Id.is_in(report.flagged.clone()))
            .order_by_asc(account_event::Column::Id)
            .into_tuple()
            .all(&txn)
            .await?
    };
    let sessions_ended = sessions::revoke_other_sessions(
        &txn,
        report.account_id,
        None,
        "unauthorized_access_reported",
        now,
    )
    .await?;
    account::Entity::update_many()
        .col_expr(account::Column::MustRenewPassword, Expr::value(true))
        .filter(account::Column::Id.eq(report.account_id))
        .exec(&txn)
        .await?;
    password_renewal::Entity::delete_many()
        .filter(password_renewal::Column::AccountId.eq(report.account_id))
        .exec(&txn)
        .await?;
    let renewal_token = crate::tokens::new_token();
    password_renewal::ActiveModel {
        account_id: Set(report.account_id),
        token_hash: Set(crate::tokens::hash(&renewal_token)),
        created_at: Set(now),
        expires_at: Set(now + RENEWAL_LIFETIME),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let reference = incidents::open(
        &txn,
        IncidentKind::UnauthorizedAccess,
        Some(report.account_id),
        serde_json::json!({
            "description": description,
            "flagged_events": flagged,
            "sessions_ended": sessions_ended,
            "reported_from": report.address,
        }),
        now,
    )
    .await?;
    history::record(
        &txn,
        NewEvent::by_user(
            report.account_id,
            EventKind::UnauthorizedAccessReported,
            report.address,
            report.user_agent,
            now,
        )
        .with_details(serde_json::json!({
            "incident": reference,
            "flagged_events": flagged,
            "sessions_ended": sessions_ended,
        })),
    )
    .await?;
    txn.commit().await?;
    tracing::warn!(account_id = report.account_id, %reference, sessions_ended, "unauthorized access reported");
    Ok(Reported {
        reference,
        renewal_token,
        sessions_ended,
        flagged,
    })
}

/// The account a renewal token (unused, unexpired) belongs to.
pub async fn renewal_account(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    Ok(password_renewal::Entity::find()
        .filter(password_renewal::Column::TokenHash.eq(crate::tokens::hash(token)))
        .filter(password_renewal::Column::UsedAt.is_null())
        .filter(password_renewal::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(|renewal| renewal.account_id))
}

#[derive(Debug, thiserror::Error)]
pub enum RenewalError {
    /// Unknown, used or expired link.
    #[error("the link is not valid (any more)")]
    LinkInvalid,
    #[error("the new password is refused: {0:?}")]
    Invalid(PasswordProblem),
    /// The old password (which someone else may know) cannot be the new one.
    #[error("the new password is the old one")]
    SameAsOld,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Sets a new password through a renewal link; the account can sign in again with it.
pub async fn renew_password(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    token: &str,
    new_password: &str,
    address: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> Result<i64, RenewalError> {
    let account_id = renewal_account(db, token, now)
        .await?
        .ok_or(RenewalError::LinkInvalid)?;
    let account = find_account(db, account_id)
        .await?
        .ok_or(RenewalError::LinkInvalid)?;
    let identifiers = crate::accounts::identifiers(&account);
    password::check_new_password(new_password, &identifiers).map_err(RenewalError::Invalid)?;
    // The old password (which someone else may know) is not accepted as the new one.
    if hasher
        .verify(new_password, Some(&account.password_hash))
        .await?
    {
        return Err(RenewalError::SameAsOld);
    }
    let hash = hasher.hash(new_password).await?;
    let txn = db.begin().await?;
    let used = password_renewal::Entity::update_many()
        .col_expr(password_renewal::Column::UsedAt, Expr::value(now))
        .filter(password_renewal::Column::TokenHash.eq(crate::tokens::hash(token)))
        .filter(password_renewal::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(RenewalError::LinkInvalid);
    }
    account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Expr::value(hash))
        .col_expr(account::Column::MustRenewPassword, Expr::value(false))
        .filter(account::Column::Id.eq(account_id))
        .exec(&txn)
        .await?;
    history::record(
        &txn,
        NewEvent::by_user(
            account_id,
            EventKind::PasswordChanged,
            address,
            user_agent,
            now,
        )
        .with_details(serde_json::json!({ "via": "renewal_link" })),
    )
    .await?;
    inbox::password_changed(&txn, account_id, now).await?;
    txn.commit().await?;
    tracing::info!(account_id, "password renewed after a report");
    Ok(account_id)
}
