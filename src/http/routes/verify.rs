//! `POST /api/v1/verify` (public): the verification report of a credential given as JSON
//! or as a compact JWT.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};

use crate::http::error::ApiError;
use crate::http::extract::{is_json, media_type, read_body};
use crate::http::state::AppState;
use crate::service::status::PooledStatusLists;
use crate::status::check::StatusSource;
use crate::verify::{Expect, VerificationReport, VerifyContext, verify_text_with};

/// Verifies any credential text with our issuers' DID documents and the clock.
///
/// Canonicalisation is CPU-bound, so verification runs on the CPU pool; status lists of
/// other issuers are fetched here on the async runtime (never on a pool thread, which a
/// slow host could otherwise hold for the whole fetch timeout), then it runs once more.
pub async fn verify_with(state: &AppState, text: String) -> Result<VerificationReport, ApiError> {
    verify_expecting(state, text, ProofExpectations::default()).await
}

/// What a caller expects of the proof, owned (VC-API verification `options`).
#[derive(Debug, Clone, Default)]
pub struct ProofExpectations {
    /// Expected `domain`.
    pub domain: Option<String>,
    /// Expected `challenge`.
    pub challenge: Option<String>,
}

/// [`verify_with`], comparing the proof's `domain` and `challenge` with the expected ones.
pub async fn verify_expecting(
    state: &AppState,
    text: String,
    expect: ProofExpectations,
) -> Result<VerificationReport, ApiError> {
    let snap = state.services.directory.snapshot().await?;
    let s = &state.services;
    let (registry, resolver) = s.trust_lists.registry(&snap.trust, &snap.resolver, s.clock.as_ref()).await;
    let (mut registry, resolver) = (Arc::new(registry), Arc::new(resolver.unwrap_or_else(|| snap.resolver.clone())));
    crate::jsonld::remote::learn(&text, state.status.fetcher()).await;
    let mut fetched = HashMap::new();
    let mut round = 0;
    loop {
        let source = Arc::new(PooledStatusLists::new(state.status.clone(), fetched.clone()));
        let (text, clock, status) = (text.clone(), state.services.clock.clone(), source.clone());
        let (run_registry, resolver) = (registry.clone(), resolver.clone());
        let expect = expect.clone();
        let report = crate::cpu::run(move |rt| {
            let expect = Expect { domain: expect.domain.as_deref(), challenge: expect.challenge.as_deref() };
            rt.block_on(verify_text_with(
                &text,
                VerifyContext {
                    resolver: &resolver,
                    status: status.as_ref(),
                    clock: clock.as_ref(),
                    expect,
                    trust: &run_registry,
                },
            ))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("verification task failed: {e}")))?;
        if let Some(e) = report.errors.iter().find(|e| e.code == "verification.too_complex") {
            return Err(ApiError::TooComplex(e.message.clone()));
        }
        // Signed by a retired or compromised key of ours: the institution's records decide.
        if let Some((did, id)) = report.needs_record.clone()
            && registry.held().is_none()
        {
            let held = held_by(state, snap.slug_of(&did), &id).await?;
            registry = Arc::new(registry.as_ref().clone().with_held(held));
            continue;
        }
        let missing = source.missing();
        round += 1;
        if missing.is_empty() || round == 2 {
            return Ok(report);
        }
        for url in missing {
            let list = state.status.list(&url).await;
            fetched.insert(url, list);
        }
    }
}

/// The credential baked into a PNG or SVG badge image, or why there is none. Parsing an
/// image is CPU work on untrusted input: it runs on the CPU pool, never on the async
/// runtime (issue 27).
pub async fn unbaked(image: axum::body::Bytes) -> Result<String, ApiError> {
    crate::cpu::run(move |_| crate::bake::unbake(&image))
        .await
        .map_err(|e| ApiError::Internal(format!("reading the image failed: {e}")))?
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "cannot read a credential from the image: {e}; a baked badge holds it in an iTXt chunk 'openbadgecredential' (PNG) or an <openbadges:credential> element (SVG)"
            ))
        })
}

/// `POST /api/v1/verify`: JSON, a JWT, or a baked badge image (`image/png`,
/// `image/svg+xml`) whose first credential is verified.
pub async fn verify_credential(
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<VerificationReport>, ApiError> {
    let media = media_type(req.headers()).unwrap_or_else(|| "application/json".into());
    let jwt = matches!(media.as_str(), "application/jwt" | "application/vc+jwt" | "text/plain");
    let image = matches!(media.as_str(), "image/png" | "image/svg+xml");
    if !jwt && !image && !is_json(&media) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the credential as application/json (or ld+json, vc+ld+json), the JWT as application/jwt, or a baked badge as image/png or image/svg+xml, not {media}"
        )));
    }
    let bytes = read_body(req, &state).await?;
    if image {
        let text = unbaked(bytes).await?;
        return Ok(Json(verify_with(&state, text).await?));
    }
    let text =
        String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::BadRequest("the body is not UTF-8 text".into()))?;
    if is_json(&media) {
        let v = serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
        // A credential is a JSON object; JSON that merely holds one (a string, a list) is
        // not verified as if it were that credential.
        if !v.is_object() {
            return Err(ApiError::BadRequest(format!(
                "the body is a JSON {}, not a credential: send the credential as a JSON object (or a VC-JWT as application/jwt)",
                crate::verify::json_kind(&v)
            )));
        }
    }
    Ok(Json(verify_with(&state, text).await?))
}

/// What the institution `slug` holds under credential id `id`: the signatures of the
/// stored credential (its Data Integrity `proofValue` and its JWT's signature).
async fn held_by(state: &AppState, slug: Option<&str>, id: &str) -> Result<crate::trust::Held, ApiError> {
    let mut held = crate::trust::Held::default();
    let Some(slug) = slug else { return Ok(held) };
    if let Some(row) =
        state.services.store.get_credential_by_id(slug, id).await.map_err(crate::service::ServiceError::from)?
    {
        let mut signatures = Vec::new();
        if let Some(p) = serde_json::from_str::<serde_json::Value>(&row.ldp).ok().and_then(|c| {
            let proof = c.get("proof")?;
            let proof = proof.as_array().and_then(|a| a.first()).unwrap_or(proof);
            proof.get("proofValue")?.as_str().map(str::to_owned)
        }) {
            signatures.push(p);
        }
        if let Some(sig) = row.jwt.rsplit('.').next().filter(|s| !s.is_empty()) {
            signatures.push(sig.to_owned());
        }
        held.signatures.insert(id.to_owned(), signatures);
    }
    Ok(held)
}
