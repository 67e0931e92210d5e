//! Every issued credential verifies with the Digital Bazaar JavaScript stack and passes
//! the 1EdTech JSON Schema under ajv (tests/js). Needs `npm ci` in tests/js; without it
//! the test skips with a message, except under CI where it fails.

use std::path::Path;
use std::process::Command;

use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::issuance::{Format, IssueOptions, issue};
use rand::SeedableRng;

use crate::helpers::*;

fn js_ready() -> bool {
    let ok = root().join("tests/js/node_modules/@digitalbazaar/vc").is_dir()
        && Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must run the JS interop tests: run `npm ci` in tests/js");
        crate::skip::skip("Digital Bazaar verifier interop (tests/js/node_modules missing)", "(cd tests/js && npm ci)");
    }
    ok
}

fn node(script: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("node").arg(root().join("tests/js").join(script)).args(args).output().expect("run node");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn every_issued_credential_verifies_with_the_digital_bazaar_stack_and_passes_the_schema_in_ajv() {
    if !js_ready() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let ed = IssuerKey::generate(KeyAlg::Ed25519).expect("ed25519");
    let rsa = IssuerKey::generate(KeyAlg::Rs256).expect("rsa");
    let rsa_file = dir.path().join("rsa.jwk");
    rsa.write_private(&rsa_file).expect("write rsa");
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let (mut ldp, mut jwt) = (String::new(), String::new());
    let mut records = all_valid_records();
    // Plus random valid records (fractional ECTS, unicode, optional elements on and off).
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..30 {
        use proptest::strategy::{Strategy, ValueTree};
        records.push(crate::properties::valid_record().new_tree(&mut runner).expect("sample").current());
    }
    for rec in &records {
        for (format, key) in [(Format::Ldp, &ed), (Format::Jwt, &ed), (Format::Jwt, &rsa)] {
            let opts = IssueOptions { format, ..Default::default() };
            let issued = issue(rec, key, &fixture_clock(), &mut rng, &opts).await.expect("issue");
            let out = if format == Format::Ldp { &mut ldp } else { &mut jwt };
            out.push_str(&issued.to_wire());
            out.push('\n');
        }
    }
    let (ldp_file, jwt_file) = (dir.path().join("ldp.jsonl"), dir.path().join("jwt.txt"));
    std::fs::write(&ldp_file, &ldp).expect("write");
    std::fs::write(&jwt_file, &jwt).expect("write");
    let s = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
    let now = "2025-09-01T00:00:00Z";
    let (ok, out) = node("verify.mjs", &["--now", now, "--key", &s(&rsa_file), &s(&ldp_file), &s(&jwt_file)]);
    assert!(ok, "Digital Bazaar verifier rejected credentials:\n{out}");
    assert_eq!(out.matches("\"verified\":true").count(), records.len() * 3, "{out}");
    let schema = s(&root().join("schemas/ob_v3p0_achievementcredential_schema.json"));
    let (ok, out) = node("schema.mjs", &["--schema", &schema, &s(&ldp_file), &s(&jwt_file)]);
    assert!(ok, "ajv: OB 3.0 schema rejected credentials:\n{out}");
    let ext = s(&root().join("schemas/microcred-extension-v1.json"));
    let (ok, out) = node("schema.mjs", &["--schema", &ext, &s(&ldp_file)]);
    assert!(ok, "ajv: extension schema rejected credentials:\n{out}");
}

#[tokio::test]
async fn the_digital_bazaar_verifier_rejects_what_we_reject() {
    if !js_ready() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let rec = own_records("valid.json").remove(0);
    let issued = issue(&rec, &key, &fixture_clock(), &mut rng, &IssueOptions::default()).await.expect("issue");
    let mut tampered = issued.credential.clone();
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 12.into();
    let mut undefined = issued.credential.clone();
    undefined["credentialSubject"]["favouriteColour"] = "blue".into();
    for (what, doc) in [("tampered", tampered), ("undefined term", undefined)] {
        let f = dir.path().join("c.json");
        std::fs::write(&f, doc.to_string()).expect("write");
        let (ok, out) = node("verify.mjs", &["--now", "2025-09-01T00:00:00Z", f.to_str().expect("path")]);
        assert!(!ok && out.contains("\"verified\":false"), "{what}: {out}");
    }
}
