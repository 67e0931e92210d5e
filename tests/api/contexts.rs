//! Our extension context under its public URLs: the service names it under
//! `server.context_base_url` (default `base_url`) and serves it there; credentials naming
//! the w3id.org URL keep verifying; another deployment's URL is accepted only when what
//! it serves is byte for byte a version we ship (SHA-256), fetched with the status-list
//! address rules.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::*;

/// Serves `body` at every path on 127.0.0.1; returns the base URL.
async fn serve_bytes(body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(move || async move { ([("content-type", "application/ld+json")], body) });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://127.0.0.1:{port}")
}

fn with_context(cred: &Value, url: &str) -> Value {
    let mut c = cred.clone();
    c["@context"][2] = json!(url);
    c
}

fn codes(report: &Value) -> Vec<String> {
    report["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_is_named_and_served_under_the_context_base_url() {
    let app = spawn_app().await;
    let issued: Value = app.issue(&app.demo_key, &valid_records()[0]).await.json().await.unwrap();
    let cred = &issued["credential"];
    let context_url = app.url("/microcred/contexts/v1.jsonld");
    assert_eq!(cred["@context"][2], context_url.as_str());
    assert_eq!(cred["credentialSchema"][1]["id"], app.url("/microcred/schemas/v1.json"));
    let served = app.client.get(&context_url).send().await.unwrap().text().await.unwrap();
    let shipped = microcred::jsonld::contexts::get(microcred::jsonld::contexts::MICROCRED_V1_URL).unwrap();
    assert_eq!(served, shipped, "served byte for byte");
    // Its digest, named in relatedResource (VC 2.0), is that of the bytes served.
    use base64::Engine;
    use sha2::Digest;
    let sri = format!("sha256-{}", base64::prelude::BASE64_STANDARD.encode(sha2::Sha256::digest(served.as_bytes())));
    assert_eq!(
        cred["relatedResource"],
        json!([{"id": context_url, "digestSRI": sri, "mediaType": "application/ld+json"}])
    );
    let trust =
        app.client.get(app.url("/microcred/contexts/trust-v1.jsonld")).send().await.unwrap().text().await.unwrap();
    assert_eq!(trust, microcred::jsonld::contexts::get(microcred::jsonld::contexts::TRUST_V1_URL).unwrap());
    let trust2 =
        app.client.get(app.url("/microcred/contexts/trust-v2.jsonld")).send().await.unwrap().text().await.unwrap();
    assert_eq!(trust2, microcred::jsonld::contexts::get(microcred::jsonld::contexts::TRUST_V2_URL).unwrap());
    let meta: Value =
        app.client.get(app.url("/.well-known/openid-credential-issuer")).send().await.unwrap().json().await.unwrap();
    let defs = meta["credential_configurations_supported"].as_object().unwrap();
    assert!(defs.values().any(|d| d["credential_definition"]["@context"][2] == context_url.as_str()), "{meta}");

    let report: Value = app.post_json("/api/v1/verify", None, cred).await.json().await.unwrap();
    assert_eq!(report["valid"], true, "{report}");
    // The digest is judged under the deployment's URL (an alias of the shipped context) too.
    let mut wrong = cred.clone();
    wrong["relatedResource"][0]["digestSRI"] = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    let report: Value = app.post_json("/api/v1/verify", None, &wrong).await.json().await.unwrap();
    assert!(codes(&report).contains(&"related_resource.digest_mismatch".to_owned()), "{report}");
    // Credentials issued before, naming the w3id.org URL, keep verifying (the context's
    // name is not part of the signed data: the same credential under that name).
    let old = with_context(cred, microcred::jsonld::contexts::MICROCRED_V1_URL);
    let report: Value = app.post_json("/api/v1/verify", None, &old).await.json().await.unwrap();
    assert_eq!(report["valid"], true, "{report}");

    for bad in ["ftp://w3id.org", "w3id.org", "https://"] {
        let env = [("MICROCRED_SERVER__CONTEXT_BASE_URL".to_owned(), bad.to_owned())];
        let e = microcred::config::load_from(None, &env).expect_err("not an http(s) URL").to_string();
        assert!(e.contains("server.context_base_url") && e.contains(bad), "{e}");
    }

    // Set to w3id.org (once the redirect is registered): the w3id URLs.
    let w3id = spawn_with(Backend::Sqlite, |s| s.server.context_base_url = "https://w3id.org/".into()).await;
    let issued: Value = w3id.issue(&w3id.demo_key, &valid_records()[0]).await.json().await.unwrap();
    let new = &issued["credential"];
    assert_eq!(new["@context"][2], microcred::jsonld::contexts::MICROCRED_V1_URL);
    assert_eq!(new["credentialSchema"][1]["id"], microcred::ob3::EXTENSION_SCHEMA_URL);
    let report: Value = w3id.post_json("/api/v1/verify", None, new).await.json().await.unwrap();
    assert_eq!(report["valid"], true, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_deployments_context_is_accepted_only_when_its_bytes_are_a_version_we_ship() {
    // Served on loopback, so this verifier allows private http.
    let issuer = spawn_with(Backend::Sqlite, |s| {
        s.status.fetch_allow_private = true;
        s.status.fetch_allow_http = true;
    })
    .await;
    let verifier = &issuer;
    let issued: Value = issuer.issue(&issuer.demo_key, &valid_records()[0]).await.json().await.unwrap();
    let cred = issued["credential"].clone();
    let did = issuer.client.get(issuer.url("/issuers/demo/did.json")).send().await.unwrap().text().await.unwrap();
    let dir = issuer.dir.path().to_owned();
    std::fs::write(dir.join("did.json"), &did).unwrap();

    // The context URL is not signed (JSON-LD signs the data, not the context's name):
    // the same credential naming other URLs verifies exactly when each URL serves our
    // context byte for byte.
    let shipped = microcred::jsonld::contexts::get(microcred::jsonld::contexts::MICROCRED_V1_URL).unwrap();
    let same = serve_bytes(shipped).await;
    let changed =
        serve_bytes(Box::leak(shipped.replacen("\"@protected\": true", "\"@protected\": false", 1).into_boxed_str()))
            .await;
    let spaced = serve_bytes(Box::leak(format!("{shipped} ").into_boxed_str())).await;

    let ok = with_context(&cred, &format!("{same}/elsewhere/microcred/contexts/v1.jsonld"));
    let report: Value = verifier.post_json("/api/v1/verify", None, &ok).await.json().await.unwrap();
    assert_eq!(report["valid"], true, "{report}");
    for other in [&changed, &spaced] {
        let bad = with_context(&cred, &format!("{other}/microcred/contexts/v1.jsonld"));
        let report: Value = verifier.post_json("/api/v1/verify", None, &bad).await.json().await.unwrap();
        assert_eq!(report["valid"], false, "{report}");
        assert!(codes(&report).contains(&"context.unknown".to_owned()), "{report}");
    }

    // A verifier with the default address rules does not fetch from this machine (its
    // own credentials, renamed, as above).
    let strict = spawn_app().await;
    let issued: Value = strict.issue(&strict.demo_key, &valid_records()[0]).await.json().await.unwrap();
    let elsewhere = with_context(&issued["credential"], &format!("{same}/strict/microcred/contexts/v1.jsonld"));
    let report: Value = strict.post_json("/api/v1/verify", None, &elsewhere).await.json().await.unwrap();
    assert!(codes(&report).contains(&"context.unknown".to_owned()), "{report}");

    // The CLI: the same rules, and a hint naming the option.
    let file = dir.join("elsewhere.json");
    std::fs::write(&file, with_context(&cred, &format!("{same}/cli/microcred/contexts/v1.jsonld")).to_string())
        .unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_microcred"))
            .args(["verify", file.to_str().unwrap(), "--did-doc", dir.join("did.json").to_str().unwrap()])
            .args(["--now", "2025-09-01T00:00:00Z"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("context.unknown"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-private-status-urls") && err.contains("SHA-256"), "{err}");
    let out = run(&["--allow-private-status-urls"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
