//! Liveness and readiness for load balancers and orchestrators.

use axum::{extract::State, http::StatusCode};

use crate::router::AppState;

/// `GET /healthz`: the process is up. Never touches the database.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 while the database answers, 503 when it does not.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if domain::database::is_ready(&state.context.db).await {
        (StatusCode::OK, "ready")
    } else {
        tracing::warn!("readiness check failed: the database does not answer");
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
