//! The access matrix: every server function and every route that takes an id is listed
//! here with what it needs, and each one that takes an id is tried with another account's
//! id. A new server function or parameterised route that is not listed fails the first
//! tests; one listed as taking an id without a probe fails the last.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use axum::Router;
use domain::entities::{account_event, document, inbox_message, incident, session};
use http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use support::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Anyone may call it; it holds nothing personal.
    Public,
    /// Signed in; reads or changes only the caller's own account, and takes no id.
    Own,
    /// Signed in and takes an id (or a code naming the caller's data): probed below.
    OwnId,
}

const SERVER_FUNCTIONS: [(&str, Access); 54] = [
    // Exit always works: signed out, it only forgets the cookie.
    ("account/exit", Access::Public),
    // The receipt cookie (random, HttpOnly, 24 hours) is the credential; a deleted account
    // has no session. Tested in the deletion tests.
    ("account/deleted/receipt", Access::Public),
    ("account/login-notice", Access::Public),
    ("account/register", Access::Public),
    ("account/register-draft", Access::Public),
    ("account/sign-in", Access::Public),
    ("account/sign-in-code", Access::Public),
    ("account/sign-in-code-due", Access::Public),
    ("account/sign-in-draft", Access::Public),
    ("agreement/accept", Access::Own),
    ("agreement/decline", Access::Own),
    ("agreement/diff", Access::Public),
    ("agreement/in-force", Access::Public),
    ("agreement/text", Access::Public),
    ("agreement/update", Access::Own),
    ("agreement/versions", Access::Public),
    ("cabinet/consents", Access::Own),
    ("cabinet/delete", Access::Own),
    ("cabinet/delete/overview", Access::Own),
    ("cabinet/documents", Access::Own),
    ("cabinet/documents/delete", Access::OwnId),
    ("cabinet/documents/one", Access::OwnId),
    ("cabinet/export/ready", Access::Own),
    ("cabinet/history", Access::Own),
    ("cabinet/inbox", Access::Own),
    ("cabinet/inbox/message", Access::OwnId),
    ("cabinet/inbox/open", Access::OwnId),
    ("cabinet/inbox/unread", Access::Own),
    ("cabinet/overview", Access::Own),
    ("cabinet/profile", Access::Own),
    ("cabinet/profile/contacts", Access::Own),
    ("cabinet/services", Access::Own),
    ("cabinet/services/set", Access::OwnId),
    ("dev/enabled", Access::Public),
    // A receipt by its reference shows only the reference and the date.
    ("feedback/confirmation", Access::Public),
    ("feedback/submit", Access::Public),
    ("feedback/take-draft", Access::Public),
    // Signed out after a report: the identifier, the old password and the code are the
    // credential, throttled like a sign-in; tested in the report tests.
    ("password/renew", Access::Public),
    ("password/renew-draft", Access::Public),
    ("security/change-password", Access::Own),
    ("security/end-other-sessions", Access::Own),
    ("security/end-session", Access::OwnId),
    ("security/report", Access::OwnId),
    ("security/report/events", Access::OwnId),
    ("security/sessions", Access::Own),
    ("security/two-factor", Access::Own),
    ("security/two-factor-on", Access::Own),
    ("security/two-factor/confirm", Access::Own),
    ("security/two-factor/start", Access::Own),
    ("security/two-factor/turn-off", Access::Own),
    // The catalog's code, not the caller's data: refused for a stopped account (tested).
    ("services/show", Access::Own),
    ("services/use", Access::Own),
    ("session/stay", Access::Own),
    ("session/time-left", Access::Own),
];

/// Pages whose address carries a parameter (as axum writes them), and the server's own
/// file routes.
const ROUTES: [(&str, Access); 8] = [
    ("/feedback/sent/{reference}", Access::Public),
    ("/agreement/versions/{version}", Access::Public),
    ("/cabinet/inbox/{id}", Access::OwnId),
    ("/cabinet/documents/{id}/delete", Access::OwnId),
    ("/services/{code}", Access::Own),
    ("/cabinet/documents/{id}/download", Access::OwnId),
    ("/cabinet/export/download", Access::Own),
    // The receipt cookie is the credential, as for its server function.
    ("/account/deleted/receipt.txt", Access::Public),
];

#[test]
fn every_server_function_is_in_the_matrix() {
    // Building the router registers every server function.
    let _ = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { portal(&database().await, false) });
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let listed: BTreeSet<String> = SERVER_FUNCTIONS
        .iter()
        .map(|(path, _)| (*path).to_owned())
        .collect();
    let unlisted: Vec<_> = registered.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&registered).collect();
    assert!(
        unlisted.is_empty(),
        "server functions missing from the matrix: {unlisted:?}"
    );
    assert!(gone.is_empty(), "listed but no longer registered: {gone:?}");
}

#[tokio::test]
async fn every_page_with_a_parameter_is_in_the_matrix() {
    let routes = leptos_axum::generate_route_list(app::App);
    let listed: BTreeSet<&str> = ROUTES.iter().map(|(path, _)| *path).collect();
    for route in routes {
        let path = route.path();
        if path.contains(':') || path.contains('{') || path.contains('*') {
            assert!(
                listed.contains(path),
                "a page with a parameter is missing from the matrix: {path}"
            );
        }
    }
}

/// What one account owns, for another to probe.
struct Owned {
    document: i64,
    message: i64,
    session: i64,
    event: i64,
}

async fn owned_by_first_account(db: &domain::DatabaseConnection, app: &Router) -> (String, Owned) {
    let owner = register(app).await;
    let uploaded = send(
        app,
        with_cookie(
            upload_post("document", "mine.pdf", b"%PDF-1.7\n%%EOF\n"),
            &owner,
        ),
    )
    .await;
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    let used = send(
        app,
        with_cookie(
            fetch_post("/api/services/use", "code=residence-certificate"),
            &owner,
        ),
    )
    .await;
    assert!(used.status().is_success(), "{:?}", used.status());
    let account = document::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .account_id;
    domain::inbox::send(
        db,
        account,
        domain::inbox::kinds::PASSWORD_CHANGED,
        serde_json::json!({}),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let owned = Owned {
        document: document::Entity::find().one(db).await.unwrap().unwrap().id,
        message: inbox_message::Entity::find()
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id,
        session: session::Entity::find()
            .filter(session::Column::AccountId.eq(account))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id,
        event: account_event::Entity::find()
            .filter(account_event::Column::AccountId.eq(account))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id,
    };
    (owner, owned)
}

/// Calls `path` as `intruder` with the owner's id and checks the refusal.
async fn probe(
    app: &Router,
    db: &domain::DatabaseConnection,
    intruder: &str,
    path: &str,
    owned: &Owned,
) {
    let call = |body: String| {
        let path = format!("/api/{path}");
        async move { send(app, with_cookie(fetch_post(&path, &body), intruder)).await }
    };
    match path {
        "cabinet/documents/delete" | "cabinet/documents/one" => {
            let response = call(format!("id={}", owned.document)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
        "cabinet/inbox/open" | "cabinet/inbox/message" => {
            let response = call(format!("id={}", owned.message)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
        "security/end-session" => {
            let response = call(format!("session_id={}", owned.session)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
        "cabinet/services/set" => {
            let response = call("code=residence-certificate&stop=1".into()).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
        "security/report/events" => {
            let response = call(format!("from_event={}", owned.event)).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body = body_text(response).await;
            assert!(
                !body.contains(&format!("\"id\":{},", owned.event)),
                "another account's event is not listed: {body}"
            );
        }
        "security/report" => {
            let response = call(format!("description=&flagged%5B0%5D={}", owned.event)).await;
            assert!(response.status().is_success() || response.status().is_redirection());
            let report = incident::Entity::find()
                .filter(incident::Column::Kind.eq("unauthorized_access"))
                .one(db)
                .await
                .unwrap()
                .unwrap();
            assert!(
                report.details.contains("\"flagged_events\":[]"),
                "another account's event is not flagged: {}",
                report.details
            );
        }
        other => panic!("no probe for the id-taking server function {other}"),
    }
}

async fn probe_route(app: &Router, intruder: &str, route: &str, owned: &Owned) {
    let uri = match route {
        "/cabinet/inbox/{id}" => format!("/cabinet/inbox/{}", owned.message),
        "/cabinet/documents/{id}/delete" => format!("/cabinet/documents/{}/delete", owned.document),
        "/cabinet/documents/{id}/download" => {
            format!("/cabinet/documents/{}/download", owned.document)
        }
        other => panic!("no probe for the id-taking route {other}"),
    };
    let response = send(app, with_cookie(route_request(route, &uri), intruder)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
}

/// The request a browser makes of `route` at `uri`: downloads are form posts (each is
/// recorded), pages are GETs.
fn route_request(route: &str, uri: &str) -> http::Request<axum::body::Body> {
    if route.ends_with("/download") {
        post(uri)
    } else {
        get(uri)
    }
}

#[tokio::test]
async fn another_accounts_ids_are_refused_everywhere() {
    let db = database().await;
    let app = portal(&db, false);
    let (owner, owned) = owned_by_first_account(&db, &app).await;
    let intruder = register_other(&app).await;

    for (route, access) in ROUTES {
        if access == Access::OwnId {
            probe_route(&app, &intruder, route, &owned).await;
        }
    }
    // The report ends the intruder's sessions, so it goes last.
    let mut functions: Vec<_> = SERVER_FUNCTIONS
        .iter()
        .filter(|(_, access)| *access == Access::OwnId)
        .map(|(path, _)| *path)
        .collect();
    functions.sort_by_key(|path| *path == "security/report");
    for path in functions {
        probe(&app, &db, &intruder, path, &owned).await;
    }

    // Everything of the owner's is intact and still theirs.
    assert!(
        document::Entity::find_by_id(owned.document)
            .one(&db)
            .await
            .unwrap()
            .is_some()
    );
    let message = inbox_message::Entity::find_by_id(owned.message)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.read_at, None);
    let overview = send(
        &app,
        with_cookie(fetch_post("/api/cabinet/overview", ""), &owner),
    )
    .await;
    assert_eq!(
        overview.status(),
        StatusCode::OK,
        "the owner's session survives"
    );
    let download = send(
        &app,
        with_cookie(
            post(&format!("/cabinet/documents/{}/download", owned.document)),
            &owner,
        ),
    )
    .await;
    assert_eq!(download.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_signed_in_function_refuses_a_signed_out_caller() {
    let db = database().await;
    let app = portal(&db, false);
    // Enough arguments for any of them, so that only the missing session can refuse.
    let body = "id=1&session_id=1&code=residence-certificate&from_event=1&version=1&page=1";
    for (path, access) in SERVER_FUNCTIONS {
        if access == Access::Public {
            continue;
        }
        let response = send(&app, fetch_post(&format!("/api/{path}"), body)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    for (route, access) in ROUTES {
        if access == Access::Public {
            continue;
        }
        let uri = route
            .replace("{id}", "1")
            .replace("{code}", "residence-certificate");
        let response = send(&app, route_request(route, &uri)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{uri}");
        assert!(
            header_of(&response, http::header::LOCATION).starts_with("/login?next="),
            "{uri}"
        );
    }
}
