//! The official 1EdTech OB 3.0 eddsa-rdfc-2022 test vector, reproduced byte for byte:
//! canonical N-Quads of the document and of the proof configuration, and the proofValue.

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use chrono::DateTime;
use microcred::crypto::proof;
use microcred::jsonld::canonical_nquads;
use serde_json::{Value, json};

use crate::helpers::*;

fn vector_file(name: &str) -> String {
    let own = std::fs::read_to_string(root().join("tests/vectors").join(name)).expect("own copy of the vector");
    if let Some(shared) = shared_dir() {
        let theirs = std::fs::read_to_string(shared.join("vectors").join(name)).expect("shared vector");
        assert_eq!(own, theirs, "tests/vectors/{name} differs from ../shared/vectors/{name}");
    }
    own
}

fn key_and_vector() -> (ssi::JWK, Value) {
    let v: Value = serde_json::from_str(&vector_file("ob3-eddsa-rdfc-2022.json")).expect("vector json");
    let hex_field = |k: &str| hex::decode(v[k].as_str().expect(k)).expect("hex");
    let jwk: ssi::JWK = serde_json::from_value(json!({
        "kty": "OKP", "crv": "Ed25519",
        "x": BASE64_URL_SAFE_NO_PAD.encode(hex_field("public_key_hex")),
        "d": BASE64_URL_SAFE_NO_PAD.encode(hex_field("private_key_seed_hex")),
    }))
    .expect("jwk");
    (jwk, v)
}

#[tokio::test]
async fn the_document_canonicalises_to_the_official_n_quads() {
    let (_, v) = key_and_vector();
    let got = canonical_nquads(&v["credential"]).await.expect("canonical");
    assert_eq!(got, vector_file("ob3-document-canon.txt"));
}

#[tokio::test]
async fn the_proof_configuration_canonicalises_to_the_official_n_quads() {
    let (_, v) = key_and_vector();
    let config = json!({
        "@context": v["credential"]["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": v["proof_created"],
        "verificationMethod": v["verification_method"]["id"],
        "proofPurpose": "assertionMethod",
    });
    let got = canonical_nquads(&config).await.expect("canonical");
    assert_eq!(got, vector_file("ob3-proof-canon.txt"));
}

#[tokio::test]
async fn signing_the_vector_reproduces_the_official_proof_value_and_it_verifies() {
    let (jwk, v) = key_and_vector();
    let vm = v["verification_method"]["id"].as_str().expect("vm");
    let controller = v["verification_method"]["controller"].as_str().expect("controller");
    let created = DateTime::parse_from_rfc3339(v["proof_created"].as_str().expect("created")).expect("date").to_utc();
    let p = proof::sign_general(&v["credential"], &jwk, vm, controller, created).await.expect("sign");
    assert_eq!(p["proofValue"], v["expected_proof_value"]);
    assert_eq!(p["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(p["created"], v["proof_created"]);

    let mut signed = v["credential"].clone();
    signed["proof"] = p;
    proof::verify(&signed, vm, controller, &jwk.to_public()).await.expect("verifies");
    signed["credentialSubject"]["achievement"]["name"] = "Teamwork!".into();
    assert_eq!(proof::verify(&signed, vm, controller, &jwk.to_public()).await, Err(proof::ProofFailure::BadSignature));
}
