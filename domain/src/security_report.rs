//! Reporting unauthorized access (product.md §3): one action that ends every session of the
//! account (the reporting one too), records the moment (what happens afterwards is not the
//! user's doing), stops the old password from signing in, drops pending sign-ins and an
//! unconfirmed second-factor secret, keeps the events the user flagged as not theirs, and
//! opens an incident for the operator.
//!
//! The report hands nothing to the session that made it: that session may be the
//! intruder's. The password is then renewed signed out, with proof of ownership: the old
//! password, and the code when two-step verification is on (and, once contacts are
//! verified, a code sent to one of them). Renewal is throttled like a sign-in.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait, sea_query::Expr,
};

use crate::{
    entities::{account, account_event},
    history::{self, EventKind, NewEvent},
    inbox,
    incidents::{self, IncidentKind},
    password::{self, HashError, PasswordHasher, PasswordProblem},
    second_factor::{self, CodeOutcome},
    sessions,
    sign_in::{CheckError, check_password},
    throttle::{Throttle, Throttled},
};

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
    second_factor::challenge::close_challenges(&txn, report.account_id).await?;
    second_factor::enrolment::wipe_unconfirmed(&txn, report.account_id).await?;
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
        sessions_ended,
        flagged,
    })
}

/// What the renewal form sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Renewal<'a> {
    /// A PIN, an INN or an email, as at sign-in.
    pub identifier: &'a str,
    /// The password in use when the report was made.
    pub current_password: &'a str,
    /// The second factor's code (or a recovery code), when it is on.
    pub code: &'a str,
    pub new_password: &'a str,
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// Why a renewal was refused. Declared in the order of the form's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenewalProblem {
    /// The identifier or the current password is wrong (deliberately indistinguishable).
    CredentialsWrong,
    CodeMissing,
    CodeWrong,
    /// Too many wrong codes lately: every code is refused until then.
    Locked {
        until: DateTime<Utc>,
    },
    NewPassword(PasswordProblem),
    /// The old password (which someone else may know) cannot be the new one.
    SameAsOld,
    /// This account has no report waiting for a new password: sign in as usual.
    NotRequired,
}

impl From<CheckError> for RenewalError {
    fn from(error: CheckError) -> Self {
        match error {
            CheckError::Throttled(throttled) => Self::Throttled(throttled),
            CheckError::Hash(error) => Self::Hash(error),
            CheckError::Database(error) => Self::Database(error),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenewalError {
    #[error("the renewal was refused: {0:?}")]
    Invalid(RenewalProblem),
    #[error("too many attempts; retry at {}", .0.retry_at)]
    Throttled(Throttled),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Sets a new password after a report, on proof of ownership; the account can sign in
/// again with it.
pub async fn renew_password(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    renewal: &Renewal<'_>,
    now: DateTime<Utc>,
) -> Result<i64, RenewalError> {
    use RenewalProblem as P;
    let refuse = |problem| Err(RenewalError::Invalid(problem));
    if renewal.identifier.trim().is_empty() || renewal.current_password.is_empty() {
        return refuse(P::CredentialsWrong);
    }
    let checked = check_password(
        db,
        hasher,
        throttle,
        renewal.identifier,
        renewal.current_password,
        renewal.address,
        now,
    )
    .await?;
    let (account, matches, subject) = (checked.account.clone(), checked.matches, checked.subject());
    let Some(account) = account.filter(|_| matches) else {
        return refuse(P::CredentialsWrong);
    };
    if !account.must_renew_password {
        return refuse(P::NotRequired);
    }
    // The new password is checked before a code is spent: a typo in it must not use up a
    // recovery code.
    let identifiers = crate::accounts::identifiers(&account);
    password::check_new_password(renewal.new_password, &identifiers)
        .map_err(|problem| RenewalError::Invalid(P::NewPassword(problem)))?;
    if renewal.new_password == renewal.current_password {
        return refuse(P::SameAsOld);
    }
    if second_factor::is_on(db, account.id).await? {
        if renewal.code.trim().is_empty() {
            return refuse(P::CodeMissing);
        }
        match second_factor::spend_code(db, account.id, renewal.code, now).await? {
            CodeOutcome::Accepted => {}
            CodeOutcome::Wrong => return refuse(P::CodeWrong),
            CodeOutcome::Locked { until } => return refuse(P::Locked { until }),
        }
    }
    let hash = hasher.hash(renewal.new_password).await?;
    let txn = db.begin().await?;
    let renewed = account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Expr::value(hash))
        .col_expr(account::Column::MustRenewPassword, Expr::value(false))
        .filter(account::Column::Id.eq(account.id))
        .filter(account::Column::MustRenewPassword.eq(true))
        .exec(&txn)
        .await?;
    if renewed.rows_affected != 1 {
        // Renewed meanwhile by a parallel request.
        return refuse(P::NotRequired);
    }
    sessions::revoke_other_sessions(&txn, account.id, None, "password_renewed", now).await?;
    second_factor::challenge::close_challenges(&txn, account.id).await?;
    second_factor::enrolment::wipe_unconfirmed(&txn, account.id).await?;
    history::record(
        &txn,
        NewEvent::by_user(
            account.id,
            EventKind::PasswordChanged,
            renewal.address,
            renewal.user_agent,
            now,
        )
        .with_details(serde_json::json!({ "via": "renewal_after_report" })),
    )
    .await?;
    inbox::password_changed(&txn, account.id, now).await?;
    throttle.succeeded(&txn, subject).await?;
    txn.commit().await?;
    tracing::info!(account_id = account.id, "password renewed after a report");
    Ok(account.id)
}
