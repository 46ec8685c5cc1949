//! Throttling, stored in the database so that it holds across several server processes.
//!
//! - **Per address**, per kind of action ([`AddressScope`]): at most the configured number
//!   of attempts a minute.
//! - **Per account** (or, when no account answers to what was typed, per identifier as the
//!   sign-in lookup normalises it): after [`FREE_FAILURES`] consecutive failed passwords
//!   or codes, each further attempt waits twice as long as the one before, from 30 seconds
//!   up to 15 minutes; an hour without a failure forgets them. Every spelling of a PIN
//!   (`2-1503…`, `215031 99…`) and the account's email count together, because they name
//!   the same account.
//!
//! An attempt is **reserved before the work it guards** (the Argon2 verification) and
//! counted as a failure from that moment; only a completed success forgives it. So N
//! parallel attempts cannot all pass a check that each makes alone: every counter changes
//! by a compare-and-set on its row's version, and a reservation that loses the race reads
//! the row again.
//!
//! Keys are keyed digests ([`ServerSecret::keyed`]): the table holds no PIN, email or
//! address, and a copy of it cannot be tested against guesses.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use crate::{entities::throttle, secret::ServerSecret};

/// The default number of attempts one address may make a minute, per scope.
pub const ADDRESS_LIMIT: u64 = 20;
pub const ADDRESS_WINDOW: Duration = Duration::minutes(1);
/// Failed passwords or codes allowed before each attempt must wait.
pub const FREE_FAILURES: i32 = 5;
/// Failures are forgotten after this long without another.
pub const FAILURE_WINDOW: Duration = Duration::hours(1);
const FIRST_DELAY: Duration = Duration::seconds(30);
const LONGEST_DELAY: Duration = Duration::minutes(15);
/// Counters untouched this long are removed by [`purge`].
pub const KEPT_IDLE: Duration = Duration::days(1);
/// How often a reservation re-reads a row another process changed meanwhile before it
/// gives up (and refuses, which is the safe answer under such contention).
const CAS_ROUNDS: usize = 8;

/// The attempt must wait; the user is told when to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    pub retry_at: DateTime<Utc>,
}

/// What an address is attempting; each has its own allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressScope {
    /// Sign-in, its second step, registration, password renewal.
    SignIn,
    Feedback,
    /// Keeping a failed no-JavaScript form for its next render.
    Draft,
}

impl AddressScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Feedback => "feedback",
            Self::Draft => "draft",
        }
    }
}

/// Whose failures an attempt counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    Account(i64),
    /// What was typed, normalised as the sign-in lookup does, when no account answers.
    Identifier(&'a str),
    /// One signed-in session's own wrong answers (it ends after enough of them; failures
    /// of others on the same account do not end it).
    Session(i64),
}

/// A reserved attempt: how many failures are counted now, this attempt included, and what
/// [`Throttle::release`] needs to take it back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reserved {
    pub failures: i32,
    /// The latest failure before this attempt (its wait is counted from there).
    previous_at: DateTime<Utc>,
    at: DateTime<Utc>,
}

/// The throttle: the server's key and the per-address allowance. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Throttle {
    secret: ServerSecret,
    per_address: u64,
}

/// A counter as read, and the change decided on it.
#[derive(Clone, Copy, Debug)]
struct Counter {
    count: i32,
    window_start: DateTime<Utc>,
    last_at: DateTime<Utc>,
}

impl Throttle {
    pub fn new(secret: ServerSecret, per_address: u64) -> Self {
        Self {
            secret,
            per_address: Ord::max(per_address, 1),
        }
    }

    /// The server's key, for other keyed digests.
    pub fn secret(&self) -> &ServerSecret {
        &self.secret
    }

    fn address_key(&self, scope: AddressScope, address: &str) -> String {
        self.secret
            .keyed(&format!("throttle:address:{}", scope.as_str()), address)
    }

    fn subject_key(&self, subject: Subject<'_>) -> (String, &'static str, Option<i64>) {
        match subject {
            Subject::Account(id) => (
                self.secret.keyed("throttle:account", &id.to_string()),
                "account",
                Some(id),
            ),
            Subject::Identifier(typed) => (
                self.secret.keyed("throttle:identifier", typed),
                "identifier",
                None,
            ),
            Subject::Session(id) => (
                self.secret.keyed("throttle:session", &id.to_string()),
                "session",
                None,
            ),
        }
    }

    /// Counts an attempt of `address` in `scope`, or refuses it past the allowance. One
    /// conditional UPDATE decides and counts at once, so parallel requests from one address
    /// (an office behind one NAT) never fail for contention, and never pass together.
    pub async fn take_address(
        &self,
        db: &impl ConnectionTrait,
        scope: AddressScope,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<(), Throttled>, DbErr> {
        let key = self.address_key(scope, address);
        let limit = i32::try_from(self.per_address).unwrap_or(i32::MAX);
        let window_begins = now - ADDRESS_WINDOW;
        for _ in 0..CAS_ROUNDS {
            let current = throttle::Column::WindowStart.gt(window_begins);
            let counted = throttle::Entity::update_many()
                .col_expr(
                    throttle::Column::Count,
                    Expr::case(current.clone(), Expr::col(throttle::Column::Count).add(1))
                        .finally(1)
                        .into(),
                )
                .col_expr(
                    throttle::Column::WindowStart,
                    Expr::case(current, Expr::col(throttle::Column::WindowStart))
                        .finally(now)
                        .into(),
                )
                .col_expr(throttle::Column::LastAt, Expr::value(now))
                .col_expr(
                    throttle::Column::Version,
                    Expr::col(throttle::Column::Version).add(1),
                )
                .filter(throttle::Column::Key.eq(&key))
                .filter(
                    throttle::Column::WindowStart
                        .lte(window_begins)
                        .or(throttle::Column::Count.lt(limit)),
                )
                .exec(db)
                .await?;
            if counted.rows_affected == 1 {
                return Ok(Ok(()));
            }
            match throttle::Entity::find_by_id(key.clone()).one(db).await? {
                Some(row) if row.window_start > window_begins && row.count >= limit => {
                    return Ok(Err(Throttled {
                        retry_at: row.window_start + ADDRESS_WINDOW,
                    }));
                }
                // Made by a parallel request between the update and this read: again.
                Some(_) => {}
                // The address's first attempt: its counter is made, then counted.
                None => {
                    throttle::Entity::insert(throttle::ActiveModel {
                        key: Set(key.clone()),
                        scope: Set("address".to_owned()),
                        account_id: Set(None),
                        count: Set(0),
                        window_start: Set(now),
                        last_at: Set(now),
                        version: Set(0),
                    })
                    .on_conflict_do_nothing()
                    .exec_without_returning(db)
                    .await?;
                }
            }
        }
        Ok(Err(Throttled {
            retry_at: now + Duration::seconds(1),
        }))
    }

    /// Reserves a password or code attempt against `subject`: counted as a failure until
    /// [`Throttle::succeeded`] forgives it. Refused while the failures so far must wait.
    pub async fn reserve(
        &self,
        db: &impl ConnectionTrait,
        subject: Subject<'_>,
        now: DateTime<Utc>,
    ) -> Result<Result<Reserved, Throttled>, DbErr> {
        let (key, scope, account) = self.subject_key(subject);
        let decided = change(db, &key, scope, account, now, |counter| {
            let failures = effective_failures(counter, now);
            if let Some(retry_at) = wait_after(failures, counter.last_at)
                && now < retry_at
            {
                return Err(Throttled { retry_at });
            }
            Ok(Counter {
                count: failures + 1,
                // Kept for a release: the time of the latest failure before this attempt.
                window_start: counter.last_at,
                last_at: now,
            })
        })
        .await?;
        Ok(decided.map(|counter| Reserved {
            failures: counter.count,
            previous_at: counter.window_start,
            at: now,
        }))
    }

    /// Counts one failure of `subject`, whatever came before (no wait applies); returns the
    /// failures counted now.
    pub async fn add_failure(
        &self,
        db: &impl ConnectionTrait,
        subject: Subject<'_>,
        now: DateTime<Utc>,
    ) -> Result<i32, DbErr> {
        let (key, scope, account) = self.subject_key(subject);
        let counted = change(db, &key, scope, account, now, |counter| {
            Ok(Counter {
                count: effective_failures(counter, now) + 1,
                window_start: counter.last_at,
                last_at: now,
            })
        })
        .await?;
        // Only contention can refuse; then the count is at least what was read.
        Ok(counted.map_or(FREE_FAILURES, |counter| counter.count))
    }

    /// A completed success: the subject's failures are forgotten.
    pub async fn succeeded(
        &self,
        db: &impl ConnectionTrait,
        subject: Subject<'_>,
    ) -> Result<(), DbErr> {
        let (key, _, _) = self.subject_key(subject);
        throttle::Entity::update_many()
            .col_expr(throttle::Column::Count, Expr::value(0))
            .col_expr(
                throttle::Column::Version,
                Expr::col(throttle::Column::Version).add(1),
            )
            .filter(throttle::Column::Key.eq(key))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Takes back a reservation that was no failure: its work was never done (the hasher
    /// was too busy, the second factor locked), or it was right but not yet a success
    /// (the password of an account whose code is still due). The earlier failures stay,
    /// and so does the wait counted from the latest of them.
    pub async fn release(
        &self,
        db: &impl ConnectionTrait,
        subject: Subject<'_>,
        reserved: &Reserved,
    ) -> Result<(), DbErr> {
        let (key, _, _) = self.subject_key(subject);
        // Unless another attempt came since, the latest failure is the one before again.
        throttle::Entity::update_many()
            .col_expr(throttle::Column::LastAt, Expr::value(reserved.previous_at))
            .filter(throttle::Column::Key.eq(&key))
            .filter(throttle::Column::LastAt.eq(reserved.at))
            .exec(db)
            .await?;
        throttle::Entity::update_many()
            .col_expr(
                throttle::Column::Count,
                Expr::col(throttle::Column::Count).sub(1),
            )
            .col_expr(
                throttle::Column::Version,
                Expr::col(throttle::Column::Version).add(1),
            )
            .filter(throttle::Column::Key.eq(key))
            .filter(throttle::Column::Count.gt(0))
            .exec(db)
            .await?;
        Ok(())
    }

    /// The failures counted against `subject` now (what the next attempt would find).
    pub async fn failures(
        &self,
        db: &impl ConnectionTrait,
        subject: Subject<'_>,
        now: DateTime<Utc>,
    ) -> Result<i32, DbErr> {
        let (key, _, _) = self.subject_key(subject);
        Ok(throttle::Entity::find_by_id(key)
            .one(db)
            .await?
            .map_or(0, |row| effective_failures(&counter_of(&row), now)))
    }
}

fn counter_of(row: &throttle::Model) -> Counter {
    Counter {
        count: row.count,
        window_start: row.window_start,
        last_at: row.last_at,
    }
}

/// Failures still remembered at `now`.
fn effective_failures(counter: &Counter, now: DateTime<Utc>) -> i32 {
    if counter.last_at <= now - FAILURE_WINDOW {
        0
    } else {
        counter.count
    }
}

/// When the next attempt may come after `failures` failures, the latest at `last`.
fn wait_after(failures: i32, last: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = u32::try_from(failures - FREE_FAILURES).unwrap_or(0);
    let doublings = Ord::min(doublings, 10);
    Some(last + (FIRST_DELAY * 2_i32.pow(doublings)).min(LONGEST_DELAY))
}

/// Reads the counter `key` (made if missing), decides on it, and writes the decision only
/// if nobody changed the row meanwhile; otherwise reads again.
async fn change(
    db: &impl ConnectionTrait,
    key: &str,
    scope: &str,
    account_id: Option<i64>,
    now: DateTime<Utc>,
    decide: impl Fn(&Counter) -> Result<Counter, Throttled>,
) -> Result<Result<Counter, Throttled>, DbErr> {
    for _ in 0..CAS_ROUNDS {
        let Some(row) = throttle::Entity::find_by_id(key.to_owned()).one(db).await? else {
            throttle::Entity::insert(throttle::ActiveModel {
                key: Set(key.to_owned()),
                scope: Set(scope.to_owned()),
                account_id: Set(account_id),
                count: Set(0),
                window_start: Set(now),
                last_at: Set(now),
                version: Set(0),
            })
            .on_conflict_do_nothing()
            .exec_without_returning(db)
            .await?;
            continue;
        };
        let next = match decide(&counter_of(&row)) {
            Ok(next) => next,
            Err(throttled) => return Ok(Err(throttled)),
        };
        let written = throttle::Entity::update_many()
            .col_expr(throttle::Column::Count, Expr::value(next.count))
            .col_expr(
                throttle::Column::WindowStart,
                Expr::value(next.window_start),
            )
            .col_expr(throttle::Column::LastAt, Expr::value(next.last_at))
            .col_expr(throttle::Column::Version, Expr::value(row.version + 1))
            .filter(throttle::Column::Key.eq(key))
            .filter(throttle::Column::Version.eq(row.version))
            .exec(db)
            .await?;
        if written.rows_affected == 1 {
            return Ok(Ok(next));
        }
    }
    tracing::warn!(scope, "throttle counter contended; refusing this attempt");
    Ok(Err(Throttled {
        retry_at: now + Duration::seconds(1),
    }))
}

/// Removes counters untouched for [`KEPT_IDLE`].
pub async fn purge(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(throttle::Entity::delete_many()
        .filter(throttle::Column::LastAt.lt(now - KEPT_IDLE))
        .exec(db)
        .await?
        .rows_affected)
}

/// Removes the counters of a deleted account.
pub async fn forget_account(db: &impl ConnectionTrait, account_id: i64) -> Result<u64, DbErr> {
    Ok(throttle::Entity::delete_many()
        .filter(throttle::Column::AccountId.eq(account_id))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_thirty_seconds_to_fifteen_minutes() {
        let last = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(wait_after(4, last), None);
        assert_eq!(wait_after(5, last), Some(last + Duration::seconds(30)));
        assert_eq!(wait_after(6, last), Some(last + Duration::seconds(60)));
        assert_eq!(wait_after(9, last), Some(last + Duration::seconds(480)));
        assert_eq!(wait_after(10, last), Some(last + Duration::minutes(15)));
        assert_eq!(wait_after(40, last), Some(last + Duration::minutes(15)));
    }
}
