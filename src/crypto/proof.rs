//! Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite
//! (<https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022>): RDFC-1.0 canonicalisation of
//! the document and the proof configuration, SHA-256, Ed25519. The JSON-LD work is
//! done by `ssi` with our offline loader; the key is resolved by us beforehand, so
//! resolution failures and signature failures stay distinct.

use std::collections::HashMap;

use futures_util::FutureExt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use ssi::JWK;
use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrity, DataIntegrityDocument, ProofOptions};
use ssi::claims::{SignatureEnvironment, VerificationParameters};
use ssi::json_ld::iref::IriBuf;
use ssi::verification_methods::{AnyMethod, SingleSecretSigner};

use super::keys::IssuerKey;
use crate::jsonld::{self, JsonLdProblem};

/// The cryptosuite name.
pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// The proof type of the Ed25519Signature2020 suite
/// (<https://w3c-ccg.github.io/di-eddsa-2020/>), which verifiers also accept: the same
/// RDFC-1.0, SHA-256 and Ed25519 construction, with the key as an
/// `Ed25519VerificationKey2020`.
pub const ED25519_2020: &str = "Ed25519Signature2020";

/// Signing failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The key cannot make this kind of proof.
    #[error("{0}")]
    WrongKey(String),
    /// The document's JSON-LD is not acceptable (undefined terms, unknown contexts…).
    #[error(transparent)]
    JsonLd(#[from] JsonLdProblem),
    /// Anything else from the signing library.
    #[error("signing failed: {0}")]
    Other(String),
}

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofFailure {
    /// No usable proof.
    #[error("{0}")]
    Malformed(String),
    /// The JSON-LD could not be processed.
    #[error(transparent)]
    JsonLd(#[from] JsonLdProblem),
    /// The signature does not match the content and key.
    #[error(
        "the signature does not match: the credential was changed after signing, or it was not signed by the key its proof names"
    )]
    BadSignature,
}

/// A verification method as ssi wants it: a Multikey, or for Ed25519Signature2020 an
/// `Ed25519VerificationKey2020` (the same multibase key).
fn key_method(vm_id: &str, controller: &str, public: &JWK, type_: &str) -> Result<AnyMethod, String> {
    if type_ == "Ed25519VerificationKey2020" {
        // Built directly: from JSON, ssi would read any multibase key as a Multikey.
        let key = fast::verifying_key(public).ok_or("Ed25519Signature2020 needs an Ed25519 key")?;
        let id = IriBuf::new(vm_id.to_owned()).map_err(|e| format!("verification method id is not an IRI: {e}"))?;
        let controller = ssi::json_ld::iref::UriBuf::new(controller.as_bytes().to_vec())
            .map_err(|_| "the controller is not a URI".to_owned())?;
        return Ok(AnyMethod::Ed25519VerificationKey2020(
            ssi::verification_methods::Ed25519VerificationKey2020::from_public_key(id, controller, key),
        ));
    }
    let mb = super::did::ed25519_multibase(public).ok_or("eddsa-rdfc-2022 needs an Ed25519 key")?;
    serde_json::from_value(json!({"id": vm_id, "type": type_, "controller": controller, "publicKeyMultibase": mb}))
        .map_err(|e| e.to_string())
}

fn method_map(vm_id: &str, controller: &str, public: &JWK) -> Result<HashMap<IriBuf, AnyMethod>, String> {
    method_map_of(vm_id, controller, public, "Multikey")
}

fn method_map_of(
    vm_id: &str,
    controller: &str,
    public: &JWK,
    type_: &str,
) -> Result<HashMap<IriBuf, AnyMethod>, String> {
    let iri = IriBuf::new(vm_id.to_owned()).map_err(|e| format!("verification method id is not an IRI: {e}"))?;
    Ok(HashMap::from([(iri, key_method(vm_id, controller, public, type_)?)]))
}

/// Formats a proof timestamp (whole seconds, `Z`).
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The fast path of eddsa-rdfc-2022 for our own credential shapes: canonical N-Quads
/// written directly ([`crate::fastld`]), SHA-256 and Ed25519. Byte-identical to the
/// general path (tested in `tests/core/fastld.rs`); `None` when it does not apply.
mod fast {
    use std::sync::LazyLock;

    use aws_lc_rs::signature::Ed25519KeyPair;
    use ed25519_dalek::{Signature, VerifyingKey};
    use regex::Regex;
    use serde_json::{Value, json};
    use sha2::{Digest, Sha256};
    use ssi::JWK;
    use ssi::jwk::Params;

    use crate::fastld;
    use crate::ob3::OpenBadgeCredential;

    static XSD_DATE_TIME: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$").ok());

    /// Canonical N-Quads of the proof configuration we make (type, cryptosuite,
    /// created, verificationMethod, proofPurpose assertionMethod).
    pub(super) fn proof_config(created: &str, vm_id: &str) -> Option<String> {
        // A DID URL is never a compact IRI in our contexts, so it stays as written.
        if !vm_id.starts_with("did:") || !fastld::nquads::plain_iri(vm_id) {
            return None;
        }
        let pattern = XSD_DATE_TIME.as_ref()?;
        if !pattern.is_match(created) || chrono::DateTime::parse_from_rfc3339(created).is_err() {
            return None;
        }
        let mut lines = [
            format!("_:c14n0 <http://purl.org/dc/terms/created> \"{created}\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"),
            "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> .\n".to_owned(),
            format!("_:c14n0 <https://w3id.org/security#cryptosuite> \"{}\"^^<https://w3id.org/security#cryptosuiteString> .\n", super::CRYPTOSUITE),
            "_:c14n0 <https://w3id.org/security#proofPurpose> <https://w3id.org/security#assertionMethod> .\n".to_owned(),
            format!("_:c14n0 <https://w3id.org/security#verificationMethod> <{vm_id}> .\n"),
        ];
        lines.sort();
        Some(lines.concat())
    }

    /// [`sign`] for a document written from the typed credential `c`.
    pub fn sign_typed(c: &OpenBadgeCredential, key: &Ed25519KeyPair, vm_id: &str, created: &str) -> Option<Value> {
        let data = hash_canonical(&fastld::canonical(c)?, created, vm_id)?;
        Some(proof_value(&key.sign(&data), vm_id, created))
    }

    /// SHA-256 of the proof configuration, then of the document.
    fn hash_data(doc: &Value, created: &str, vm_id: &str) -> Option<[u8; 64]> {
        let canonical = fastld::canonical(&fastld::as_ours(doc)?)?;
        hash_canonical(&canonical, created, vm_id)
    }

    fn hash_canonical(canonical: &str, created: &str, vm_id: &str) -> Option<[u8; 64]> {
        let config = proof_config(created, vm_id)?;
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&Sha256::digest(config.as_bytes()));
        out[32..].copy_from_slice(&Sha256::digest(canonical.as_bytes()));
        Some(out)
    }

    /// The Ed25519 public key of a JWK.
    pub fn verifying_key(public: &JWK) -> Option<VerifyingKey> {
        match &public.params {
            Params::OKP(p) if p.curve == "Ed25519" => {
                let bytes: [u8; 32] = p.public_key.0.as_slice().try_into().ok()?;
                VerifyingKey::from_bytes(&bytes).ok()
            }
            _ => None,
        }
    }

    /// The proof object, as the general path writes it.
    pub fn sign(doc: &Value, key: &Ed25519KeyPair, vm_id: &str, created: &str) -> Option<Value> {
        let data = hash_data(doc, created, vm_id)?;
        Some(proof_value(&key.sign(&data), vm_id, created))
    }

    fn proof_value(signature: &aws_lc_rs::signature::Signature, vm_id: &str, created: &str) -> Value {
        json!({
            "type": "DataIntegrityProof",
            "cryptosuite": super::CRYPTOSUITE,
            "created": created,
            "verificationMethod": vm_id,
            "proofPurpose": "assertionMethod",
            "proofValue": multibase::encode(multibase::Base::Base58Btc, signature.as_ref()),
        })
    }

    /// `Some(true)` valid, `Some(false)` a bad signature, `None` not for the fast path.
    pub fn verify(doc: &Value, vm_id: &str, public: &JWK, canonical: Option<&str>) -> Option<bool> {
        let proof = fastld::our_proof(doc)?;
        let field = |k: &str| proof.get(k).and_then(Value::as_str).unwrap_or_default();
        if field("type") != "DataIntegrityProof"
            || field("cryptosuite") != super::CRYPTOSUITE
            || field("proofPurpose") != "assertionMethod"
            || field("verificationMethod") != vm_id
        {
            return None;
        }
        let key = verifying_key(public)?;
        let data = match canonical {
            Some(c) => hash_canonical(c, field("created"), vm_id)?,
            None => hash_data(doc, field("created"), vm_id)?,
        };
        let Ok((multibase::Base::Base58Btc, bytes)) = multibase::decode(field("proofValue")) else {
            return Some(false);
        };
        let Ok(signature) = Signature::from_slice(&bytes) else { return Some(false) };
        // Strict: no small-order keys, no non-canonical signatures.
        Some(key.verify_strict(&data, &signature).is_ok())
    }
}

/// The Ed25519 public key of a JWK, if it is one.
pub fn ed25519_public(public: &JWK) -> Option<ed25519_dalek::VerifyingKey> {
    fast::verifying_key(public)
}

/// Signs `doc` (without `proof`) with the issuer key and returns the proof object.
pub async fn sign(doc: &Value, key: &IssuerKey, created: DateTime<Utc>) -> Result<Value, SignError> {
    let vm_id = key.verification_method();
    if let Some(proof) = key.ed25519().and_then(|k| fast::sign(doc, k, vm_id, &timestamp(created))) {
        return Ok(proof);
    }
    Box::pin(sign_general(doc, key.secret_jwk(), vm_id, key.did(), created)).await
}

/// [`sign`] for `doc` written from the typed credential `c` (`serde_json::to_value(c)`):
/// the fast path starts from `c` instead of reading `doc` back.
pub async fn sign_typed(
    c: &crate::ob3::OpenBadgeCredential,
    doc: &Value,
    key: &IssuerKey,
    created: DateTime<Utc>,
) -> Result<Value, SignError> {
    let vm_id = key.verification_method();
    if let Some(proof) = key.ed25519().and_then(|k| fast::sign_typed(c, k, vm_id, &timestamp(created))) {
        return Ok(proof);
    }
    sign(doc, key, created).await
}

/// [`sign`] through the general JSON-LD processor (ssi), for any document.
pub async fn sign_general(
    doc: &Value,
    secret: &JWK,
    vm_id: &str,
    controller: &str,
    created: DateTime<Utc>,
) -> Result<Value, SignError> {
    if let Some(why) = jsonld::unsupported_value(doc) {
        return Err(SignError::JsonLd(jsonld::JsonLdProblem::Invalid(why)));
    }
    let methods = method_map(vm_id, controller, secret).map_err(SignError::WrongKey)?;
    let unsecured: DataIntegrityDocument =
        serde_json::from_value(doc.clone()).map_err(|e| SignError::Other(format!("not a JSON-LD document: {e}")))?;
    let mut options = ProofOptions::from_method(
        IriBuf::new(vm_id.to_owned()).map_err(|e| SignError::WrongKey(e.to_string()))?.into(),
    );
    options.created = Some(timestamp(created).parse().map_err(|e| SignError::Other(format!("{e:?}")))?);
    let signer = SingleSecretSigner::new(secret.clone()).into_local();
    let env = SignatureEnvironment { json_ld_loader: jsonld::loader(), eip712_loader: () };
    let signing = AnySuite::EdDsaRdfc2022.sign_with(env, unsecured, &methods, &signer, options, Default::default());
    // As in `verify_general`: a panic left in ssi refuses the document.
    let signed = std::panic::AssertUnwindSafe(signing)
        .catch_unwind()
        .await
        .map_err(|_| {
            SignError::JsonLd(jsonld::JsonLdProblem::Invalid(
                "the JSON-LD library cannot process this document (a value it does not support)".into(),
            ))
        })?
        .map_err(|e| {
            let msg = e.to_string();
            if msg.contains("expansion") || msg.contains("context") || msg.contains("Key `") {
                SignError::JsonLd(jsonld::classify(&msg))
            } else {
                SignError::Other(msg)
            }
        })?;
    let proofs = serde_json::to_value(&signed.proofs).map_err(|e| SignError::Other(e.to_string()))?;
    match proofs {
        Value::Array(mut a) if a.len() == 1 => Ok(a.remove(0)),
        Value::Object(o) => Ok(Value::Object(o)),
        other => Err(SignError::Other(format!("unexpected proof shape {other}"))),
    }
}

/// Verifies the single eddsa-rdfc-2022 proof of `doc` (with `proof`) against a key
/// already resolved by the caller.
pub async fn verify(doc: &Value, vm_id: &str, controller: &str, public: &JWK) -> Result<(), ProofFailure> {
    verify_canonical(doc, vm_id, controller, public, None).await
}

/// [`verify`] with the document's canonical N-Quads already made by the fast path
/// ([`crate::fastld::canonical`] of [`crate::fastld::as_ours`] of `doc`), so a verifier that needed
/// them before does not make them twice.
pub async fn verify_canonical(
    doc: &Value,
    vm_id: &str,
    controller: &str,
    public: &JWK,
    canonical: Option<&str>,
) -> Result<(), ProofFailure> {
    if doc.get("proof").and_then(Value::as_object).is_some_and(super::jcs::is_jcs_proof) {
        return super::jcs::verify(doc, public);
    }
    match fast::verify(doc, vm_id, public, canonical) {
        Some(true) => Ok(()),
        Some(false) => Err(ProofFailure::BadSignature),
        None => Box::pin(verify_general(doc, vm_id, controller, public)).await,
    }
}

/// The Ed25519 public key of a JWK, if it is one.
pub(crate) fn ed25519_key(public: &JWK) -> Option<ed25519_dalek::VerifyingKey> {
    fast::verifying_key(public)
}

/// Verifies one eddsa-rdfc-2022 proof of a proof chain (Data Integrity 1.0 §4.5, "Verify
/// Proof Sets and Chains"): a proof naming `previousProof` signs the document together
/// with the proofs it names, so the document hashed is `doc` (without any proof) with
/// `proof` set to `previous`, and the proof configuration is the proof without its
/// `proofValue` (its `previousProof` included) under the document's `@context`.
pub async fn verify_chained(
    doc: &Value,
    proof: &serde_json::Map<String, Value>,
    previous: Vec<Value>,
    public: &JWK,
) -> Result<(), ProofFailure> {
    let field = |k: &str| proof.get(k).and_then(Value::as_str).unwrap_or_default();
    if field("type") != "DataIntegrityProof" || field("cryptosuite") != CRYPTOSUITE {
        return Err(ProofFailure::Malformed(format!(
            "a proof chain is verified for DataIntegrityProof with {CRYPTOSUITE} only"
        )));
    }
    let key = fast::verifying_key(public)
        .ok_or_else(|| ProofFailure::Malformed("the key of a chained proof must be Ed25519".into()))?;
    let Ok((multibase::Base::Base58Btc, bytes)) = multibase::decode(field("proofValue")) else {
        return Err(ProofFailure::Malformed("proofValue must be a base58-btc multibase string (z…)".into()));
    };
    let signature = ed25519_dalek::Signature::from_slice(&bytes).map_err(|_| ProofFailure::BadSignature)?;
    let mut config = proof.clone();
    config.remove("proofValue");
    config.insert("@context".into(), doc.get("@context").cloned().unwrap_or(Value::Null));
    // `canonical_nquads` drops a member named `proof`; the chained document keeps it,
    // so it goes in under a fresh object whose `proof` is the previous proofs.
    let config_nquads = jsonld::canonical_nquads(&Value::Object(config)).await.map_err(ProofFailure::JsonLd)?;
    let mut chained = doc.clone();
    chained["proof"] = Value::Array(previous);
    let doc_nquads = jsonld::canonical_nquads_keeping_proof(&chained).await.map_err(ProofFailure::JsonLd)?;
    let mut data = Vec::with_capacity(64);
    data.extend_from_slice(&<sha2::Sha256 as sha2::Digest>::digest(config_nquads.as_bytes()));
    data.extend_from_slice(&<sha2::Sha256 as sha2::Digest>::digest(doc_nquads.as_bytes()));
    key.verify_strict(&data, &signature).map_err(|_| ProofFailure::BadSignature)
}

/// [`verify`] through the general JSON-LD processor (ssi), for any document.
pub async fn verify_general(doc: &Value, vm_id: &str, controller: &str, public: &JWK) -> Result<(), ProofFailure> {
    if let Some(why) = jsonld::unsupported_value(doc) {
        return Err(ProofFailure::JsonLd(jsonld::JsonLdProblem::Invalid(why)));
    }
    let suite_2020 = match doc.get("proof") {
        Some(Value::Object(p)) => p.get("type").and_then(Value::as_str) == Some(ED25519_2020),
        Some(Value::Array(a)) => a.iter().any(|p| p.get("type").and_then(Value::as_str) == Some(ED25519_2020)),
        _ => false,
    };
    let method_type = if suite_2020 { "Ed25519VerificationKey2020" } else { "Multikey" };
    let methods = method_map_of(vm_id, controller, public, method_type).map_err(ProofFailure::Malformed)?;
    let text = serde_json::to_string(doc).map_err(|e| ProofFailure::Malformed(e.to_string()))?;
    let secured: DataIntegrity<DataIntegrityDocument, AnySuite> = ssi::claims::data_integrity::from_json_str(&text)
        .map_err(|e| ProofFailure::Malformed(format!("the proof cannot be read: {e}")))?;
    let params = VerificationParameters::from_resolver(&methods).with_json_ld_loader(jsonld::loader());
    // ssi unwraps in places (numbers `json-number` cannot write back, found by the fuzzer);
    // `unsupported_value` refuses the known ones first, and a panic left in the library is
    // a refusal of this document, not a crash of the request.
    let verified = std::panic::AssertUnwindSafe(secured.verify(&params)).catch_unwind().await.map_err(|_| {
        ProofFailure::JsonLd(jsonld::JsonLdProblem::Invalid(
            "the JSON-LD library cannot process this document (a value it does not support)".into(),
        ))
    })?;
    match verified {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_invalid)) => Err(ProofFailure::BadSignature),
        Err(e) => {
            let msg = e.to_string();
            if msg.contains("expansion") || msg.contains("Key `") || msg.contains("context") {
                Err(ProofFailure::JsonLd(jsonld::classify(&msg)))
            } else if msg.to_lowercase().contains("signature") || msg.contains("multibase") || msg.contains("decod") {
                Err(ProofFailure::BadSignature)
            } else {
                Err(ProofFailure::Malformed(msg))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonld::contexts::CREDENTIALS_V2_URL;

    #[tokio::test]
    async fn the_fast_proof_configuration_is_the_general_canonical_form() {
        let vm = "did:web:issuer.example%3A8443:issuers:kul#key-2";
        for created in ["2026-11-28T15:50:43Z", "2026-11-28T15:50:43.123+01:00"] {
            let config = json!({
                "@context": [CREDENTIALS_V2_URL],
                "type": "DataIntegrityProof",
                "cryptosuite": CRYPTOSUITE,
                "created": created,
                "verificationMethod": vm,
                "proofPurpose": "assertionMethod",
            });
            let general = jsonld::canonical_nquads(&config).await.expect("canonical");
            assert_eq!(fast::proof_config(created, vm).as_deref(), Some(general.as_str()));
        }
        assert_eq!(fast::proof_config("2026-11-28 15:50:43Z", vm), None, "not an xsd:dateTime");
        assert_eq!(fast::proof_config("2026-11-28T15:50:43Z", "https://issuer.example/k#1"), None, "not a DID URL");
    }
}
