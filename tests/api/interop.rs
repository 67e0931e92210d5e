//! Credentials issued through the API verify with the CLI and with the Digital Bazaar
//! JavaScript verifier, resolving the issuer's did:web from the document the service serves.

use std::process::Command;

use serde_json::Value;

use crate::helpers::*;

fn js_ready() -> bool {
    let ok = root().join("tests/js/node_modules/@digitalbazaar/vc").is_dir();
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must run the JS interop tests: run `npm ci` in tests/js");
        crate::skip::skip("Digital Bazaar verifier interop (tests/js/node_modules missing)", "(cd tests/js && npm ci)");
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_issued_credentials_verify_with_the_cli_and_the_digital_bazaar_verifier() {
    let app = spawn_app().await;
    let dir = app.dir.path().to_owned();
    let (mut ldp, mut jwt) = (String::new(), String::new());
    let records = valid_records();
    for rec in &records {
        let body: Value = app.issue(&app.demo_key, rec).await.json().await.unwrap();
        let share = body["share_url"].as_str().unwrap();
        let json =
            app.client.get(share).header("accept", "application/ld+json").send().await.unwrap().text().await.unwrap();
        let token =
            app.client.get(share).header("accept", "application/jwt").send().await.unwrap().text().await.unwrap();
        ldp.push_str(&json);
        ldp.push('\n');
        jwt.push_str(&token);
        jwt.push('\n');
    }
    let did_doc = app.client.get(app.url("/issuers/demo/did.json")).send().await.unwrap().text().await.unwrap();
    let (ldp_f, jwt_f, doc_f) = (dir.join("ldp.jsonl"), dir.join("jwt.txt"), dir.join("did.json"));
    std::fs::write(&ldp_f, &ldp).unwrap();
    std::fs::write(&jwt_f, &jwt).unwrap();
    std::fs::write(&doc_f, &did_doc).unwrap();

    // The CLI, resolving the did:web from the served document.
    for line in ldp.lines().chain(jwt.lines()).step_by(5) {
        let one = dir.join("one.txt");
        std::fs::write(&one, line).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_microcred"))
            .args([
                "verify",
                one.to_str().unwrap(),
                "--did-doc",
                doc_f.to_str().unwrap(),
                "--now",
                "2025-09-01T00:00:00Z",
                "--allow-private-status-urls",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    }

    if !js_ready() {
        return;
    }
    let contexts = app.js_contexts().await;
    let out = Command::new("node")
        .arg(root().join("tests/js/verify.mjs"))
        .args([
            "--contexts",
            &contexts,
            "--now",
            "2025-09-01T00:00:00Z",
            "--did-doc",
            doc_f.to_str().unwrap(),
            ldp_f.to_str().unwrap(),
            jwt_f.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches("\"verified\":true").count(), records.len() * 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_names_the_option_that_allows_a_refused_status_list() {
    // The contexts at w3id.org (shipped): only the status list is on this machine.
    let app = spawn_with(Backend::Sqlite, |s| s.server.context_base_url = "https://w3id.org".into()).await;
    let body: Value = app.issue(&app.demo_key, &valid_records()[0]).await.json().await.unwrap();
    let dir = app.dir.path().to_owned();
    let cred = dir.join("c.json");
    std::fs::write(&cred, body["credential"].to_string()).unwrap();
    let did_doc = app.client.get(app.url("/issuers/demo/did.json")).send().await.unwrap().text().await.unwrap();
    let doc_f = dir.join("did.json");
    std::fs::write(&doc_f, did_doc).unwrap();
    let verify = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_microcred"))
            .args([
                "verify",
                cred.to_str().unwrap(),
                "--did-doc",
                doc_f.to_str().unwrap(),
                "--now",
                "2025-09-01T00:00:00Z",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    // The list is on a plain-http loopback address: refused, and the hint says how.
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("status.unknown"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-private-status-urls") && err.contains("--status-list"), "{err}");
    let out = verify(&["--allow-private-status-urls"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hint"));
}
