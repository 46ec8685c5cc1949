//! The throttle's counters under parallel requests, on real databases: what one address
//! may do a minute is counted exactly, whatever arrives at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use domain::{
    DatabaseConnection,
    secret::ServerSecret,
    throttle::{AddressScope, Throttle},
};

/// `requests` attempts of one address at once, on two workers; how many were let through.
async fn let_through(db: &DatabaseConnection, limit: u64, requests: usize) -> usize {
    let throttle = Throttle::new(ServerSecret::random(), limit);
    let now = chrono::Utc::now();
    let attempts: Vec<_> = (0..requests)
        .map(|_| {
            let (db, throttle) = (db.clone(), throttle.clone());
            tokio::spawn(async move {
                throttle
                    .take_address(&db, AddressScope::Feedback, "198.51.100.1", now)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut allowed = 0;
    for attempt in attempts {
        if attempt.await.unwrap().is_ok() {
            allowed += 1;
        }
    }
    allowed
}

async fn an_address_gets_exactly_its_allowance_under_parallel_requests(db: &DatabaseConnection) {
    // Many at once, all within the allowance: none is refused for contention.
    assert_eq!(let_through(db, 1_000, 40).await, 40);
    // More at once than the allowance: exactly the allowance passes.
    assert_eq!(let_through(db, 20, 40).await, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_requests_are_counted_exactly_on_sqlite() {
    an_address_gets_exactly_its_allowance_under_parallel_requests(&support::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_requests_are_counted_exactly_on_postgres() {
    let pg = support::postgres().await;
    an_address_gets_exactly_its_allowance_under_parallel_requests(&pg.db).await;
    pg.drop().await;
}
