//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::state::AppState;

/// `GET /healthz`: the process answers.
pub async fn get_health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers too.
pub async fn get_ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state.services.store.ping().await?;
    Ok(Json(json!({"status": "ready"})))
}
