//! How many statements a page sends to the database. Each costs a round trip (a thread hop
//! on SQLite, the network on PostgreSQL) on every view of the page; the counts here are the
//! ceiling, so a page that starts asking twice, or once per row, fails.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use http::StatusCode;
use support::*;

#[tokio::test]
async fn pages_ask_the_database_a_bounded_number_of_questions() {
    let mut db = database().await;
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    db.set_metric_callback(move |info| sink.lock().unwrap().push(info.statement.sql.clone()));
    let app = portal(&db, false);
    let session = register(&app).await;
    // Version 1 of the agreement is in force from the first migration.

    // (page, signed in, the most statements it may send)
    let pages = [
        ("/?lang=en", false, 0),
        ("/agreement?lang=en", false, 1),
        ("/cabinet?lang=en", true, 7),
        ("/cabinet/history?lang=en", true, 5),
    ];
    let mut report = Vec::new();
    for (uri, signed_in, ceiling) in pages {
        let request = || {
            if signed_in {
                with_cookie(get(uri), &session)
            } else {
                get(uri)
            }
        };
        // Once to warm what is cached, then counted.
        assert_eq!(
            send(&app, request()).await.status(),
            StatusCode::OK,
            "{uri}"
        );
        log.lock().unwrap().clear();
        let response = send(&app, request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        let statements = std::mem::take(&mut *log.lock().unwrap());
        report.push(format!(
            "{uri}: {} statements (at most {ceiling})",
            statements.len()
        ));
        assert!(
            statements.len() <= ceiling,
            "{uri} sent {} statements, at most {ceiling} expected:\n{}",
            statements.len(),
            statements.join("\n")
        );
    }
    println!("{}", report.join("\n"));
}
