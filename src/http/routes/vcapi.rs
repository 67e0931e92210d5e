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
    expectations_for(options, "assertionMethod", "a credential's proof is for assertionMethod")
}

fn expectations_for(options: Option<&Value>, purpose: &str, why: &str) -> Result<ProofExpectations, ApiError> {
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
        && p != purpose
    {
        return Err(ApiError::BadRequest(format!(
            "options.expectedProofPurpose '{}' cannot be met: {why}",
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

/// The most credentials one presentation may carry.
pub const MAX_PRESENTED: usize = 10;

/// Whether a presented credential is an `EnvelopedVerifiableCredential` (VC 2.0 §4.13.1:
/// a credential secured by an enveloping proof, carried as a `data:` URL in `id`).
fn is_enveloped(o: &serde_json::Map<String, Value>) -> bool {
    match o.get("type") {
        Some(Value::String(t)) => t == "EnvelopedVerifiableCredential",
        Some(Value::Array(a)) => a.iter().any(|t| t == "EnvelopedVerifiableCredential"),
        _ => false,
    }
}

/// The VC-JWT inside an `EnvelopedVerifiableCredential`: its `id` is
/// `data:application/vc+jwt,<compact JWS>` (VC-JOSE-COSE; the earlier media types
/// `application/vc-ld+jwt` and `application/jwt` are read too).
fn enveloped_jwt(o: &serde_json::Map<String, Value>) -> Result<String, ApiError> {
    let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
    let Some((media, data)) = id.strip_prefix("data:").and_then(|rest| rest.split_once(',')) else {
        return Err(ApiError::BadRequest(
            "an EnvelopedVerifiableCredential carries its credential in id as a data: URL, e.g. data:application/vc+jwt,eyJ…".into(),
        ));
    };
    let mut parts = media.split(';');
    let media = parts.next().unwrap_or_default();
    // RFC 2397: `;base64` means the data is base64 of the content, not the content.
    let base64 = parts.any(|p| p.trim().eq_ignore_ascii_case("base64"));
    if !matches!(media, "application/vc+jwt" | "application/vc-ld+jwt" | "application/jwt") {
        return Err(ApiError::BadRequest(format!(
            "an EnvelopedVerifiableCredential of media type '{}' cannot be verified; application/vc+jwt can",
            media.chars().take(60).collect::<String>()
        )));
    }
    let data = if base64 {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "the EnvelopedVerifiableCredential's data: URL says ;base64 but its data is not base64 of a text"
                        .into(),
                )
            })?
    } else {
        data.to_owned()
    };
    if !crate::crypto::jwt::looks_like_jwt(&data) {
        return Err(ApiError::BadRequest(
            "the EnvelopedVerifiableCredential's data: URL does not hold a compact JWT".into(),
        ));
    }
    Ok(data)
}

/// `POST /presentations/verify`: `{verifiablePresentation, options}` → 200
/// `{verified: true, presentationResult, credentialResults}` or 400 `{verified: false, …}`.
/// The presentation's proof is checked for `authentication`, with `options.challenge` and
/// `options.domain`; every embedded credential (object, VC-JWT string, or
/// `EnvelopedVerifiableCredential` holding a VC-JWT) is verified as a credential; all must pass.
pub async fn verify_presentation(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let Some(vp) = body.get("verifiablePresentation").filter(|v| v.is_object()).cloned() else {
        return Err(ApiError::BadRequest("verifiablePresentation must be a presentation object".into()));
    };
    let expect =
        expectations_for(body.get("options"), "authentication", "a presentation's proof is for authentication")?;
    let credentials: Vec<Value> = match vp.get("verifiableCredential") {
        None => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
    };
    if credentials.len() > MAX_PRESENTED {
        return Err(ApiError::BadRequest(format!(
            "the presentation carries {} credentials; at most {MAX_PRESENTED} are verified in one request",
            credentials.len()
        )));
    }
    crate::jsonld::remote::learn(&vp.to_string(), state.status.fetcher()).await;
    let snap = state.services.directory.snapshot().await?;
    let (resolver, clock) = (snap.resolver.clone(), state.services.clock.clone());
    let (vp_doc, exp) = (vp.clone(), expect.clone());
    let presentation = crate::cpu::run(move |rt| {
        let expect = crate::verify::Expect { domain: exp.domain.as_deref(), challenge: exp.challenge.as_deref() };
        let budget = ssi::rdf::urdna2015::WorkBudget::begin(crate::verify::CANONICALISATION_BUDGET);
        let ctx =
            crate::verify::VerifyContext { expect, ..crate::verify::VerifyContext::offline(&resolver, clock.as_ref()) };
        let r = rt.block_on(crate::verify::verify_presentation_proof(&vp_doc, ctx));
        (r, budget.exceeded())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("verification task failed: {e}")))?;
    let (mut presentation, too_complex) = presentation;
    if too_complex {
        return Err(ApiError::TooComplex("canonicalising this presentation needs too many RDFC-1.0 steps".into()));
    }
    let mut results = Vec::with_capacity(credentials.len());
    for c in credentials {
        let text = match c {
            Value::Object(o) if is_enveloped(&o) => enveloped_jwt(&o)?,
            Value::Object(_) => c.to_string(),
            Value::String(jwt) if crate::crypto::jwt::looks_like_jwt(&jwt) => jwt,
            _ => {
                return Err(ApiError::BadRequest(
                    "each verifiableCredential must be a credential object, an EnvelopedVerifiableCredential or a compact VC-JWT".into(),
                ));
            }
        };
        results.push(crate::http::routes::verify::verify_expecting(&state, text, ProofExpectations::default()).await?);
    }
    holder_is_subject(&mut presentation, &results);
    let verified = presentation.valid && results.iter().all(|r| r.valid);
    let passed = |r: &crate::verify::VerificationReport| -> Vec<&str> {
        r.checks.iter_passed().map(|c| if c == "signature" { "proof" } else { c }).collect()
    };
    let body = json!({
        "verified": verified,
        "presentationResult": {"verified": presentation.valid, "checks": passed(&presentation), "errors": presentation.errors, "warnings": presentation.warnings},
        "credentialResults": results.iter().map(|r| json!({
            "verified": r.valid, "trusted": r.trusted, "issuer_trust": r.issuer_trust,
            "checks": passed(r), "errors": r.errors, "warnings": r.warnings,
        })).collect::<Vec<_>>(),
    });
    let status = if verified { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok((status, Json(body)).into_response())
}

/// VC 2.0 §4.13: a holder presents credentials about someone; when the presentation
/// names a holder and a credential's subjects do not include it, a verifier should know:
/// a warning (`presentation.holder_not_subject`), since presenting another's credential
/// can be legitimate (a parent, a delegate), and the verifier decides.
fn holder_is_subject(
    presentation: &mut crate::verify::VerificationReport,
    results: &[crate::verify::VerificationReport],
) {
    let Some(holder) = presentation.issuer.clone() else { return };
    for (i, r) in results.iter().enumerate() {
        let Some(c) = &r.credential else { continue };
        let subjects = crate::jsonld::values(c.get("credentialSubject"));
        let ids: Vec<&str> =
            subjects.iter().filter_map(|s| s.get("id").and_then(Value::as_str).or_else(|| s.as_str())).collect();
        if !ids.contains(&holder.as_str()) {
            presentation.warnings.push(crate::verify::VerifyError {
                check: "issuer_key",
                code: "presentation.holder_not_subject".into(),
                message: format!(
                    "the presentation's holder {holder} is not a subject of credential {i} ({}): it presents someone else's credential",
                    if ids.is_empty() { "which names no subject id".to_owned() } else { format!("about {}", ids.join(", ")) }
                ),
                path: Some(format!("/verifiableCredential/{i}")),
            });
        }
    }
}
