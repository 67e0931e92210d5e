//! W3C VC-API: `POST /credentials/issue` (institution API key), `POST /credentials/status`
//! (institution API key) and `POST /credentials/verify` (public), with the request and
//! response shapes and status codes of the VC-API specification.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::extract::{Caller, JsonBody};
use crate::http::state::AppState;
use crate::service::vcapi;
use crate::verify::CheckStatus;

/// `POST /credentials/issue`: `{credential, options}` → 201 `{verifiableCredential}`.
pub async fn issue_credential(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let slug = caller.institution()?;
    let vc = vcapi::issue(&state.services, slug, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({"verifiableCredential": vc}))))
}

/// `POST /credentials/status`: revoke, suspend or reinstate by credential id.
pub async fn update_status(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let slug = caller.institution()?;
    vcapi::update_status(&state.services, slug, &caller.1, &body).await?;
    Ok(StatusCode::OK)
}

/// `POST /credentials/verify`: `{verifiableCredential, options}` → 200 `{verified: true, …}`,
/// or 400 `{verified: false, …}` when it does not verify.
pub async fn verify_credential(State(state): State<AppState>, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let text = match body.get("verifiableCredential") {
        Some(Value::Object(_)) => body["verifiableCredential"].to_string(),
        Some(Value::String(jwt)) => jwt.clone(),
        _ => {
            return Err(ApiError::BadRequest(
                "verifiableCredential must be a credential object (or a VC-JWT string)".into(),
            ));
        }
    };
    let report = crate::http::routes::verify::verify_with(&state, text).await?;
    let checks: Vec<&str> = report.checks.iter_passed().map(|c| if c == "signature" { "proof" } else { c }).collect();
    let body = json!({
        "verified": report.valid,
        "checks": checks,
        "warnings": report.warnings,
        "errors": report.errors,
    });
    let status = if report.valid { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let _ = CheckStatus::Passed;
    Ok((status, Json(body)).into_response())
}
