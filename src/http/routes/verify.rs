//! `POST /api/v1/verify` (public): the verification report of a credential given as JSON
//! or as a compact JWT.

use axum::Json;
use axum::extract::{Request, State};

use crate::http::error::ApiError;
use crate::http::extract::{is_json, media_type, read_body};
use crate::http::state::AppState;
use crate::verify::{VerificationReport, VerifyContext, verify_text_with};

/// Verifies any credential text with our issuers' DID documents and the clock.
pub async fn verify_with(state: &AppState, text: String) -> Result<VerificationReport, ApiError> {
    let snap = state.services.directory.snapshot().await?;
    let clock = state.services.clock.clone();
    let status = state.status.clone();
    // Canonicalisation is CPU-bound: keep it off the async workers.
    crate::cpu::run(move |rt| {
        rt.block_on(verify_text_with(
            &text,
            VerifyContext { resolver: &snap.resolver, status: status.as_ref(), clock: clock.as_ref() },
        ))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("verification task failed: {e}")))
}

/// `POST /api/v1/verify`.
pub async fn verify_credential(
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<VerificationReport>, ApiError> {
    let media = media_type(req.headers()).unwrap_or_else(|| "application/json".into());
    let jwt = matches!(media.as_str(), "application/jwt" | "application/vc+jwt" | "text/plain");
    if !jwt && !is_json(&media) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the credential as application/json (or ld+json, vc+ld+json) or the JWT as application/jwt, not {media}"
        )));
    }
    let bytes = read_body(req, &state).await?;
    let text =
        String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::BadRequest("the body is not UTF-8 text".into()))?;
    if is_json(&media) {
        serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    }
    Ok(Json(verify_with(&state, text).await?))
}
