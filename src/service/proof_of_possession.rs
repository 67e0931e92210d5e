//! The OpenID4VCI key proof (`typ: openid4vci-proof+jwt`): who the holder is, proven by
//! a signature with the key its `kid` (did:key, did:jwk) or `jwk` header names.

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use ssi::JWK;
use ssi::jwk::Params;

use super::oid4vci::PROOF_TYP;

/// Oldest accepted `iat`, in seconds before now.
const MAX_AGE: i64 = 600;
/// Largest accepted clock skew into the future, in seconds.
const MAX_SKEW: i64 = 60;

/// The holder a valid proof names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The holder's DID (did:key, or did:jwk for a bare `jwk`).
    pub did: String,
    /// The `nonce` claim (empty when missing: no nonce will match it).
    pub nonce: String,
}

fn part(s: &str, what: &str) -> Result<Map<String, Value>, String> {
    let bytes = BASE64_URL_SAFE_NO_PAD.decode(s).map_err(|_| format!("the proof {what} is not base64url"))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(format!("the proof {what} is not a JSON object")),
    }
}

/// `did:jwk:` of a public key.
pub fn did_jwk(jwk: &JWK) -> Result<String, String> {
    let mut public = jwk.to_public();
    public.key_id = None;
    public.algorithm = None;
    // Members in lexicographic order, as the did:jwk specification's examples (and
    // wallets) write them, so the same key always gives the same DID.
    let sorted: std::collections::BTreeMap<String, Value> =
        match serde_json::to_value(&public).map_err(|e| e.to_string())? {
            Value::Object(o) => o.into_iter().collect(),
            _ => return Err("a JWK is a JSON object".into()),
        };
    let text = serde_json::to_string(&sorted).map_err(|e| e.to_string())?;
    Ok(format!("did:jwk:{}", BASE64_URL_SAFE_NO_PAD.encode(text)))
}

/// The key and DID a `kid` names.
fn resolve(kid: &str) -> Result<(JWK, String), String> {
    let (did, _) = kid.split_once('#').unwrap_or((kid, ""));
    if let Some(msid) = did.strip_prefix("did:key:") {
        let jwk =
            crate::crypto::did::jwk_from_multibase(msid).map_err(|e| format!("kid is not a usable did:key: {e}"))?;
        return Ok((jwk, did.to_owned()));
    }
    if did.starts_with("did:jwk:") {
        let jwk = crate::crypto::did::jwk_from_did_jwk(did).map_err(|e| format!("kid is not a usable did:jwk: {e}"))?;
        return Ok((jwk, did.to_owned()));
    }
    Err("kid must be a did:key or did:jwk DID URL".into())
}

/// Checks a key proof: header, key, signature, audience and age.
pub fn verify(jwt: &str, audience: &str, now: DateTime<Utc>) -> Result<Holder, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, p, _sig] = parts.as_slice() else {
        return Err("the proof is not a compact JWT".into());
    };
    let header = part(h, "header")?;
    let payload = part(p, "payload")?;
    if header.get("typ").and_then(Value::as_str) != Some(PROOF_TYP) {
        return Err(format!("the proof header typ must be {PROOF_TYP}"));
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default();
    let (jwk, did) = match (header.get("kid").and_then(Value::as_str), header.get("jwk")) {
        (Some(kid), None) => resolve(kid)?,
        (None, Some(j)) => {
            let jwk: JWK =
                serde_json::from_value(j.clone()).map_err(|_| "the proof jwk header is not a JWK".to_owned())?;
            if jwk.to_public() != jwk {
                return Err("the proof jwk header must not contain a private key".into());
            }
            let did = did_jwk(&jwk)?;
            (jwk, did)
        }
        _ => return Err("the proof header needs exactly one of kid or jwk".into()),
    };
    let fits = match (alg, &jwk.params) {
        ("EdDSA", Params::OKP(k)) => k.curve == "Ed25519",
        ("ES256", Params::EC(k)) => k.curve.as_deref() == Some("P-256"),
        ("EdDSA" | "ES256", _) => false,
        (other, _) => {
            return Err(format!(
                "proof alg '{}' is not supported (EdDSA, ES256)",
                other.chars().take(20).collect::<String>()
            ));
        }
    };
    if !fits {
        return Err(format!("the holder key does not fit alg {alg}"));
    }
    ssi::claims::jws::decode_verify(jwt, &jwk)
        .map_err(|_| "the proof signature does not verify with the holder key".to_owned())?;
    let aud_ok = match payload.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(a)) => a.iter().any(|v| v == audience),
        _ => false,
    };
    if !aud_ok {
        return Err(format!("the proof audience must be the credential issuer {audience}"));
    }
    let iat = payload.get("iat").and_then(Value::as_i64).ok_or("the proof needs iat")?;
    let t = now.timestamp();
    if iat < t - MAX_AGE || iat > t + MAX_SKEW {
        return Err("the proof iat is too old or in the future".into());
    }
    let nonce = payload.get("nonce").and_then(Value::as_str).unwrap_or_default().to_owned();
    Ok(Holder { did, nonce })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssi::claims::jws::Header;
    use ssi::jwk::Algorithm;

    fn sign(header: Value, payload: Value, key: &JWK) -> String {
        let h: Header = serde_json::from_value(header).expect("header");
        ssi::claims::jws::encode_sign_custom_header(&payload.to_string(), key, &h).expect("sign")
    }

    #[test]
    fn a_did_key_proof_names_the_holder_and_the_nonce() {
        let now = Utc::now();
        for key in [JWK::generate_ed25519().expect("ed"), JWK::generate_p256()] {
            let alg = if matches!(key.params, Params::OKP(_)) { "EdDSA" } else { "ES256" };
            let did = ssi::dids::DIDKey::generate(&key).expect("did").to_string();
            let kid = ssi::dids::DIDKey::generate_url(&key).expect("url").to_string();
            let jwt = sign(
                serde_json::json!({"alg": alg, "typ": PROOF_TYP, "kid": kid}),
                serde_json::json!({"aud": "https://issuer", "iat": now.timestamp(), "nonce": "n1"}),
                &key,
            );
            assert_eq!(verify(&jwt, "https://issuer", now), Ok(Holder { did: did.clone(), nonce: "n1".into() }));
            assert!(verify(&jwt, "https://other", now).is_err(), "audience");
            // Signed by another key than kid names.
            let other = JWK::generate_ed25519().expect("ed");
            let forged = sign(
                serde_json::json!({"alg": "EdDSA", "typ": PROOF_TYP, "kid": kid}),
                serde_json::json!({"aud": "https://issuer", "iat": now.timestamp()}),
                &other,
            );
            assert!(verify(&forged, "https://issuer", now).is_err());
        }
        let _ = Algorithm::EdDSA;
    }

    #[test]
    fn a_bare_jwk_becomes_a_did_jwk_and_bad_headers_are_refused() {
        let now = Utc::now();
        let key = JWK::generate_ed25519().expect("ed");
        let public = serde_json::to_value(key.to_public()).expect("jwk");
        let jwt = sign(
            serde_json::json!({"alg": "EdDSA", "typ": PROOF_TYP, "jwk": public}),
            serde_json::json!({"aud": "a", "iat": now.timestamp(), "nonce": "x"}),
            &key,
        );
        let holder = verify(&jwt, "a", now).expect("ok");
        assert!(holder.did.starts_with("did:jwk:"));
        let wrong_typ = sign(
            serde_json::json!({"alg": "EdDSA", "typ": "JWT", "jwk": public}),
            serde_json::json!({"aud": "a", "iat": now.timestamp()}),
            &key,
        );
        assert!(verify(&wrong_typ, "a", now).is_err());
        let old = sign(
            serde_json::json!({"alg": "EdDSA", "typ": PROOF_TYP, "jwk": public}),
            serde_json::json!({"aud": "a", "iat": now.timestamp() - 3600}),
            &key,
        );
        assert!(verify(&old, "a", now).is_err());
        assert!(verify("not.a.jwt", "a", now).is_err());
    }
}
