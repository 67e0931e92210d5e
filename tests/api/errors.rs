use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_is_400_and_wrong_media_type_415() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/credentials"))
        .bearer_auth(&app.demo_key)
        .header("content-type", "application/json")
        .body("{\"microcredential\": {")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["type"], "https://w3id.org/microcred/problems/bad-request");
    assert!(p["detail"].as_str().unwrap().contains("not valid JSON"));
    let res = app
        .client
        .post(app.url("/api/v1/credentials"))
        .bearer_auth(&app.demo_key)
        .header("content-type", "text/csv")
        .body("a,b")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let res = app.post_json("/api/v1/credentials", Some(&app.demo_key), &json!([1, 2])).await;
    assert_eq!(res.status(), 400);
    let res = app
        .post_json(
            "/api/v1/credentials",
            Some(&app.demo_key),
            &json!({"microcredential": {}, "award": {}, "format": "pdf"}),
        )
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_problem_json() {
    let app = spawn_with(Backend::Sqlite, |s| s.server.max_body_bytes = 64 * 1024).await;
    let mut rec = own_records("valid.json").remove(0);
    rec["microcredential"]["title_nl"] = "x".repeat(100 * 1024).into();
    let res = app.issue(&app.demo_key, &rec).await;
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/json")
        .body("x".repeat(100 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn unknown_api_paths_are_404_problems_and_nothing_leaks_internals() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app
        .client
        .get(app.url("/credentials/not-a-real-id"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let text = res.text().await.unwrap();
    for leak in ["sqlx", "SELECT", "panicked", "sqlite"] {
        assert!(!text.contains(leak), "{text}");
    }
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    let r: Value = app.client.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], "ready");
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let app = spawn_app().await;
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/credentials",
        "/api/v1/credentials/batch",
        "/api/v1/credentials/{public_id}",
        "/api/v1/achievements",
        "/api/v1/achievements/{id}",
        "/api/v1/verify",
        "/api/v1/institutions",
        "/api/v1/institutions/{slug}/keys",
        "/api/v1/institutions/{slug}/keys/rotate",
        "/api/v1/institutions/{slug}/api-keys",
        "/api/v1/institutions/{slug}/api-keys/{key_id}",
        "/credentials/{public_id}",
        "/credentials/{public_id}/badge.png",
        "/credentials/{public_id}/badge.svg",
        "/api/v1/credentials/{public_id}/revoke",
        "/api/v1/credentials/{public_id}/suspend",
        "/api/v1/credentials/{public_id}/reinstate",
        "/api/v1/revocations",
        "/api/v1/audit-log",
        "/api/v1/offers",
        "/.well-known/openid-credential-issuer",
        "/oid4vci/token",
        "/oid4vci/nonce",
        "/oid4vci/credential",
        "/credentials/issue",
        "/credentials/verify",
        "/credentials/status",
        "/issuers/{slug}/status/{purpose}/{list_no}",
        "/issuers/{slug}",
        "/issuers/{slug}/did.json",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(p), "{p} is not documented");
    }
}

#[tokio::test]
async fn responses_conform_to_the_openapi_schemas() {
    let app = spawn_app().await;
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let rec = own_records("valid.json").remove(0);
    let cred: Value = app.issue(&app.demo_key, &rec).await.json().await.unwrap();
    conforms(&doc, "Credential", &cred);
    let report: Value = app.post_json("/api/v1/verify", None, &cred["credential"]).await.json().await.unwrap();
    conforms(&doc, "VerificationReport", &report);
    let invalid = own_records("invalid.json").remove(0);
    let problem: Value = app.issue(&app.demo_key, &invalid).await.json().await.unwrap();
    conforms(&doc, "ValidationProblem", &problem);
    let batch: Value = app
        .post_json("/api/v1/credentials/batch", Some(&app.demo_key), &json!({"records": [rec.clone(), rec.clone()]}))
        .await
        .json()
        .await
        .unwrap();
    conforms(&doc, "BatchIssued", &batch);
    let unauth: Value = app.issue("nope", &rec).await.json().await.unwrap();
    conforms(&doc, "Problem", &unauth);
    let admin = app.admin_key().await;
    let inst: Value = app
        .post_json("/api/v1/institutions", Some(&admin), &json!({"slug": "ugent", "institution_id": "ugent"}))
        .await
        .json()
        .await
        .unwrap();
    conforms(&doc, "Institution", &inst);
    let keys: Value = app
        .client
        .get(app.url("/api/v1/institutions/ugent/keys"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    conforms(&doc, "KeyList", &keys);
}

#[test]
fn skipped_work_is_summed_up_with_how_to_enable_it() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(crate::skip::summary(dir.path()), None);
    crate::skip::record(dir.path(), "PostgreSQL store and API tests", "TEST_DATABASE_URL=postgres://…");
    crate::skip::record(dir.path(), "PostgreSQL store and API tests", "TEST_DATABASE_URL=postgres://…");
    crate::skip::record(dir.path(), "browser test", "(cd tests/browser && npm ci)");
    let text = crate::skip::summary(dir.path()).unwrap();
    assert!(text.starts_with("microcred: 3 test(s) skipped work"), "{text}");
    assert!(text.contains("  2 × PostgreSQL store and API tests\n        enable with: TEST_DATABASE_URL="), "{text}");
    assert!(text.contains("  1 × browser test"), "{text}");
    assert_eq!(crate::skip::summary(dir.path()), None, "told once");
}
