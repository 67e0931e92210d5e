//! Hostile input has a bounded cost: a credential whose blank nodes make RDFC-1.0
//! canonicalisation factorially expensive is refused with `verification.too_complex`
//! (422) instead of holding a CPU for minutes; normal credentials are unaffected.

use serde_json::{Value, json};

use crate::helpers::*;

/// `n` Achievement blank nodes, each `related` to all the others: the N-degree hashing
/// of RDFC-1.0 tries (n-1)! orders per node. A did:key proof (its value does not matter:
/// the cost is in canonicalising before the signature can be checked).
pub fn hostile_credential(n: usize) -> Value {
    let key = microcred::crypto::keys::IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).unwrap();
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let related: Vec<Value> = (0..n).filter(|j| *j != i).map(|j| json!({"id": format!("_:a{j}")})).collect();
            json!({"id": format!("_:a{i}"), "type": ["Achievement"], "name": "x", "related": related})
        })
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": key.did(),
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "x",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": nodes},
        "proof": [{
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2025-01-01T00:00:00Z",
            "verificationMethod": key.verification_method(),
            "proofPurpose": "assertionMethod",
            "proofValue": "z3u81phh43fGiq2gu24bhD4Pf4qHGBkaRyG6qTCUTBcKFVqr2438XZStyLbZo5hxpopLcZLU3Ana79wbaS5qRWz7a"
        }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factorially_expensive_credential_is_refused_as_too_complex_everywhere() {
    let app = spawn_app().await;
    // Never a 500 or a panic, whatever the size: either it fits in the budget or it is refused.
    for n in [4, 5, 6, 7] {
        let r = app.post_json("/api/v1/verify", None, &hostile_credential(n)).await;
        assert!(matches!(r.status().as_u16(), 200 | 422), "n={n}: {}", r.status());
    }
    for n in [8, 10, 12] {
        let c = hostile_credential(n);
        let r = app.post_json("/api/v1/verify", None, &c).await;
        assert_eq!(r.status(), 422, "n={n}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["type"], "https://w3id.org/microcred/problems/verification.too_complex", "{body}");
        let r = app.post_json("/credentials/verify", None, &json!({"verifiableCredential": c})).await;
        assert_eq!(r.status(), 422);
        let (status, html) = app.verify_page(&c.to_string(), "en").await;
        assert_eq!(status, 200);
        assert!(html.contains("Not verifiable"));
    }
    // A small one (3 look-alike nodes) is canonicalised as usual: only the fake signature fails.
    let report: Value = app.post_json("/api/v1/verify", None, &hostile_credential(3)).await.json().await.unwrap();
    let codes: Vec<&str> = report["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"signature.invalid"), "{report}");
}

#[tokio::test]
async fn a_record_with_thousands_of_unknown_keys_gets_a_bounded_422() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    let mut record = own_records("valid.json").remove(0);
    for i in 0..6_000 {
        record["microcredential"][format!("unknown_{i}")] = json!(i);
    }
    let r = app.issue(&key, &record).await;
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.len() < 64 * 1024, "{} bytes", text.len());
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["errors"].as_array().unwrap().len(), 100);
    assert!(body["errors_total"].as_u64().unwrap() >= 6_000, "{}", body["errors_total"]);
}

#[tokio::test]
async fn a_credential_with_many_status_entries_is_not_fetched_for_each() {
    let app = spawn_app().await;
    let key = microcred::crypto::keys::IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).unwrap();
    let entries: Vec<Value> = (0..26)
        .map(|i| {
            microcred::status::entry::entry_json(
                &format!("https://127.0.0.1:9/{i}"),
                microcred::status::entry::Purpose::Revocation,
                i,
            )
        })
        .collect();
    let opts =
        microcred::issuance::IssueOptions { credential_status: Some(Value::Array(entries)), ..Default::default() };
    let mut rng = rand::rngs::OsRng;
    let c = microcred::issuance::issue(&own_records("valid.json").remove(0), &key, &clock(), &mut rng, &opts)
        .await
        .unwrap();
    let report: Value = app.post_json("/api/v1/verify", None, &c.credential).await.json().await.unwrap();
    let codes: Vec<&str> = report["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"status.unsupported"), "{report}");
    assert!(report["errors"].to_string().contains("at most 4"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_concurrency_limit_wait_unread_until_one_finishes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(Backend::Sqlite, |s| s.server.max_concurrent_requests = 1).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    // One request in progress: its handler is reading a body that is still arriving.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/verify HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let health = || app.client.get(app.url("/healthz")).timeout(std::time::Duration::from_millis(700)).send();
    assert!(health().await.is_err(), "a second request was handled beside the first");
    slow.write_all(b"}").await.unwrap();
    let mut answer = vec![0u8; 12];
    slow.read_exact(&mut answer).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 "), "{}", String::from_utf8_lossy(&answer));
    drop(slow);
    assert_eq!(health().await.unwrap().status(), 200, "admitted once the first finished");
}

/// A credential whose achievements nest `depth` levels deep (two JSON levels each: the
/// object and its `related` array; within serde_json's 128 levels, so the body parses).
fn deeply_nested_credential(depth: usize) -> Value {
    let mut v = json!({"type": ["Achievement"], "name": "x"});
    for _ in 0..depth {
        v = json!({"type": ["Achievement"], "name": "x", "related": [v]});
    }
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "did:key:z6MkfDSNRs2i9S6LZ5vd4RbpZ6754H7R3btDqRTeHhamqvuJ",
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "x",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": v},
    })
}

/// JSON-LD expansion recursed once per level with large frames: a few KB nested 60 levels
/// overflowed the stack of the thread verifying it, which aborts the whole service. Deep
/// documents are refused before any JSON-LD processing (found by tests/fuzz).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_credential_is_too_complex_not_a_crash() {
    let app = spawn_app().await;
    let key = microcred::crypto::keys::IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).unwrap();
    let mut ldp = deeply_nested_credential(60);
    ldp["issuer"] = key.did().into();
    let proof = hostile_credential(1)["proof"].clone();
    ldp["proof"] = proof;
    ldp["proof"][0]["verificationMethod"] = key.verification_method().into();
    let Value::Object(map) = deeply_nested_credential(60) else { unreachable!() };
    let jwt = microcred::crypto::jwt::sign(&map, &key).unwrap();
    for (body, ctype) in [(ldp.to_string(), "application/json"), (jwt, "application/jwt")] {
        let r =
            app.client.post(app.url("/api/v1/verify")).header("content-type", ctype).body(body).send().await.unwrap();
        assert_eq!(r.status(), 422, "{ctype}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["type"], "https://w3id.org/microcred/problems/verification.too_complex", "{p}");
        assert!(p["detail"].as_str().unwrap().contains("deeper than 32 levels"), "{p}");
    }
    // The service is still there, and an ordinary depth is not refused as too deep.
    let r = app.post_json("/api/v1/verify", None, &deeply_nested_credential(3)).await;
    assert_eq!(r.status(), 200);
}

/// A wide credential (many small values, found by the fuzz targets: 14,233 values in
/// 410 KB took 4.5 s of CPU in the general JSON-LD processor) is refused as too complex
/// before any JSON-LD work, in JSON and as a VC-JWT; one of ordinary width is verified.
#[tokio::test]
async fn a_credential_with_too_many_values_is_too_complex_before_json_ld_work() {
    let app = spawn_app().await;
    let key = microcred::crypto::keys::IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).unwrap();
    let wide = |n: usize| {
        let mut c = deeply_nested_credential(3);
        c["issuer"] = key.did().into();
        c["credentialSubject"]["achievement"]["tag"] = (0..n).map(|i| Value::from(format!("t{i}"))).collect();
        c
    };
    let mut ldp = wide(microcred::jsonld::MAX_VALUES);
    ldp["proof"] = hostile_credential(1)["proof"].clone();
    ldp["proof"][0]["verificationMethod"] = key.verification_method().into();
    let Value::Object(map) = wide(microcred::jsonld::MAX_VALUES) else { unreachable!() };
    let jwt = microcred::crypto::jwt::sign(&map, &key).unwrap();
    for (body, ctype) in [(ldp.to_string(), "application/json"), (jwt, "application/jwt")] {
        let r =
            app.client.post(app.url("/api/v1/verify")).header("content-type", ctype).body(body).send().await.unwrap();
        assert_eq!(r.status(), 422, "{ctype}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["type"], "https://w3id.org/microcred/problems/verification.too_complex", "{p}");
        // Only the count before JSON-LD processing gives this detail.
        assert!(
            p["detail"].as_str().unwrap().contains(&format!("more than {} JSON values", microcred::jsonld::MAX_VALUES)),
            "{p}"
        );
    }
    let r = app.post_json("/api/v1/verify", None, &wide(100)).await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    assert!(!report["errors"].to_string().contains("too_complex"), "{report}");
}

/// Issue 27: an SVG whose DTD declares one entity referenced thousands of times (160 KB
/// expanding to gigabytes) is a clear 400 through the API and the verification page, and
/// the service answers `/healthz` meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_svg_entity_bomb_is_a_clear_400_not_an_outage() {
    let app = spawn_app().await;
    let entity = "x".repeat(4_000);
    let refs = "&e;".repeat(40_000);
    let bomb = format!(
        r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e "{entity}">]><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" data-x="{refs}"><openbadges:credential verify="a.b.c"/></svg>"#
    );
    let r = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("content-type", "image/svg+xml")
        .body(bomb.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(body.contains("entities"), "{body}");
    let boundary = "bOmBbOuNdArY";
    let mut upload = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"badge.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n"
    )
    .into_bytes();
    upload.extend_from_slice(bomb.as_bytes());
    upload.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = app
        .client
        .post(app.url("/verify?lang=en"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(upload)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error() || r.status().is_success(), "{}", r.status());
    let page = r.text().await.unwrap();
    assert!(page.contains("entities"), "the page says why");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}
