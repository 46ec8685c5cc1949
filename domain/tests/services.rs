//! Services against real databases: use is recorded with first and last moments, stopping
//! makes the service refuse the account until resumed, both are in the history, and the
//! cabinet itself cannot be stopped this way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    DatabaseConnection,
    history::{self, Group, Requester},
    services::{self, ServiceError, Terminated},
    sessions::{SessionPolicy, start_session},
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

const STATE: &str = "residence-certificate";

fn who(account_id: i64) -> Requester<'static> {
    Requester {
        account_id,
        address: "198.51.100.7",
        user_agent: "Firefox",
    }
}

async fn a_stopped_service_refuses_the_account_until_resumed(db: &DatabaseConnection) {
    let account = support::account(db, "21503199000123").await.id;
    let other = support::account(db, "21503199000999").await.id;
    let catalog = services::catalog(db).await.unwrap();
    let codes: Vec<_> = catalog.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["cabinet", "feedback", STATE, "tax-statement"]);
    assert_eq!(catalog[2].kind, "state");

    start_session(db, account, "a", "b", t0(), SessionPolicy::default())
        .await
        .unwrap();
    services::record_use(db, account, STATE, t0() + Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    services::record_use(db, account, STATE, t0() + Duration::minutes(2))
        .await
        .unwrap()
        .unwrap();
    let links = services::links(db, account).await.unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].service_code, "cabinet");
    assert_eq!(links[1].first_used_at, t0() + Duration::minutes(1));
    assert_eq!(links[1].last_used_at, t0() + Duration::minutes(2));

    assert!(matches!(
        services::set_terminated(db, who(account), "cabinet", true, t0()).await,
        Err(ServiceError::NotTerminable)
    ));
    assert!(
        matches!(
            services::set_terminated(db, who(other), STATE, true, t0()).await,
            Err(ServiceError::NotFound)
        ),
        "another account never used it"
    );

    let stopped_at = t0() + Duration::minutes(3);
    assert!(
        services::set_terminated(db, who(account), STATE, true, stopped_at)
            .await
            .unwrap()
    );
    assert!(
        !services::set_terminated(db, who(account), STATE, true, stopped_at)
            .await
            .unwrap()
    );
    assert_eq!(
        services::record_use(db, account, STATE, t0() + Duration::minutes(4))
            .await
            .unwrap(),
        Err(Terminated { since: stopped_at })
    );
    assert_eq!(
        services::check(db, account, STATE).await.unwrap(),
        Err(Terminated { since: stopped_at })
    );
    // Only this account's link is affected.
    services::record_use(db, other, STATE, t0())
        .await
        .unwrap()
        .unwrap();

    assert!(
        services::set_terminated(db, who(account), STATE, false, t0() + Duration::minutes(5))
            .await
            .unwrap()
    );
    services::record_use(db, account, STATE, t0() + Duration::minutes(6))
        .await
        .unwrap()
        .unwrap();
    let kinds: Vec<_> = history::page(db, account, Some(Group::Consents), 1, 10)
        .await
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["service_resumed", "service_terminated"]);
}
on_both_databases!(
    termination,
    a_stopped_service_refuses_the_account_until_resumed
);
