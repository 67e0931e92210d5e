//! Tampering and the distinct, named verification failures.

use chrono::{NaiveDate, TimeZone, Utc};
use microcred::clock::FixedClock;
use microcred::crypto::did::Resolver;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::issuance::{Format, IssueOptions, issue};
use microcred::verify::{VerificationReport, verify_text};
use rand::SeedableRng;
use serde_json::Value;

use crate::helpers::*;

async fn issued(format: Format, key: &IssuerKey) -> (Value, String) {
    let rec = own_records("valid.json").remove(0);
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
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

type Tamper = fn(&mut Value);

const TAMPERS: &[(&str, Tamper, &str)] = &[
    (
        "name",
        |c| c["credentialSubject"]["achievement"]["name"] = "Ethiek en AI (gewijzigd)".into(),
        "signature.invalid",
    ),
    ("credential name", |c| c["name"] = "Iets anders".into(), "signature.invalid"),
    (
        "learning outcome",
        |c| c["credentialSubject"]["achievement"]["learningOutcomes"][0]["outcomeText"]["nl"] = "Iets anders".into(),
        "signature.invalid",
    ),
    ("ECTS", |c| c["credentialSubject"]["achievement"]["creditsAvailable"] = 20.into(), "signature.invalid"),
    ("validFrom", |c| c["validFrom"] = "2024-01-01T00:00:00Z".into(), "signature.invalid"),
    (
        "learner id",
        |c| c["credentialSubject"]["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000".into(),
        "signature.invalid",
    ),
    (
        "learner name",
        |c| c["credentialSubject"]["identifier"][1]["identityHash"] = "Mallory".into(),
        "signature.invalid",
    ),
    ("issuer name", |c| c["issuer"]["name"] = "Universiteit Gent".into(), "signature.invalid"),
];

#[tokio::test]
async fn every_tampered_field_fails_the_data_integrity_signature() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let (cred, _) = issued(Format::Ldp, &key).await;
    assert!(verify(&cred.to_string()).await.valid);
    for (what, tamper, code) in TAMPERS {
        let mut c = cred.clone();
        tamper(&mut c);
        let r = verify(&c.to_string()).await;
        assert!(!r.valid, "{what}");
        assert!(r.has_code(code), "{what}: {:?}", codes(&r));
    }
}

#[tokio::test]
async fn every_tampered_field_fails_the_jwt_signature() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let (_, token) = issued(Format::Jwt, &key).await;
    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine;
    let b64 = base64::prelude::BASE64_URL_SAFE_NO_PAD;
    let payload: Value = serde_json::from_slice(&b64.decode(parts[1]).expect("b64")).expect("json");
    for (what, tamper, _) in TAMPERS {
        let mut p = payload.clone();
        tamper(&mut p);
        let forged = format!("{}.{}.{}", parts[0], b64.encode(p.to_string()), parts[2]);
        let r = verify(&forged).await;
        assert!(!r.valid && r.has_code("signature.invalid"), "{what}: {:?}", codes(&r));
    }
}

fn flip(s: &str, at: usize) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn one_changed_character_of_the_proof_fails_as_a_bad_signature() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let (cred, token) = issued(Format::Ldp, &key).await;
    let pv = cred["proof"][0]["proofValue"].as_str().expect("proofValue").to_owned();
    for at in [1, pv.len() / 2, pv.len() - 1] {
        let mut c = cred.clone();
        c["proof"][0]["proofValue"] = flip(&pv, at).into();
        let r = verify(&c.to_string()).await;
        assert!(r.has_code("signature.invalid"), "at {at}: {:?}", codes(&r));
    }
    let _ = token;
    let (_, token) = issued(Format::Jwt, &key).await;
    let dot = token.rfind('.').expect("dot");
    let r = verify(&flip(&token, dot + 3)).await;
    assert!(r.has_code("signature.invalid"), "{:?}", codes(&r));
}

#[tokio::test]
async fn a_credential_signed_by_a_key_the_issuer_does_not_control_is_a_wrong_key() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let other = IssuerKey::generate(KeyAlg::Ed25519).expect("other");
    for format in [Format::Ldp, Format::Jwt] {
        // Issued by `key`, then the issuer is changed to someone else.
        let (mut cred, _) = issued(format, &key).await;
        cred["issuer"]["id"] = other.did().into();
        let text = if format == Format::Ldp {
            cred.to_string()
        } else {
            let Value::Object(m) = &cred else { unreachable!() };
            microcred::crypto::jwt::sign(m, &key).expect("resign")
        };
        let r = verify(&text).await;
        assert!(r.has_code("key.not_issuer"), "{format:?}: {:?}", codes(&r));
    }
}

#[tokio::test]
async fn unknown_contexts_undefined_terms_and_expiry_are_distinct_failures() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let (cred, _) = issued(Format::Ldp, &key).await;

    let mut unknown = cred.clone();
    unknown["@context"].as_array_mut().expect("ctx").push("https://example.org/unknown-context.jsonld".into());
    assert_eq!(codes(&verify(&unknown.to_string()).await), ["context.unknown"]);

    let mut undefined = cred.clone();
    undefined["credentialSubject"]["favouriteColour"] = "blue".into();
    let r = verify(&undefined.to_string()).await;
    assert!(r.has_code("jsonld.undefined_term") && !r.has_code("context.unknown"), "{:?}", codes(&r));

    let rec = own_records("valid.json").remove(0);
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let until = Utc.with_ymd_and_hms(2025, 10, 1, 0, 0, 0).single().expect("date");
    let opts = IssueOptions { valid_until: Some(until), ..Default::default() };
    let expiring = issue(&rec, &key, &fixture_clock(), &mut rng, &opts).await.expect("issue");
    let later = FixedClock::at_date(NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"));
    let r = verify_text(&expiring.to_wire(), &Resolver::new(), &later).await;
    assert_eq!(codes(&r), ["validity.expired"]);
    assert!(verify_text(&expiring.to_wire(), &Resolver::new(), &fixture_clock()).await.valid);
}

#[tokio::test]
async fn jwts_with_alg_none_or_extra_headers_are_refused_by_name() {
    use base64::Engine;
    let b64 = base64::prelude::BASE64_URL_SAFE_NO_PAD;
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let (_, token) = issued(Format::Jwt, &key).await;
    let parts: Vec<&str> = token.split('.').collect();
    let none = format!("{}.{}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    assert_eq!(codes(&verify(&none).await), ["jwt.alg_not_allowed"]);
    let none_sig = format!("{}.{}.{}", b64.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1], parts[2]);
    assert_eq!(codes(&verify(&none_sig).await), ["jwt.alg_not_allowed"]);
    let hs = format!("{}.{}.{}", b64.encode(r#"{"alg":"HS256","typ":"JWT","kid":"x"}"#), parts[1], parts[2]);
    assert_eq!(codes(&verify(&hs).await), ["jwt.alg_not_allowed"]);
    let cty = format!(
        "{}.{}.{}",
        b64.encode(format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}","cty":"vc"}}"#, key.verification_method())),
        parts[1],
        parts[2]
    );
    assert_eq!(codes(&verify(&cty).await), ["jwt.header_not_allowed"]);
}
