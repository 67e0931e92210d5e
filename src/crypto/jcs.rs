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

use ed25519_dalek::{Signature, Signer, SigningKey};
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
        // vc-di-eddsa lets the document's @context extend the proof's and hashes the
        // proof's in its place: contexts appended after signing would then change the
        // meaning of the signed JSON unsigned. Here they must be the same.
        if !crate::jsonld::contexts_start_with(unsecured.get("@context"), ctx)
            || !unsecured.get("@context").is_some_and(|c| crate::jsonld::contexts_start_with(Some(ctx), c))
        {
            return Err(ProofFailure::Malformed(
                "the credential's @context must be exactly the proof's @context (contexts added after signing are not signed)".into(),
            ));
        }
        unsecured.insert("@context".into(), ctx.clone());
    }
    if let Some(why) = ambiguous_number(&Value::Object(unsecured.clone())) {
        return Err(ProofFailure::Malformed(why));
    }
    let mut data = Sha256::digest(canonical(&Value::Object(options.clone()))?).to_vec();
    data.extend_from_slice(&Sha256::digest(canonical(&Value::Object(unsecured))?));
    Ok((data, options))
}

/// The largest integer JCS (ECMAScript numbers) writes exactly: 2^53.
const MAX_EXACT: u64 = 1 << 53;

/// A number JCS would write otherwise than the document, so that the signed text and what
/// the verdict reads differ: a whole number written with a fraction or exponent (`100.0`
/// signs as `100`, but JSON-LD reads it as a double, not an integer), or an integer past
/// 2^53 (rounded by ECMAScript's number printing).
fn ambiguous_number(v: &Value) -> Option<String> {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => stack.extend(o.values()),
            Value::Array(a) => stack.extend(a.iter()),
            Value::Number(n) => {
                let past = |x: u64| x > MAX_EXACT;
                let bad = match (n.as_u64(), n.as_i64(), n.as_f64()) {
                    (Some(u), _, _) => past(u),
                    (None, Some(i), _) => past(i.unsigned_abs()),
                    (None, None, Some(f)) => f.fract() == 0.0,
                    _ => true,
                };
                if bad {
                    return Some(format!(
                        "the number {n} is not written as {CRYPTOSUITE} signs it (a whole number with a fraction or exponent, or an integer beyond 2^53): write whole numbers as integers within 2^53"
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a JSON text has an object with the same member twice (at any depth). JSON
/// parsers keep one of them (the last, here and in JavaScript), so what is signed and
/// what another verifier reads could differ; RFC 8785 requires unique names.
pub fn duplicate_member(text: &str) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    struct Check;
    impl<'de> DeserializeSeed<'de> for Check {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Check {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Check)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(k) = map.next_key::<String>()? {
                if !seen.insert(k.clone()) {
                    return Err(serde::de::Error::custom(format!(
                        "the member '{}' appears twice in one object",
                        k.chars().take(60).collect::<String>()
                    )));
                }
                map.next_value_seed(Check)?;
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    Check.deserialize(&mut de).err().map(|e| e.to_string())
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
    // Strict: no small-order keys or non-canonical signatures (RFC 8032 as libsodium).
    key.verify_strict(&data, &sig).map_err(|_| ProofFailure::BadSignature)
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

    /// An Ed25519 key from a seed byte, and its public JWK.
    fn test_key(seed: u8) -> (SigningKey, JWK) {
        let secret = SigningKey::from_bytes(&[seed; 32]);
        let public: JWK = serde_json::from_value(json!({
            "kty": "OKP", "crv": "Ed25519",
            "x": multibase::Base::Base64Url.encode(secret.verifying_key().to_bytes()),
        }))
        .unwrap();
        (secret, public)
    }

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
        let (secret, public) = test_key(7);
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
        // Issue 26: a context appended after signing is not signed, so it is refused.
        let mut t = signed.clone();
        t["@context"] = json!(["https://www.w3.org/ns/credentials/v2", {"@vocab": "https://evil.example/#"}]);
        assert!(matches!(verify(&t, &public), Err(ProofFailure::Malformed(m)) if m.contains("exactly")));
    }

    #[test]
    fn numbers_jcs_would_write_otherwise_and_duplicate_members_are_refused() {
        let (secret, public) = test_key(9);
        let options = json!({"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": "2025-01-01T00:00:00Z",
            "verificationMethod": "did:example:1#k", "proofPurpose": "assertionMethod"});
        let doc = |n: Value| json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "credentialSubject": {"n": n}});
        let signed = sign(&doc(json!(100)), options.as_object().unwrap().clone(), &secret).unwrap();
        verify(&signed, &public).unwrap();
        // `100.0` canonicalises as `100`: the same signed text, another JSON-LD literal.
        let mut t = signed.clone();
        t["credentialSubject"]["n"] = json!(100.0);
        assert!(matches!(verify(&t, &public), Err(ProofFailure::Malformed(m)) if m.contains("100")));
        for n in [json!(9_007_199_254_740_993_u64), json!(-9_007_199_254_740_993_i64), json!(1e21), json!(2.0)] {
            assert!(
                matches!(
                    sign(&doc(n.clone()), options.as_object().unwrap().clone(), &secret),
                    Err(ProofFailure::Malformed(_))
                ),
                "{n}"
            );
        }
        for n in [json!(9_007_199_254_740_992_u64), json!(1.5), json!(-3), json!(0.1)] {
            assert!(sign(&doc(n.clone()), options.as_object().unwrap().clone(), &secret).is_ok(), "{n}");
        }
        assert!(duplicate_member(r#"{"a": 1, "b": {"c": 2, "c": 3}}"#).is_some_and(|m| m.contains("'c'")));
        assert!(duplicate_member(r#"{"a": [{"x": 1}, {"x": 2}], "b": {"a": 1}}"#).is_none());
    }

    #[test]
    fn a_weak_key_signs_nothing() {
        // Strict verification: the identity point as public key, with R the identity and
        // S = 0, satisfies the lax equation [S]B = R + [k]A for every message; the strict
        // check refuses small-order keys and R.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let public: JWK = serde_json::from_value(json!({
            "kty": "OKP", "crv": "Ed25519", "x": multibase::Base::Base64Url.encode(identity),
        }))
        .unwrap();
        let mut sig = [0u8; 64];
        sig[0] = 1;
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "proof": {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": "2025-01-01T00:00:00Z",
            "verificationMethod": "did:example:1#k", "proofPurpose": "assertionMethod",
            "proofValue": multibase::encode(multibase::Base::Base58Btc, sig)}});
        let (data, _) = hash_data(&doc).unwrap();
        let key = super::super::proof::ed25519_key(&public).unwrap();
        assert!(
            ed25519_dalek::Verifier::verify(&key, &data, &Signature::from_bytes(&sig)).is_ok(),
            "the lax check accepts it"
        );
        assert_eq!(verify(&doc, &public), Err(ProofFailure::BadSignature));
    }
}
