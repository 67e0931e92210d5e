//! The fast canonicalisation path gives exactly the general JSON-LD processor's
//! canonical N-Quads and the same eddsa-rdfc-2022 proofs, on every fixture and on random
//! records.

use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::crypto::proof;
use microcred::fastld;
use microcred::issuance::{IssueOptions, issue};
use microcred::jsonld::canonical_nquads;
use microcred::status::entry::{Purpose, entry_json};
use proptest::strategy::{Strategy, ValueTree};
use rand::SeedableRng;
use serde_json::Value;

use crate::helpers::*;

async fn compare(rec: &Value, status: Option<Value>, key: &IssuerKey, rng: &mut rand::rngs::StdRng) -> bool {
    let opts = IssueOptions { credential_status: status, ..Default::default() };
    let issued = issue(rec, key, &fixture_clock(), rng, &opts).await.expect("issue");
    let mut doc = issued.credential.clone();
    doc.as_object_mut().expect("object").remove("proof");
    let general = canonical_nquads(&doc).await.expect("general");
    let typed = fastld::as_ours(&doc).expect("our own credential is our shape");
    let taken = match fastld::canonical(&typed) {
        Some(fast) => {
            assert_eq!(fast, general, "{}", rec["record_id"]);
            true
        }
        None => false,
    };
    // Signatures: the proof `issue` made equals the general processor's, and both
    // verifiers agree on the credential and on a tampered copy.
    let created = issued.credential["proof"][0]["created"].as_str().expect("created").parse().expect("date");
    let secret: ssi::JWK = serde_json::from_str(&key.to_private_json()).expect("jwk");
    let general_proof =
        proof::sign_general(&doc, &secret, key.verification_method(), key.did(), created).await.expect("general sign");
    assert_eq!(issued.credential["proof"][0], general_proof, "{}", rec["record_id"]);
    let public = key.public_jwk();
    let (vm, did) = (key.verification_method(), key.did());
    proof::verify(&issued.credential, vm, did, &public).await.expect("fast verify");
    proof::verify_general(&issued.credential, vm, did, &public).await.expect("general verify");
    let mut tampered = issued.credential.clone();
    tampered["credentialSubject"]["identifier"][0]["salt"] = "tampered".into();
    assert_eq!(proof::verify(&tampered, vm, did, &public).await, Err(proof::ProofFailure::BadSignature));
    assert_eq!(proof::verify_general(&tampered, vm, did, &public).await, Err(proof::ProofFailure::BadSignature));
    taken
}

#[tokio::test]
async fn the_fast_path_matches_the_general_processor_on_fixtures_and_random_records() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let single = entry_json("https://issuer.example/issuers/x/status/revocation/1", Purpose::Revocation, 4242);
    let both = Value::Array(vec![
        single.clone(),
        entry_json("https://issuer.example/issuers/x/status/suspension/1", Purpose::Suspension, 4242),
    ]);
    let mut records = all_valid_records();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..60 {
        records.push(crate::properties::valid_record().new_tree(&mut runner).expect("sample").current());
    }
    let (mut fast, mut total) = (0, 0);
    for (i, rec) in records.iter().enumerate() {
        let status = match i % 3 {
            0 => None,
            1 => Some(single.clone()),
            _ => Some(both.clone()),
        };
        total += 1;
        if compare(rec, status, &key, &mut rng).await {
            fast += 1;
        }
    }
    eprintln!("fast path taken for {fast} of {total} credentials");
    assert_eq!(fast, total, "the fast path covers every credential we issue");
}

#[test]
fn documents_that_are_not_exactly_our_shape_take_the_general_path() {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("rt");
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let issued = rt
        .block_on(issue(
            &own_records("valid.json").remove(0),
            &key,
            &fixture_clock(),
            &mut rng,
            &IssueOptions::default(),
        ))
        .expect("issue");
    let doc = issued.credential;
    assert!(fastld::as_ours(&doc).is_some());
    assert!(fastld::covers(&doc));
    let mut odd_proof = doc.clone();
    odd_proof["proof"][0]["favouriteColour"] = "blue".into();
    assert!(!fastld::covers(&odd_proof), "a proof member we do not write");
    assert!(rt.block_on(microcred::jsonld::check_terms(&odd_proof)).is_err(), "and it is an undefined term");
    let mut extra = doc.clone();
    extra["credentialSubject"]["favouriteColour"] = "blue".into();
    assert!(fastld::as_ours(&extra).is_none(), "an extra member");
    let mut float = doc.clone();
    float["credentialSubject"]["creditsEarned"] = serde_json::json!(6.0);
    assert!(fastld::as_ours(&float).is_none(), "6.0 is not written as we write it");
    let mut ctx = doc.clone();
    ctx["@context"].as_array_mut().expect("ctx").push("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json".into());
    assert!(fastld::as_ours(&ctx).is_none(), "another context list");
}
