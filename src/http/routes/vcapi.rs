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
use crate::http::routes::verify::ProofExpectations;
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

/// The VC-API verification `options` this verifier honours: `challenge` and `domain`
/// (compared with the proof's); `expectedProofPurpose` only as `assertionMethod`, the one
/// purpose a credential proof has; `checks` is accepted and every check runs. Other
/// options are refused rather than silently ignored.
fn expectations(options: Option<&Value>) -> Result<ProofExpectations, ApiError> {
    let Some(options) = options.filter(|o| !o.is_null()) else { return Ok(ProofExpectations::default()) };
    let Value::Object(o) = options else {
        return Err(ApiError::BadRequest("options must be an object".into()));
    };
    let text = |k: &str| -> Result<Option<String>, ApiError> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 1024 => Ok(Some(s.clone())),
            Some(_) => {
                Err(ApiError::BadRequest(format!("options.{k} must be a non-empty string of at most 1024 bytes")))
            }
        }
    };
    if let Some(k) =
        o.keys().find(|k| !matches!(k.as_str(), "challenge" | "domain" | "checks" | "expectedProofPurpose"))
    {
        return Err(ApiError::BadRequest(format!(
            "options.{} is not supported; this verifier takes options.challenge, options.domain, options.expectedProofPurpose and options.checks",
            k.chars().take(60).collect::<String>()
        )));
    }
    if let Some(p) = text("expectedProofPurpose")?
        && p != "assertionMethod"
    {
        return Err(ApiError::BadRequest(format!(
            "options.expectedProofPurpose '{}' cannot be met: a credential's proof is for assertionMethod",
            p.chars().take(60).collect::<String>()
        )));
    }
    Ok(ProofExpectations { domain: text("domain")?, challenge: text("challenge")? })
}

/// `POST /credentials/verify`: `{verifiableCredential, options}` → 200 `{verified: true, …}`,
/// or 400 `{verified: false, …}` when it does not verify.
pub async fn verify_credential(State(state): State<AppState>, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    if !body.is_object() {
        return Err(ApiError::BadRequest(format!(
            "the body is a JSON {}; send {{\"verifiableCredential\": …, \"options\": …}}",
            crate::verify::json_kind(&body)
        )));
    }
    let text = match body.get("verifiableCredential") {
        Some(Value::Object(_)) => body["verifiableCredential"].to_string(),
        // Only a compact VC-JWT travels as a string; a string that holds a JSON
        // credential is not one, and is not unpacked and verified as if it were.
        Some(Value::String(jwt)) if crate::crypto::jwt::looks_like_jwt(jwt) => jwt.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::BadRequest(
                "verifiableCredential is a string that is not a compact VC-JWT; send a credential as a JSON object"
                    .into(),
            ));
        }
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "verifiableCredential is a JSON {}; it must be a credential object (or a VC-JWT string)",
                crate::verify::json_kind(other)
            )));
        }
        None => return Err(ApiError::BadRequest("verifiableCredential is required".into())),
    };
    let expect = expectations(body.get("options"))?;
    let report = crate::http::routes::verify::verify_expecting(&state, text, expect).await?;
    let checks: Vec<&str> = report.checks.iter_passed().map(|c| if c == "signature" { "proof" } else { c }).collect();
    let body = json!({
        "verified": report.valid,
        "trusted": report.trusted,
        "issuer_trust": report.issuer_trust,
        "checks": checks,
        "warnings": report.warnings,
        "errors": report.errors,
    });
    let status = if report.valid { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let _ = CheckStatus::Passed;
    Ok((status, Json(body)).into_response())
}
