//! Sessions against real databases: lifetimes, revocation, and scoping by account.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    entities::{account, session},
    sessions::{
        Activity, SessionEnd, SessionPolicy, authenticate, check_session, list_sessions,
        revoke_other_sessions, revoke_session, start_session,
    },
};
use sea_orm::EntityTrait;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap()
}

async fn an_account(db: &DatabaseConnection, pin: &str) -> i64 {
    support::account(db, pin).await.id
}

async fn a_session_lives_until_idle_or_absolute_expiry(db: &DatabaseConnection) {
    let policy = SessionPolicy::default();
    let account = an_account(db, "21503199000123").await;
    let new = start_session(db, account, "198.51.100.4", "Firefox", t0(), policy)
        .await
        .unwrap();
    assert_eq!(new.token.len(), 64, "256 bits, hex");
    let stored = session::Entity::find_by_id(new.session_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, new.token, "only the hash is stored");

    let active = authenticate(db, &new.token, t0() + Duration::minutes(14), policy)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active.account_id, account);
    assert_eq!(
        active.idle_deadline,
        t0() + Duration::minutes(29),
        "activity extends the idle deadline"
    );

    // Active every 14 minutes, the session still ends after 12 hours.
    let mut at = t0() + Duration::minutes(14);
    while at < t0() + Duration::hours(12) - Duration::minutes(14) {
        at += Duration::minutes(14);
        assert!(
            authenticate(db, &new.token, at, policy)
                .await
                .unwrap()
                .is_ok(),
            "alive at {at}"
        );
    }
    assert_eq!(
        authenticate(db, &new.token, t0() + Duration::hours(12), policy)
            .await
            .unwrap(),
        Err(SessionEnd::LifetimeOver)
    );

    let idle = start_session(db, account, "198.51.100.4", "Firefox", t0(), policy)
        .await
        .unwrap();
    assert_eq!(
        authenticate(db, &idle.token, t0() + Duration::minutes(15), policy)
            .await
            .unwrap(),
        Err(SessionEnd::IdleTimeout)
    );
    assert_eq!(
        authenticate(db, "not-a-token", t0(), policy).await.unwrap(),
        Err(SessionEnd::Unknown)
    );
}
on_both_databases!(lifetimes, a_session_lives_until_idle_or_absolute_expiry);

async fn asking_the_time_left_is_not_activity_but_staying_is(db: &DatabaseConnection) {
    let policy = SessionPolicy::default();
    let account = an_account(db, "21503199000123").await;
    let new = start_session(db, account, "198.51.100.4", "Firefox", t0(), policy)
        .await
        .unwrap();
    let peek = |at| check_session(db, &new.token, at, policy, Activity::Peek);
    let peeked = peek(t0() + Duration::minutes(10)).await.unwrap().unwrap();
    assert_eq!(
        peeked.idle_deadline,
        t0() + Duration::minutes(15),
        "a peek does not extend"
    );
    assert_eq!(
        peek(t0() + Duration::minutes(15)).await.unwrap(),
        Err(SessionEnd::IdleTimeout),
        "peeking every few minutes does not keep the session alive"
    );

    let stay = start_session(db, account, "198.51.100.4", "Firefox", t0(), policy)
        .await
        .unwrap();
    let at = t0() + Duration::minutes(13) + Duration::seconds(10);
    let kept = check_session(db, &stay.token, at, policy, Activity::StayAlive)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.idle_deadline,
        at + Duration::minutes(15),
        "staying counts from now"
    );

    // A short idle timeout (as in the end-to-end tests) still sees every request.
    let short = SessionPolicy {
        idle_timeout: Duration::seconds(20),
        ..policy
    };
    let quick = start_session(db, account, "198.51.100.4", "Firefox", t0(), short)
        .await
        .unwrap();
    let mut at = t0();
    for _ in 0..6 {
        at += Duration::seconds(15);
        assert!(
            authenticate(db, &quick.token, at, short)
                .await
                .unwrap()
                .is_ok(),
            "alive at {at}"
        );
    }
}
on_both_databases!(
    peek_and_stay,
    asking_the_time_left_is_not_activity_but_staying_is
);

async fn sessions_are_listed_and_revoked_only_by_their_owner(db: &DatabaseConnection) {
    let policy = SessionPolicy::default();
    let mine = an_account(db, "21503199000123").await;
    let theirs = an_account(db, "11002198012345").await;
    let laptop = start_session(db, mine, "198.51.100.4", "Firefox", t0(), policy)
        .await
        .unwrap();
    let phone = start_session(
        db,
        mine,
        "198.51.100.9",
        "Android",
        t0() + Duration::minutes(1),
        policy,
    )
    .await
    .unwrap();
    let tablet = start_session(
        db,
        mine,
        "198.51.100.9",
        "iPad",
        t0() + Duration::minutes(2),
        policy,
    )
    .await
    .unwrap();
    let other = start_session(db, theirs, "192.0.2.1", "Chrome", t0(), policy)
        .await
        .unwrap();

    let now = t0() + Duration::minutes(3);
    let listed: Vec<String> = list_sessions(db, mine, now, policy)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.user_agent)
        .collect();
    assert_eq!(
        listed,
        ["iPad", "Android", "Firefox"],
        "most recent first, mine only"
    );

    assert!(
        !revoke_session(db, theirs, phone.session_id, "revoked", now)
            .await
            .unwrap(),
        "not theirs to end"
    );
    assert!(
        authenticate(db, &phone.token, now, policy)
            .await
            .unwrap()
            .is_ok()
    );
    assert!(
        revoke_session(db, mine, phone.session_id, "revoked", now)
            .await
            .unwrap()
    );
    assert_eq!(
        authenticate(db, &phone.token, now, policy).await.unwrap(),
        Err(SessionEnd::Revoked)
    );

    assert_eq!(
        revoke_other_sessions(db, mine, Some(laptop.session_id), "revoked_others", now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        authenticate(db, &tablet.token, now, policy).await.unwrap(),
        Err(SessionEnd::Revoked)
    );
    assert!(
        authenticate(db, &laptop.token, now, policy)
            .await
            .unwrap()
            .is_ok(),
        "this device stays"
    );
    assert!(
        authenticate(db, &other.token, now, policy)
            .await
            .unwrap()
            .is_ok(),
        "other accounts untouched"
    );

    assert_eq!(
        revoke_other_sessions(db, mine, None, "exit", now)
            .await
            .unwrap(),
        1
    );
    assert!(
        list_sessions(db, mine, now, policy)
            .await
            .unwrap()
            .is_empty()
    );
}
on_both_databases!(
    owner_scoped,
    sessions_are_listed_and_revoked_only_by_their_owner
);

async fn deleting_an_account_ends_its_sessions(db: &DatabaseConnection) {
    let policy = SessionPolicy::default();
    let account = an_account(db, "21503199000123").await;
    let new = start_session(db, account, "198.51.100.4", "Firefox", t0(), policy)
        .await
        .unwrap();
    account::Entity::delete_by_id(account)
        .exec(db)
        .await
        .unwrap();
    assert_eq!(
        authenticate(db, &new.token, t0(), policy).await.unwrap(),
        Err(SessionEnd::Unknown)
    );
}
on_both_databases!(cascade, deleting_an_account_ends_its_sessions);
