//! OB 3.0 VC-JWT (Open Badges 3.0 section 8.2, "JSON Web Token Proof Format"): the
//! payload is the credential itself plus `iss`, `jti`, `nbf`, `sub` and `exp`; the
//! JOSE header is `alg` (EdDSA or RS256), `typ: "JWT"` and the key: `kid`, or, as the
//! OB 3.0 JOSE header table allows instead, the public key itself in `jwk`.

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use chrono::DateTime;
use serde_json::{Map, Value};
use ssi::JWK;
use ssi::claims::jws::Header;
use ssi::jwk::{Algorithm, Params};

use super::keys::IssuerKey;

/// Longest token accepted (a realistic OB 3.0 JWT is 4-5 KB).
pub const MAX_TOKEN_BYTES: usize = 1 << 20;

/// Why a JWT is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtFailure {
    /// Not a compact JWS of a JSON object.
    #[error("not a compact JWT: {0}")]
    Malformed(String),
    /// `alg` is not EdDSA or RS256 (`none` is always refused).
    #[error("JWT algorithm '{0}' is not allowed; only EdDSA and RS256 are accepted")]
    AlgorithmNotAllowed(String),
    /// A header other than `alg`, `kid`, `jwk`, `typ`, or a wrong `typ`, or not exactly
    /// one of `kid` and `jwk`.
    #[error("JWT header not allowed: {0} (OB 3.0 allows alg, typ \"JWT\" and one of kid or jwk)")]
    HeaderNotAllowed(String),
    /// The key type does not fit `alg`.
    #[error("the key named by kid is not a {0} key")]
    KeyMismatch(String),
    /// The signature does not match.
    #[error(
        "the JWT signature does not match: the token was changed after signing, or it was not signed by the key its kid names"
    )]
    BadSignature,
    /// A registered claim disagrees with the credential.
    #[error("JWT claim {0}")]
    ClaimMismatch(String),
}

/// Signing failures.
#[derive(Debug, thiserror::Error)]
#[error("JWT signing failed: {0}")]
pub struct JwtSignError(String);

fn unix(ts: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(ts).ok().map(|t| t.timestamp())
}

fn issuer_id(credential: &Map<String, Value>) -> Option<&str> {
    match credential.get("issuer")? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id")?.as_str(),
        _ => None,
    }
}

/// A VC 1.1 JWT (VC Data Model 1.1, section 6.3.1, as Open Badges 3.0 on VC 1.1 writes
/// it): the credential is the `vc` claim and the registered claims stand for its members:
/// `iss` its issuer, `jti` its `id`, `nbf` its `issuanceDate`, `exp` its `expirationDate`,
/// `sub` its subject's `id`. `None` when the payload is a VC 2.0 credential itself (it has
/// an `@context`, or no `vc` object). Otherwise the credential with the members the claims
/// stand for filled in where it lacks them (the 1.1 decoding rules); a member the
/// credential also has must agree with its claim (dates to the second).
pub fn vc11_credential(payload: &Map<String, Value>) -> Option<Result<Map<String, Value>, JwtFailure>> {
    if payload.contains_key("@context") {
        return None;
    }
    let Some(Value::Object(vc)) = payload.get("vc") else { return None };
    let mut credential = vc.clone();
    let mismatch = |claim: &str, member: &str, got: &Value, want: &Value| {
        Err(JwtFailure::ClaimMismatch(format!("'{claim}' is {got} but the credential's {member} is {want}")))
    };
    let date = |t: i64| DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let check = |credential: &mut Map<String, Value>| -> Result<(), JwtFailure> {
        if let Some(iss) = payload.get("iss") {
            match issuer_id(credential) {
                Some(i) if iss.as_str() != Some(i) => return mismatch("iss", "issuer", iss, &Value::from(i)),
                Some(_) => {}
                None => {
                    credential.insert("issuer".into(), iss.clone());
                }
            }
        }
        if let Some(jti) = payload.get("jti") {
            match credential.get("id") {
                Some(id) if id != jti => return mismatch("jti", "id", jti, id),
                Some(_) => {}
                None => {
                    credential.insert("id".into(), jti.clone());
                }
            }
        }
        for (claim, member) in [("nbf", "issuanceDate"), ("exp", "expirationDate")] {
            let Some(v) = payload.get(claim) else { continue };
            let t = v.as_i64().ok_or_else(|| JwtFailure::ClaimMismatch(format!("'{claim}' is not a NumericDate")))?;
            match credential.get(member) {
                Some(m) if m.as_str().and_then(unix) != Some(t) => return mismatch(claim, member, v, m),
                Some(_) => {}
                None => {
                    let d = date(t).ok_or_else(|| JwtFailure::ClaimMismatch(format!("'{claim}' is out of range")))?;
                    credential.insert(member.into(), d.into());
                }
            }
        }
        if let Some(sub) = payload.get("sub") {
            match credential.get_mut("credentialSubject") {
                Some(Value::Object(s)) => match s.get("id") {
                    Some(id) if id != sub => return mismatch("sub", "credentialSubject.id", sub, id),
                    Some(_) => {}
                    None => {
                        s.insert("id".into(), sub.clone());
                    }
                },
                _ => {
                    return Err(JwtFailure::ClaimMismatch(
                        "'sub' is set but the credential has no single subject".into(),
                    ));
                }
            }
        }
        Ok(())
    };
    Some(check(&mut credential).map(|()| credential))
}

/// The registered claims OB 3.0 derives from a credential.
pub fn registered_claims(credential: &Map<String, Value>) -> Map<String, Value> {
    let mut claims = Map::new();
    if let Some(iss) = issuer_id(credential) {
        claims.insert("iss".into(), iss.into());
    }
    if let Some(jti) = credential.get("id").and_then(Value::as_str) {
        claims.insert("jti".into(), jti.into());
    }
    if let Some(nbf) = credential.get("validFrom").and_then(Value::as_str).and_then(unix) {
        claims.insert("nbf".into(), nbf.into());
    }
    if let Some(sub) = credential.get("credentialSubject").and_then(|s| s.get("id")).and_then(Value::as_str) {
        claims.insert("sub".into(), sub.into());
    }
    if let Some(exp) = credential.get("validUntil").and_then(Value::as_str).and_then(unix) {
        claims.insert("exp".into(), exp.into());
    }
    claims
}

/// The payload's JSON text: the credential without `proof`, with the registered
/// claims (a claim name the credential already has keeps its place and takes the
/// claim's value; the others follow).
fn payload(credential: &Map<String, Value>, claims: &Map<String, Value>) -> Vec<u8> {
    let mut w = crate::wire::Json::with_capacity(16 * 1024);
    w.begin_object();
    for (k, v) in credential {
        if k != "proof" {
            w.member(k, claims.get(k).unwrap_or(v));
        }
    }
    for (k, v) in claims {
        if !credential.contains_key(k) {
            w.member(k, v);
        }
    }
    w.end_object();
    w.into_bytes()
}

/// Signs a credential as an OB 3.0 VC-JWT.
pub fn sign(credential: &Map<String, Value>, key: &IssuerKey) -> Result<String, JwtSignError> {
    let claims = registered_claims(credential);
    let payload = payload(credential, &claims);
    let Some(signing) = key.ed25519() else {
        // RS256 through ssi.
        let header = Header {
            algorithm: key.alg().algorithm(),
            key_id: Some(key.verification_method().to_owned()),
            type_: Some("JWT".into()),
            ..Default::default()
        };
        let text = String::from_utf8(payload).map_err(|e| JwtSignError(e.to_string()))?;
        return ssi::claims::jws::encode_sign_custom_header(&text, key.secret_jwk(), &header)
            .map_err(|e| JwtSignError(e.to_string()));
    };
    // EdDSA directly with the expanded key: the header as ssi writes it.
    let kid = serde_json::to_string(key.verification_method()).map_err(|e| JwtSignError(e.to_string()))?;
    let header = format!(r#"{{"alg":"EdDSA","kid":{kid},"typ":"JWT"}}"#);
    let mut token = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 100);
    crate::wire::base64url_into(header.as_bytes(), &mut token);
    token.push('.');
    crate::wire::base64url_into(&payload, &mut token);
    let signature = signing.sign(token.as_bytes());
    token.push('.');
    crate::wire::base64url_into(signature.as_ref(), &mut token);
    Ok(token)
}

/// Whether a text looks like a compact JWS (three base64url parts).
pub fn looks_like_jwt(text: &str) -> bool {
    let parts: Vec<&str> = text.trim().split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty())
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// How a token's header names the signing key.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderKey {
    /// `kid`: a verification method (DID URL).
    Kid(String),
    /// `jwk`: the public key itself; it counts only where it is the issuer's key.
    Jwk(Box<JWK>),
}

/// The checked header of a token: its algorithm and key.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedHeader {
    /// `EdDSA` or `RS256`.
    pub alg: Algorithm,
    /// The key.
    pub key: HeaderKey,
}

/// Reads and checks the JOSE header, and decodes the payload (unverified).
pub fn parse(token: &str) -> Result<(CheckedHeader, Map<String, Value>), JwtFailure> {
    let token = token.trim();
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JwtFailure::Malformed(format!("token longer than {MAX_TOKEN_BYTES} bytes")));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(_s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwtFailure::Malformed("expected three dot-separated parts".into()));
    };
    let decode = |part: &str, what: &str| -> Result<Map<String, Value>, JwtFailure> {
        let bytes = BASE64_URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| JwtFailure::Malformed(format!("{what} is not base64url: {e}")))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(o)) => Ok(o),
            _ => Err(JwtFailure::Malformed(format!("{what} is not a JSON object"))),
        }
    };
    let header = decode(h, "header")?;
    let payload = decode(p, "payload")?;
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some("EdDSA") => Algorithm::EdDSA,
        Some("RS256") => Algorithm::RS256,
        Some(other) => {
            return Err(JwtFailure::AlgorithmNotAllowed(other.chars().take(20).collect()));
        }
        None => return Err(JwtFailure::AlgorithmNotAllowed("(missing)".into())),
    };
    if let Some(extra) = header.keys().find(|k| !matches!(k.as_str(), "alg" | "kid" | "jwk" | "typ")) {
        return Err(JwtFailure::HeaderNotAllowed(format!("'{}'", extra.chars().take(20).collect::<String>())));
    }
    match header.get("typ") {
        None => {}
        Some(Value::String(t)) if t == "JWT" => {}
        Some(other) => return Err(JwtFailure::HeaderNotAllowed(format!("typ {other}"))),
    }
    let key = match (header.get("kid"), header.get("jwk")) {
        (Some(Value::String(kid)), None) => HeaderKey::Kid(kid.clone()),
        (None, Some(jwk)) => {
            let jwk: JWK = serde_json::from_value(jwk.clone())
                .map_err(|_| JwtFailure::HeaderNotAllowed("jwk is not a JSON Web Key".into()))?;
            if jwk.to_public() != jwk {
                return Err(JwtFailure::HeaderNotAllowed("jwk holds private key material".into()));
            }
            HeaderKey::Jwk(Box::new(jwk))
        }
        (Some(_), Some(_)) => return Err(JwtFailure::HeaderNotAllowed("both kid and jwk; give one".into())),
        (Some(_), None) => return Err(JwtFailure::HeaderNotAllowed("kid is not a string".into())),
        (None, None) => return Err(JwtFailure::HeaderNotAllowed("kid (or jwk) is missing".into())),
    };
    Ok((CheckedHeader { alg, key }, payload))
}

/// Verifies the signature with a resolved public key.
pub fn verify_signature(token: &str, header: &CheckedHeader, public: &JWK) -> Result<(), JwtFailure> {
    let fits = match (&header.alg, &public.params) {
        (Algorithm::EdDSA, Params::OKP(p)) => p.curve == "Ed25519",
        (Algorithm::RS256, Params::RSA(_)) => true,
        _ => false,
    };
    if !fits {
        return Err(JwtFailure::KeyMismatch(if header.alg == Algorithm::EdDSA { "Ed25519" } else { "RSA" }.into()));
    }
    let token = token.trim();
    if header.alg == Algorithm::EdDSA {
        // Directly, strictly (no small-order keys, no non-canonical signatures).
        let key = super::proof::ed25519_public(public).ok_or_else(|| JwtFailure::KeyMismatch("Ed25519".into()))?;
        let (input, sig) = token.rsplit_once('.').ok_or_else(|| JwtFailure::Malformed("no signature part".into()))?;
        let sig = BASE64_URL_SAFE_NO_PAD.decode(sig).map_err(|_| JwtFailure::BadSignature)?;
        let sig = ed25519_dalek::Signature::from_slice(&sig).map_err(|_| JwtFailure::BadSignature)?;
        return key.verify_strict(input.as_bytes(), &sig).map_err(|_| JwtFailure::BadSignature);
    }
    ssi::claims::jws::decode_verify(token, public).map(|_| ()).map_err(|_| JwtFailure::BadSignature)
}

/// Checks that the registered claims agree with the credential in the payload.
pub fn check_claims(payload: &Map<String, Value>) -> Result<(), JwtFailure> {
    // The claims derive from members that are not claims themselves, so the payload
    // gives the same as the credential without its claims.
    let want = registered_claims(payload);
    for name in ["iss", "jti", "nbf", "sub", "exp"] {
        match (payload.get(name), want.get(name)) {
            (Some(got), Some(w)) if got != w => {
                return Err(JwtFailure::ClaimMismatch(format!("'{name}' is {got} but the credential says {w}")));
            }
            (None, Some(w)) => {
                return Err(JwtFailure::ClaimMismatch(format!("'{name}' is missing (the credential says {w})")));
            }
            (Some(got), None) => {
                return Err(JwtFailure::ClaimMismatch(format!(
                    "'{name}' is {got} but the credential has no such value"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}
