//! Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite
//! (<https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022>): the document and the proof
//! configuration are canonicalised with the JSON Canonicalization Scheme (RFC 8785)
//! instead of RDFC-1.0, then SHA-256 and Ed25519 as in `eddsa-rdfc-2022`.
//!
//! ssi 0.16 has no implementation of this suite, so it is written here on top of
//! `serde_json_canonicalizer` (RFC 8785: keys ordered by UTF-16 code units, numbers as
//! ECMAScript prints them) and the Ed25519 verifier of the fast proof path. What is
//! signed is the JSON itself, so every member of the credential is covered, JSON-LD or
//! not; the verifier still checks the JSON-LD of the credential on its own.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use ssi::JWK;

use super::proof::ProofFailure;

/// The cryptosuite name.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// Whether `proof` is a `DataIntegrityProof` of this suite.
pub fn is_jcs_proof(proof: &Map<String, Value>) -> bool {
    proof.get("type").and_then(Value::as_str) == Some("DataIntegrityProof")
        && proof.get("cryptosuite").and_then(Value::as_str) == Some(CRYPTOSUITE)
}

fn canonical(v: &Value) -> Result<Vec<u8>, ProofFailure> {
    serde_json_canonicalizer::to_vec(v)
        .map_err(|e| ProofFailure::Malformed(format!("the document cannot be canonicalised with JCS (RFC 8785): {e}")))
}

/// The bytes signed: SHA-256 of the canonical proof configuration, then SHA-256 of the
/// canonical document without its proof (vc-di-eddsa, sections 3.3.4-3.3.6). When the
/// proof has an `@context`, the document's must start with it, and the document is
/// hashed with the proof's.
fn hash_data(doc: &Value) -> Result<(Vec<u8>, Map<String, Value>), ProofFailure> {
    let mut unsecured =
        doc.as_object().cloned().ok_or_else(|| ProofFailure::Malformed("a credential must be a JSON object".into()))?;
    let mut options = match unsecured.remove("proof") {
        Some(Value::Object(p)) => p,
        _ => return Err(ProofFailure::Malformed("expected one proof object".into())),
    };
    if !is_jcs_proof(&options) {
        return Err(ProofFailure::Malformed(format!("not a DataIntegrityProof with cryptosuite {CRYPTOSUITE}")));
    }
    options.remove("proofValue");
    if let Some(ctx) = options.get("@context") {
        if !crate::jsonld::contexts_start_with(unsecured.get("@context"), ctx) {
            return Err(ProofFailure::Malformed(
                "the proof's @context must be the first entries of the credential's @context, in the same order".into(),
            ));
        }
        unsecured.insert("@context".into(), ctx.clone());
    }
    let mut data = Sha256::digest(canonical(&Value::Object(options.clone()))?).to_vec();
    data.extend_from_slice(&Sha256::digest(canonical(&Value::Object(unsecured))?));
    Ok((data, options))
}

/// Verifies the single `eddsa-jcs-2022` proof of `doc` against an Ed25519 key already
/// resolved by the caller.
pub fn verify(doc: &Value, public: &JWK) -> Result<(), ProofFailure> {
    let value = doc
        .get("proof")
        .and_then(|p| p.get("proofValue"))
        .and_then(Value::as_str)
        .ok_or_else(|| ProofFailure::Malformed("the proof has no proofValue".into()))?;
    let (data, _) = hash_data(doc)?;
    let key = super::proof::ed25519_key(public)
        .ok_or_else(|| ProofFailure::Malformed(format!("{CRYPTOSUITE} needs an Ed25519 key")))?;
    let bytes = match multibase::decode(value) {
        Ok((multibase::Base::Base58Btc, b)) => b,
        _ => return Err(ProofFailure::Malformed("proofValue must be base58-btc multibase (starting with 'z')".into())),
    };
    let sig = Signature::from_slice(&bytes).map_err(|_| ProofFailure::BadSignature)?;
    key.verify(&data, &sig).map_err(|_| ProofFailure::BadSignature)
}

/// Adds an `eddsa-jcs-2022` proof to `doc` (which must have none) with `options`
/// (`type`, `cryptosuite`, `created`, `verificationMethod`, `proofPurpose`, …): for
/// tests and interoperability checks; the service signs with `eddsa-rdfc-2022`.
pub fn sign(doc: &Value, options: Map<String, Value>, secret: &SigningKey) -> Result<Value, ProofFailure> {
    let mut with = doc.clone();
    let obj =
        with.as_object_mut().ok_or_else(|| ProofFailure::Malformed("a credential must be a JSON object".into()))?;
    obj.insert("proof".into(), Value::Object(options));
    let (data, mut options) = hash_data(&with)?;
    let sig = secret.sign(&data);
    options.insert("proofValue".into(), Value::String(multibase::encode(multibase::Base::Base58Btc, sig.to_bytes())));
    with["proof"] = Value::Object(options);
    Ok(with)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_form_follows_rfc_8785() {
        // RFC 8785 section 3.2.3: keys ordered by UTF-16 code units (U+1D306 sorts before
        // U+FB33, unlike UTF-8 byte order), numbers as ECMAScript prints them.
        let v: Value = serde_json::from_str(r#"{"\ufb33":1,"\ud834\udf06":2,"a":[1.0,1e21,0.000001,-0.0]}"#).unwrap();
        let text = String::from_utf8(canonical(&v).unwrap()).unwrap();
        assert_eq!(text, "{\"a\":[1,1e+21,0.000001,0],\"\u{1d306}\":2,\"\u{fb33}\":1}");
    }

    #[test]
    fn a_signed_document_verifies_and_any_change_fails() {
        let secret = SigningKey::from_bytes(&[7u8; 32]);
        let public: JWK = serde_json::from_value(json!({
            "kty": "OKP", "crv": "Ed25519",
            "x": multibase::Base::Base64Url.encode(secret.verifying_key().to_bytes()),
        }))
        .unwrap();
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": "did:example:1", "credentialSubject": {"id": "did:example:2"}});
        let options = json!({"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": "2025-01-01T00:00:00Z",
            "verificationMethod": "did:example:1#k", "proofPurpose": "assertionMethod", "@context": ["https://www.w3.org/ns/credentials/v2"]});
        let signed = sign(&doc, options.as_object().unwrap().clone(), &secret).unwrap();
        verify(&signed, &public).unwrap();
        let mut reordered: Map<String, Value> = signed.as_object().unwrap().clone();
        reordered.sort_keys();
        verify(&Value::Object(reordered), &public).expect("member order is not signed");
        for (path, value) in [("/issuer", json!("did:example:3")), ("/proof/created", json!("2025-01-02T00:00:00Z"))] {
            let mut t = signed.clone();
            *t.pointer_mut(path).unwrap() = value;
            assert_eq!(verify(&t, &public), Err(ProofFailure::BadSignature), "{path}");
        }
        let mut t = signed.clone();
        t["@context"] = json!(["https://www.w3.org/ns/credentials/examples/v2"]);
        assert!(matches!(verify(&t, &public), Err(ProofFailure::Malformed(_))), "context not prefixed by the proof's");
    }
}
