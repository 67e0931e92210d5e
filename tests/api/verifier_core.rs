//! `@digitalcredentials/verifier-core` (Learner Credential Wallet, VerifierPlus),
//! unmodified, verifies a service credential over HTTPS on loopback with nothing mapped
//! by hand: its own document loader fetches our extension context from the service
//! (`server.context_base_url` defaults to `base_url`), resolves the issuer's
//! `did:web:localhost%3APORT:issuers:SLUG` at `https://localhost:PORT/issuers/SLUG/did.json`
//! and fetches the status list. The only help: `NODE_EXTRA_CA_CERTS` names the test CA.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::*;
use crate::tls::{client_trusting, test_pki};

fn ready() -> bool {
    let ok = root().join("tests/verifier-core/node_modules/@digitalcredentials/verifier-core").is_dir();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the verifier-core test: run `npm ci` in tests/verifier-core"
        );
        crate::skip::skip(
            "verifier-core over HTTPS (tests/verifier-core/node_modules missing)",
            "(cd tests/verifier-core && npm ci)",
        );
    }
    ok
}

/// verifier-core's verdicts, one per file.
fn verifier_core(ca: &std::path::Path, files: &[&std::path::Path]) -> Vec<Value> {
    let out = Command::new("node")
        .arg(root().join("tests/verifier-core/verify.mjs"))
        .args(files)
        .env("NODE_EXTRA_CA_CERTS", ca)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("verifier-core stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifier_core_verifies_a_service_credential_over_https_and_sees_revocation_and_tampering() {
    if !ready() {
        return;
    }
    let pki_dir = tempfile::tempdir().unwrap();
    let pki = test_pki(pki_dir.path());
    // The wall clock: verifier-core checks the status list's validity against real time.
    let mut app = spawn_app_on_wall_clock(|s| {
        s.server.tls_cert = Some(pki.cert.clone());
        s.server.tls_key = Some(pki.key.clone());
    })
    .await;
    app.client = client_trusting(&pki.ca);
    assert!(app.address.starts_with("https://localhost:"), "{}", app.address);
    let key = app.institution("ehb", "ehb").await;
    let res = app.issue(&key, &own_records("valid.json").remove(0)).await;
    assert_eq!(res.status(), 201);
    let issued: Value = res.json().await.unwrap();
    let cred = issued["credential"].clone();
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    assert_eq!(cred["issuer"]["id"], format!("did:web:localhost%3A{port}:issuers:ehb"));
    let context = format!("{}/microcred/contexts/v1.jsonld", app.address);
    assert_eq!(cred["@context"][2], context.as_str(), "the context is named where the service serves it");
    assert_eq!(cred["credentialSchema"][1]["id"], format!("{}/microcred/schemas/v1.json", app.address));

    let dir = app.dir.path().to_owned();
    let (good_f, tampered_f) = (dir.join("good.json"), dir.join("tampered.json"));
    std::fs::write(&good_f, cred.to_string()).unwrap();
    let mut tampered = cred.clone();
    tampered["credentialSubject"]["achievement"]["name"] = json!({"en": "Something else", "nl": "Iets anders"});
    if tampered["credentialSubject"]["achievement"]["name"] == cred["credentialSubject"]["achievement"]["name"] {
        unreachable!("the tampered copy differs");
    }
    std::fs::write(&tampered_f, tampered.to_string()).unwrap();

    let started = std::time::Instant::now();
    // The good one twice: a verifier that keeps running (VerifierPlus) checks many of
    // our credentials against the schema it fetched once.
    let v = verifier_core(&pki.ca, &[&good_f, &tampered_f, &good_f]);
    eprintln!("verifier-core: three credentials in {:?}", started.elapsed());
    let (good, bad) = (&v[0], &v[1]);
    assert_eq!(good["signature"], true, "{good}");
    assert_eq!(good["status"], true, "not revoked: {good}");
    assert!(good["errors"].as_array().unwrap().is_empty(), "{good}");
    // Our extension schema, fetched from the service, passes. (The 1EdTech schema lives
    // at purl.imsglobal.org: judged only when reachable.)
    let ours = format!("{}/microcred/schemas/v1.json", app.address);
    for good in [&v[0], &v[2]] {
        let each = good["schemas_each"].as_array().unwrap();
        assert!(each.iter().any(|s| s["schema"] == ours.as_str() && s["valid"] == true), "{good}");
        assert_eq!(good["signature"], true, "{good}");
    }
    for s in good["schemas"].as_array().unwrap() {
        assert_eq!(s["valid"], true, "{good}");
    }
    assert!(bad["signature"] != true, "a tampered copy must fail: {bad}");

    // Revoked through the API: verifier-core reads the bit from the re-signed list.
    let public_id = issued["public_id"].as_str().unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/credentials/{public_id}/revoke"),
            Some(&key),
            &json!({"reason": "issued in error"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let v = verifier_core(&pki.ca, &[&good_f]);
    assert_eq!(v[0]["signature"], true, "{}", v[0]);
    assert_eq!(v[0]["status"], false, "revoked: {}", v[0]);
}
