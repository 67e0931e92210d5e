//! Public issuer documents: the OB 3.0 Profile and the did:web DID document of each
//! institution.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

use crate::http::error::ApiError;
use crate::http::state::AppState;

/// `GET /issuers/{slug}`: the OB 3.0 Profile.
pub async fn get_profile(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let snap = state.services.directory.snapshot().await?;
    let entry = snap.institutions.get(&slug).ok_or_else(|| ApiError::NotFound(format!("issuer '{slug}' not found")))?;
    let profile = state.services.directory.profile(entry);
    Ok(([(header::CONTENT_TYPE, "application/ld+json"), (header::CACHE_CONTROL, "public, max-age=300")], Json(profile)))
}

/// `GET /issuers/{slug}/did.json`: the DID document (every key, retired ones included).
pub async fn get_did_document(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let snap = state.services.directory.snapshot().await?;
    let entry = snap.institutions.get(&slug).ok_or_else(|| ApiError::NotFound(format!("issuer '{slug}' not found")))?;
    if entry.row.did_method == crate::crypto::did::DidMethod::Key {
        return Err(ApiError::NotFound(format!(
            "DID document of issuer '{slug}': it signs as {}, which resolves from itself",
            entry.did
        )));
    }
    Ok((
        [(header::CONTENT_TYPE, "application/did+json"), (header::CACHE_CONTROL, "public, max-age=300")],
        Json(entry.document.clone()),
    ))
}

/// `GET /issuers/registry.json`: the deployment's recognised institutions (never the
/// demo) in the Digital Credentials Consortium issuer-registry format
/// (`{meta, entries: {DID: {name, url, location}}}`), for VerifierPlus / Learner
/// Credential Wallet deployments that add it as a known registry.
pub async fn get_registry(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let snap = state.services.directory.snapshot().await?;
    let doc = crate::service::trust::TrustLists::dcc_registry(&snap.trust, state.services.clock.now());
    Ok(([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "public, max-age=300")], Json(doc)))
}
