//! Verifier breadth (issue 13): a single `proof` object, a VC-JWT carrying its key in the
//! `jwk` header (only the issuer's own key counts), did:jwk verification methods.

use microcred::crypto::did::Resolver;
use microcred::crypto::keys::IssuerKey;
use microcred::issuance::{Format, IssueOptions, issue};
use microcred::verify::{VerificationReport, verify_text};
use rand::SeedableRng;
use serde_json::{Value, json};
use ssi::JWK;
use ssi::claims::jws::Header;

use crate::helpers::*;

async fn issued(format: Format, key: &IssuerKey) -> (Value, String) {
    let rec = own_records("valid.json").remove(0);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let opts = IssueOptions { format, ..Default::default() };
    let i = issue(&rec, key, &fixture_clock(), &mut rng, &opts).await.expect("issue");
    (i.credential.clone(), i.to_wire())
}

async fn verify(text: &str) -> VerificationReport {
    verify_text(text, &Resolver::new(), &fixture_clock()).await
}

fn codes(r: &VerificationReport) -> Vec<String> {
    r.errors.iter().map(|e| e.code.clone()).collect()
}

#[tokio::test]
async fn a_single_proof_object_is_read_like_a_one_element_list() {
    let key = IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).expect("key");
    let (mut c, _) = issued(Format::Ldp, &key).await;
    assert!(c["proof"].is_array());
    c["proof"] = c["proof"][0].clone();
    let r = verify(&c.to_string()).await;
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.checks.get("schema"), Some(&microcred::verify::CheckStatus::Passed));
}

/// The JWT's payload re-signed by `signer` with `{"alg","typ","jwk": header_key}`.
fn with_jwk_header(token: &str, signer: &JWK, header_key: &JWK) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    let payload = base64::prelude::BASE64_URL_SAFE_NO_PAD.decode(payload).expect("b64");
    let header = Header {
        algorithm: ssi::jwk::Algorithm::EdDSA,
        jwk: Some(header_key.to_public()),
        type_: Some("JWT".into()),
        ..Default::default()
    };
    ssi::claims::jws::encode_sign_custom_header(std::str::from_utf8(&payload).expect("utf-8"), signer, &header)
        .expect("sign")
}

#[tokio::test]
async fn a_vc_jwt_may_carry_the_issuers_own_key_in_its_jwk_header_and_no_other() {
    let secret = JWK::generate_ed25519().expect("jwk");
    let key = IssuerKey::from_jwk(secret.clone()).expect("key");
    assert!(key.did().starts_with("did:key:"));
    let (_, token) = issued(Format::Jwt, &key).await;
    assert!(verify(&token).await.valid);

    let own = with_jwk_header(&token, &secret, &secret);
    let r = verify(&own).await;
    assert!(r.valid, "the issuer's did:key in jwk: {:?}", r.errors);

    // Someone else's key, correctly signing: the signature is fine, the key is not the issuer's.
    let mallory = JWK::generate_ed25519().expect("jwk");
    let forged = with_jwk_header(&token, &mallory, &mallory);
    let r = verify(&forged).await;
    assert!(!r.valid);
    assert_eq!(codes(&r), ["key.not_issuer"]);

    // The issuer's key named, another key signing: the signature fails.
    let swapped = with_jwk_header(&token, &mallory, &secret);
    assert_eq!(codes(&verify(&swapped).await), ["signature.invalid"]);

    // Both kid and jwk, or a private jwk: refused by name.
    use base64::Engine;
    let b64 = base64::prelude::BASE64_URL_SAFE_NO_PAD;
    let parts: Vec<&str> = own.split('.').collect();
    let pubjwk = serde_json::to_value(secret.to_public()).expect("json");
    let both = json!({"alg": "EdDSA", "typ": "JWT", "kid": key.verification_method(), "jwk": pubjwk});
    let both = format!("{}.{}.{}", b64.encode(both.to_string()), parts[1], parts[2]);
    assert_eq!(codes(&verify(&both).await), ["jwt.header_not_allowed"]);
    let private = json!({"alg": "EdDSA", "typ": "JWT", "jwk": serde_json::to_value(&secret).expect("json")});
    let private = format!("{}.{}.{}", b64.encode(private.to_string()), parts[1], parts[2]);
    assert_eq!(codes(&verify(&private).await), ["jwt.header_not_allowed"]);
}
