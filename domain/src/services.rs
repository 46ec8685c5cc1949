//! The services an account uses (product.md §3, Services): first and last use, and the
//! partial termination the agreement allows: the user may stop using the account for a
//! service, which then refuses the account until the user re-enables it. The cabinet itself
//! cannot be terminated this way (that is deleting the account).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait, sea_query::Expr,
};

use crate::{
    entities::{service, service_link},
    history::{self, EventKind, Requester},
};

/// The cabinet: used at every sign-in, never terminated separately.
pub const CABINET: &str = "cabinet";
pub const FEEDBACK: &str = "feedback";

/// The service refuses the account: the user stopped using it for this service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terminated {
    pub since: DateTime<Utc>,
}

/// The catalog, in order.
pub async fn catalog(db: &impl ConnectionTrait) -> Result<Vec<service::Model>, DbErr> {
    service::Entity::find()
        .order_by_asc(service::Column::Position)
        .all(db)
        .await
}

/// The catalog entry `code`, if any.
pub async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<service::Model>, DbErr> {
    service::Entity::find_by_id(code.to_owned()).one(db).await
}

/// The account's links to services.
pub async fn links(
    db: &impl ConnectionTrait,
    account_id: i64,
) -> Result<Vec<service_link::Model>, DbErr> {
    service_link::Entity::find()
        .filter(service_link::Column::AccountId.eq(account_id))
        .order_by_asc(service_link::Column::FirstUsedAt)
        .all(db)
        .await
}

async fn link(
    db: &impl ConnectionTrait,
    account_id: i64,
    code: &str,
) -> Result<Option<service_link::Model>, DbErr> {
    service_link::Entity::find()
        .filter(service_link::Column::AccountId.eq(account_id))
        .filter(service_link::Column::ServiceCode.eq(code))
        .one(db)
        .await
}

/// Records that the account used `code` now, unless the user stopped using the account for
/// it: then the service must refuse, and nothing is recorded.
pub async fn record_use(
    db: &impl ConnectionTrait,
    account_id: i64,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), Terminated>, DbErr> {
    match link(db, account_id, code).await? {
        Some(existing) => {
            if let Some(since) = existing.terminated_at {
                return Ok(Err(Terminated { since }));
            }
            service_link::Entity::update_many()
                .col_expr(service_link::Column::LastUsedAt, Expr::value(now))
                .filter(service_link::Column::Id.eq(existing.id))
                .exec(db)
                .await?;
        }
        None => {
            service_link::ActiveModel {
                account_id: Set(account_id),
                service_code: Set(code.to_owned()),
                first_used_at: Set(now),
                last_used_at: Set(now),
                terminated_at: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(Ok(()))
}

/// Whether the account may use `code` (not terminated).
pub async fn check(
    db: &impl ConnectionTrait,
    account_id: i64,
    code: &str,
) -> Result<Result<(), Terminated>, DbErr> {
    Ok(
        match link(db, account_id, code)
            .await?
            .and_then(|l| l.terminated_at)
        {
            Some(since) => Err(Terminated { since }),
            None => Ok(()),
        },
    )
}

/// Why a termination or resumption was refused.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such service, or one this account never used.
    #[error("no such service for this account")]
    NotFound,
    /// The cabinet is the account itself: leaving it is deleting the account.
    #[error("the cabinet cannot be terminated separately")]
    NotTerminable,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Stops (`stop == true`) or resumes using the account for `code`, and records it.
/// Returns whether anything changed.
pub async fn set_terminated(
    db: &DatabaseConnection,
    who: Requester<'_>,
    code: &str,
    stop: bool,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    if code == CABINET {
        return Err(ServiceError::NotTerminable);
    }
    let txn = db.begin().await?;
    let existing = link(&txn, who.account_id, code)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if existing.terminated_at.is_some() == stop {
        return Ok(false);
    }
    service_link::Entity::update_many()
        .col_expr(
            service_link::Column::TerminatedAt,
            Expr::value(stop.then_some(now)),
        )
        .filter(service_link::Column::Id.eq(existing.id))
        .exec(&txn)
        .await?;
    history::record(
        &txn,
        who.event(
            if stop {
                EventKind::ServiceTerminated
            } else {
                EventKind::ServiceResumed
            },
            now,
        )
        .with_details(serde_json::json!({ "name": code })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        account_id = who.account_id,
        code,
        stop,
        "service link changed"
    );
    Ok(true)
}
