//! Per-stage costs of issuing and verifying one microcredential, single thread:
//! record validation, mapping and schema checks, eddsa-rdfc-2022 (fast and general
//! JSON-LD paths), VC-JWT, and full verification.
//!
//!   cargo bench --bench stages            # full criterion run
//!   cargo bench --bench stages -- --quick # a quick pass (CI)

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use microcred::clock::FixedClock;
use microcred::crypto::did::Resolver;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::crypto::{jwt, proof};
use microcred::domain::parse_record;
use microcred::issuance::{Format, IssueOptions, build_checked, issue};
use microcred::ob3::mapping::{MappingInputs, to_credential};
use microcred::{schema, verify};
use rand::SeedableRng;
use serde_json::Value;

fn record() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/record-example.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read the example record")).expect("JSON")
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
    let raw = record();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let ldp = rt.block_on(issue(&raw, &key, &clock, &mut rng, &IssueOptions::default())).expect("issue ldp");
    let jwt_opts = IssueOptions { format: Format::Jwt, ..Default::default() };
    let jwt_issued = rt.block_on(issue(&raw, &key, &clock, &mut rng, &jwt_opts)).expect("issue jwt");
    let token = jwt_issued.jwt.clone().expect("token");
    let signed_text = serde_json::to_string(&ldp.credential).expect("text");
    let mut unsigned = ldp.credential.clone();
    unsigned.as_object_mut().expect("object").remove("proof");
    let (record, _) = parse_record(&raw, &clock).expect("valid");
    let inputs = MappingInputs {
        issuer_id: key.did().to_owned(),
        credential_id: "urn:uuid:00000000-0000-4000-8000-000000000000".into(),
        email_salt: "00112233445566778899aabbccddeeff".into(),
        valid_until: None,
    };
    let created = chrono::Utc::now();
    let (vm, did) = (key.verification_method(), key.did());
    eprintln!("credential: {} bytes signed (ldp), {} bytes (jwt)", signed_text.len(), token.len());

    let mut g = c.benchmark_group("record");
    g.bench_function("validate", |b| b.iter(|| parse_record(black_box(&raw), &clock).expect("valid")));
    g.bench_function("map", |b| b.iter(|| to_credential(black_box(&record), &inputs)));
    g.bench_function("schema_check", |b| b.iter(|| schema::check(black_box(&unsigned), true)));
    g.bench_function("build_checked", |b| {
        b.iter(|| rt.block_on(build_checked(&record, &key, &mut rng, &IssueOptions::default())).expect("build"))
    });
    g.finish();

    let mut g = c.benchmark_group("ldp");
    g.bench_function("sign_fast", |b| {
        b.iter(|| rt.block_on(proof::sign(black_box(&unsigned), &secret, vm, did, created)).expect("sign"))
    });
    g.bench_function("sign_general", |b| {
        b.iter(|| rt.block_on(proof::sign_general(black_box(&unsigned), &secret, vm, did, created)).expect("sign"))
    });
    g.bench_function("verify_proof_fast", |b| {
        b.iter(|| rt.block_on(proof::verify(black_box(&ldp.credential), vm, did, &public)).expect("verify"))
    });
    g.bench_function("verify_proof_general", |b| {
        b.iter(|| rt.block_on(proof::verify_general(black_box(&ldp.credential), vm, did, &public)).expect("verify"))
    });
    g.bench_function("issue_end_to_end", |b| {
        b.iter(|| rt.block_on(issue(black_box(&raw), &key, &clock, &mut rng, &IssueOptions::default())).expect("issue"))
    });
    g.bench_function("verify_end_to_end", |b| {
        b.iter(|| {
            let r = rt.block_on(verify::verify_text(black_box(&signed_text), &resolver, &clock));
            assert!(r.valid, "{:?}", r.errors);
        })
    });
    g.finish();

    let Value::Object(map) = &unsigned else { unreachable!("an object") };
    let mut g = c.benchmark_group("jwt");
    g.bench_function("sign", |b| b.iter(|| jwt::sign(black_box(map), &key).expect("sign")));
    g.bench_function("verify_crypto", |b| {
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

criterion_group!(benches, stages);
criterion_main!(benches);
