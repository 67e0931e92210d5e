//! Per-stage costs of issuing and verifying one microcredential, single thread:
//! record validation, mapping and schema checks, eddsa-rdfc-2022 (fast and general
//! JSON-LD paths), VC-JWT, full verification, and the Ed25519 primitives. Two records:
//! `minimal` (mandatory elements only, a 4.5 KB credential) and `rich` (the README
//! example, 6.7 KB).
//!
//!   cargo bench --bench stages            # full criterion run
//!   cargo bench --bench stages -- --quick # a quick pass (CI)

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)] // a benchmark: failing loudly is right

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use microcred::clock::FixedClock;
use microcred::crypto::did::Resolver;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::crypto::{jwt, proof};
use microcred::domain::parse_record;
use microcred::issuance::{Format, IssueOptions, build_checked, issue};
use microcred::ob3::mapping::{MappingInputs, to_credential};
use microcred::{fastld, schema, verify};
use rand::SeedableRng;
use serde_json::Value;

// The service's allocator (src/main.rs), so that figures match the binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The two benchmark records: `(name, record)`.
fn records() -> Vec<(&'static str, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}{f}")).expect("read fixture")).expect("JSON")
    };
    let Value::Array(valid) = read("valid.json") else { panic!("valid.json is an array") };
    let minimal = valid.into_iter().find(|r| r["record_id"] == "own-valid-02").expect("own-valid-02");
    vec![("minimal", minimal), ("rich", read("record-example.json"))]
}

fn clock() -> FixedClock {
    FixedClock::at_date(chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"))
}

fn stages(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let clock = clock();
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let secret: ssi::JWK = serde_json::from_str(&key.to_private_json()).expect("jwk");
    let public = key.public_jwk();
    let resolver = Resolver::new();
    let (vm, did) = (key.verification_method(), key.did());
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let jwt_opts = IssueOptions { format: Format::Jwt, ..Default::default() };
    let created = chrono::Utc::now();

    for (name, raw) in records() {
        let ldp = rt.block_on(issue(&raw, &key, &clock, &mut rng, &IssueOptions::default())).expect("issue ldp");
        let token = rt.block_on(issue(&raw, &key, &clock, &mut rng, &jwt_opts)).expect("issue jwt").jwt.expect("jwt");
        let signed_text = serde_json::to_string(&ldp.credential).expect("text");
        let mut unsigned = ldp.credential.clone();
        unsigned.as_object_mut().expect("object").remove("proof");
        let (record, _) = parse_record(&raw, &clock).expect("valid");
        let typed = fastld::as_ours(&unsigned).expect("ours");
        let graph = fastld::emit::credential(&typed).expect("emit");
        eprintln!(
            "{name}: credential {} bytes signed (ldp), token {} bytes (jwt); {} triples, {} blank nodes",
            signed_text.len(),
            token.len(),
            graph.triples.len(),
            graph.blanks
        );
        let inputs = MappingInputs {
            issuer_id: did.to_owned(),
            credential_id: "urn:uuid:00000000-0000-4000-8000-000000000000".into(),
            email_salt: "00112233445566778899aabbccddeeff".into(),
            valid_until: None,
        };

        let mut g = c.benchmark_group(format!("record/{name}"));
        g.bench_function("validate", |b| b.iter(|| parse_record(black_box(&raw), &clock).expect("valid")));
        g.bench_function("map", |b| b.iter(|| to_credential(black_box(&record), &inputs)));
        g.bench_function("schema_check", |b| b.iter(|| schema::check(black_box(&unsigned), true)));
        g.bench_function("build_checked", |b| {
            b.iter(|| rt.block_on(build_checked(&record, &key, &mut rng, &IssueOptions::default())).expect("build"))
        });
        g.finish();

        let mut g = c.benchmark_group(format!("fastld/{name}"));
        g.bench_function("as_ours", |b| b.iter(|| fastld::as_ours(black_box(&unsigned)).expect("ours")));
        g.bench_function("emit", |b| b.iter(|| fastld::emit::credential(black_box(&typed)).expect("emit")));
        g.bench_function("canonicalize", |b| {
            b.iter(|| fastld::nquads::canonicalize(black_box(&graph.triples), graph.blanks).expect("canon"))
        });
        g.finish();

        let mut g = c.benchmark_group(format!("ldp/{name}"));
        g.bench_function("sign", |b| {
            b.iter(|| rt.block_on(proof::sign(black_box(&unsigned), &key, created)).expect("sign"))
        });
        g.bench_function("sign_general", |b| {
            b.iter(|| rt.block_on(proof::sign_general(black_box(&unsigned), &secret, vm, did, created)).expect("sign"))
        });
        g.bench_function("verify_proof", |b| {
            b.iter(|| rt.block_on(proof::verify(black_box(&ldp.credential), vm, did, &public)).expect("verify"))
        });
        g.bench_function("verify_proof_general", |b| {
            b.iter(|| rt.block_on(proof::verify_general(black_box(&ldp.credential), vm, did, &public)).expect("verify"))
        });
        g.bench_function("issue_end_to_end", |b| {
            b.iter(|| {
                rt.block_on(issue(black_box(&raw), &key, &clock, &mut rng, &IssueOptions::default())).expect("issue")
            })
        });
        g.bench_function("verify_end_to_end", |b| {
            b.iter(|| {
                let r = rt.block_on(verify::verify_text(black_box(&signed_text), &resolver, &clock));
                assert!(r.valid, "{:?}", r.errors);
            })
        });
        g.finish();

        let Value::Object(map) = &unsigned else { unreachable!("an object") };
        let mut g = c.benchmark_group(format!("jwt/{name}"));
        g.bench_function("sign", |b| b.iter(|| jwt::sign(black_box(map), &key).expect("sign")));
        g.bench_function("verify", |b| {
            b.iter(|| {
                let (header, payload) = jwt::parse(black_box(&token)).expect("parse");
                jwt::verify_signature(&token, &header, &public).expect("signature");
                jwt::check_claims(&payload).expect("claims");
            })
        });
        g.bench_function("issue_end_to_end", |b| {
            b.iter(|| rt.block_on(issue(black_box(&raw), &key, &clock, &mut rng, &jwt_opts)).expect("issue"))
        });
        g.bench_function("verify_end_to_end", |b| {
            b.iter(|| {
                let r = rt.block_on(verify::verify_text(black_box(&token), &resolver, &clock));
                assert!(r.valid, "{:?}", r.errors);
            })
        });
        g.finish();
    }
}

/// Ed25519 alone: `ed25519-dalek` and AWS-LC, short and token-sized messages.
fn primitives(c: &mut Criterion) {
    use aws_lc_rs::signature::KeyPair as _;
    use ed25519_dalek::Signer;
    let seed = [7u8; 32];
    let dalek = ed25519_dalek::SigningKey::from_bytes(&seed);
    let aws = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&seed).expect("key");
    assert_eq!(aws.public_key().as_ref(), dalek.verifying_key().as_bytes());
    let mut g = c.benchmark_group("ed25519");
    for size in [64usize, 6000] {
        let msg = vec![42u8; size];
        let sig = dalek.sign(&msg);
        assert_eq!(aws.sign(&msg).as_ref(), sig.to_bytes(), "Ed25519 is deterministic");
        g.bench_function(format!("dalek_sign_{size}B"), |b| b.iter(|| dalek.sign(black_box(&msg))));
        g.bench_function(format!("awslc_sign_{size}B"), |b| b.iter(|| aws.sign(black_box(&msg))));
        let vk = dalek.verifying_key();
        g.bench_function(format!("dalek_verify_strict_{size}B"), |b| {
            b.iter(|| vk.verify_strict(black_box(&msg), &sig).expect("valid"))
        });
        let pk = aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, vk.to_bytes());
        g.bench_function(format!("awslc_verify_{size}B"), |b| {
            b.iter(|| pk.verify(black_box(&msg), &sig.to_bytes()).expect("valid"))
        });
    }
    g.finish();
}

criterion_group!(benches, stages, primitives);
criterion_main!(benches);
