//! A verifiable presentation's own proof (its embedded credentials are verified each as a
//! credential by the caller).

use super::*;

/// The most JSON values of a presentation, its credentials included (two credentials at
/// the limit of one, or several of usual size: ours have under 300).
pub const MAX_PRESENTATION_VALUES: usize = 2 * jsonld::MAX_VALUES;

/// Verifies a verifiable presentation's own proof (VC Data Model 2.0 §4.13, VC-API
/// `/presentations/verify`): a JSON object of type `VerifiablePresentation` with shipped
/// contexts, in the compact form of its data; its proof (eddsa-rdfc-2022 or
/// Ed25519Signature2020) for `authentication`, by the `holder` when it names one, with
/// the `challenge` and `domain` the caller expects. Without a proof it passes only when
/// the caller expects neither. The embedded credentials are verified by the caller, each
/// as a credential. The report's `issuer` is the holder.
pub async fn verify_presentation_proof(vp: &Value, ctx: VerifyContext<'_>) -> VerificationReport {
    let mut r = VerificationReport::new();
    r.format = "ldp";
    let is_vp = match vp.get("type") {
        Some(Value::String(t)) => t == "VerifiablePresentation",
        Some(Value::Array(a)) => a.iter().any(|t| t == "VerifiablePresentation"),
        _ => false,
    };
    let malformed = |mut r: VerificationReport| {
        r.fail(
            "format",
            "presentation.malformed",
            "a presentation is a JSON object of type VerifiablePresentation",
            None,
        );
        r.finish()
    };
    if !vp.is_object() {
        return malformed(r);
    }
    // The presentation's own proof covers its embedded credentials too.
    if too_complex(vp, MAX_PRESENTATION_VALUES, "presentation", &mut r) {
        return r.finish();
    }
    // Its type is read by name: only once the JSON-LD checks have made `type` stand for
    // @type (an alias of @type would otherwise make it look like no presentation).
    if !is_vp {
        let mut probe = VerificationReport::new();
        if !presentation_json_ld(vp, &mut probe).await {
            probe.format = "ldp";
            return probe.finish();
        }
        return malformed(r);
    }
    r.issuer = vp.get("holder").and_then(|h| h.as_str().or_else(|| h.get("id")?.as_str())).map(str::to_owned);
    if vp.get("proof").is_none() {
        r.pass("format");
        if ctx.expect.challenge.is_some() || ctx.expect.domain.is_some() {
            r.fail(
                "signature",
                "presentation.unsigned",
                "the presentation has no proof, so it cannot carry the expected challenge or domain",
                Some("/proof".into()),
            );
        } else if presentation_json_ld(vp, &mut r).await {
            // Nothing to verify of its own; valid when its credentials are.
            r.pass("signature");
        }
        return r.finish();
    }
    let proof = match single_proof(vp) {
        Ok(p) => p.clone(),
        Err(m) => {
            r.fail("format", "proof.missing", m, Some("/proof".into()));
            return r.finish();
        }
    };
    r.pass("format");
    let ld_ok = presentation_json_ld(vp, &mut r).await;
    let field = |k: &str| proof.get(k).and_then(Value::as_str).unwrap_or_default();
    if !supported_suite(&proof) {
        r.fail(
            "signature",
            "proof.unsupported",
            format!("proof type '{}' with cryptosuite '{}' is not supported", field("type"), field("cryptosuite")),
            Some("/proof".into()),
        );
    } else if field("proofPurpose") != "authentication" {
        r.fail(
            "signature",
            "proof.wrong_purpose",
            format!("proofPurpose is '{}'; a presentation proof must be for authentication", field("proofPurpose")),
            Some("/proof".into()),
        );
    }
    check_proof_options(&proof, ctx, &mut r);
    let key = match ctx.resolver.resolve_assertion_key(field("verificationMethod")) {
        Ok(k) => Some(k),
        Err(e) => {
            key_failure(&mut r, &e);
            None
        }
    };
    if let Some(key) = &key {
        match r.issuer.as_deref() {
            Some(holder) if holder != key.controller => r.fail(
                "issuer_key",
                "key.not_holder",
                format!("the presentation is signed by {}, but its holder is {holder}", key.controller),
                Some("/holder".into()),
            ),
            _ => r.pass("issuer_key"),
        }
        if ld_ok && r.checks.get("signature") != Some(&CheckStatus::Failed) {
            match proof::verify(vp, &key.id, &key.controller, &key.jwk).await {
                Ok(()) => r.pass("signature"),
                Err(proof::ProofFailure::BadSignature) => r.fail(
                    "signature",
                    "signature.invalid",
                    proof::ProofFailure::BadSignature.to_string(),
                    Some("/proof".into()),
                ),
                Err(proof::ProofFailure::JsonLd(p)) => jsonld_failure(&mut r, &p),
                Err(e) => r.fail("signature", "proof.malformed", e.to_string(), Some("/proof".into())),
            }
        }
    }
    r.finish()
}

/// Contexts and safe mode for a presentation. The embedded credentials are each checked
/// in full as credentials; of the presentation itself only `holder` and `proof` are read
/// by name, so its own members must be terms (no full IRIs or keywords that would hide
/// a `holder`).
pub(super) async fn presentation_json_ld(vp: &Value, r: &mut VerificationReport) -> bool {
    if let Err(p) = jsonld::check_contexts(vp) {
        jsonld_failure(r, &p);
        return false;
    }
    r.pass("contexts");
    if let Some((path, k)) = presentation_non_term(vp, "") {
        r.fail(
            "json_ld",
            "jsonld.non_canonical_form",
            format!("'{k}' is not a term of the presentation's contexts; write the term they define"),
            Some(path),
        );
        return false;
    }
    match jsonld::check_terms(vp).await {
        Ok(()) => {
            r.pass("json_ld");
            true
        }
        Err(p) => {
            jsonld_failure(r, &p);
            false
        }
    }
}

/// The first member of a presentation, at any depth outside its embedded credentials
/// (each judged as a credential) and its top `@context`, that is not a term: a full or
/// compact IRI, or a keyword other than those of a value object (`holder: {"@id": …}`
/// would hide the holder from the holder check).
pub(super) fn presentation_non_term(v: &Value, path: &str) -> Option<(String, String)> {
    match v {
        Value::Object(o) => o.iter().find_map(|(k, child)| {
            let here = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
            if path.is_empty() && (k == "@context" || k == "verifiableCredential") {
                return None;
            }
            let value_keyword = matches!(k.as_str(), "@value" | "@language" | "@direction");
            if k.contains(':') || (k.starts_with('@') && !value_keyword) {
                return Some((here, k.clone()));
            }
            presentation_non_term(child, &here)
        }),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| presentation_non_term(x, &format!("{path}/{i}"))),
        _ => None,
    }
}
