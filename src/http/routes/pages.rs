//! Server-rendered pages (filled in by the web module).

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::CredentialRow;

/// The verification page of a stored credential.
pub async fn credential_html(
    _state: &AppState,
    row: &CredentialRow,
    _headers: &HeaderMap,
) -> Result<Response, ApiError> {
    Ok(Html(format!("<!doctype html><title>{}</title>", row.public_id)).into_response())
}

/// Page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
