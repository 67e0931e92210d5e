//! API keys: listed (never their tokens), revoked at once on every node, audited; over
//! HTTP and the CLI, on SQLite and PostgreSQL.

use std::process::Command;

use serde_json::Value;

use crate::helpers::*;

async fn get(app: &TestApp, base: &str, path: &str, key: &str) -> reqwest::Response {
    app.client.get(format!("{base}{path}")).bearer_auth(key).send().await.unwrap()
}

async fn delete(app: &TestApp, path: &str, key: &str) -> reqwest::Response {
    app.client.delete(app.url(path)).bearer_auth(key).send().await.unwrap()
}

async fn key_id(app: &TestApp, slug: &str, admin: &str) -> String {
    let list: Value =
        get(app, &app.address, &format!("/api/v1/institutions/{slug}/api-keys"), admin).await.json().await.unwrap();
    list["items"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_api_key_gets_401_on_its_very_next_request() {
    for backend in backends() {
        // Arrange: two service nodes on one database; the key has just been used on both
        // (so any per-node cache would hold it).
        let app = spawn_app_on(backend).await;
        let ehb = app.institution("ehb", "ehb").await;
        let admin = app.admin_key().await;
        let node_b = app.second_node().await;
        for base in [&app.address, &node_b] {
            assert_eq!(get(&app, base, "/api/v1/achievements", &ehb).await.status(), 200, "{backend:?}");
        }
        let id = key_id(&app, "ehb", &admin).await;

        // Act: revoke it on node A.
        let res = delete(&app, &format!("/api/v1/institutions/ehb/api-keys/{id}"), &admin).await;
        assert_eq!(res.status(), 200, "{backend:?}");

        // Assert: the very next request, on either node, is refused.
        for base in [&app.address, &node_b] {
            let res = get(&app, base, "/api/v1/achievements", &ehb).await;
            assert_eq!(res.status(), 401, "{backend:?} {base}");
            assert_eq!(res.headers()["content-type"], "application/problem+json");
        }
        let res = app.issue(&ehb, &own_records("valid.json").remove(0)).await;
        assert_eq!(res.status(), 401, "{backend:?}: no issuance with a revoked key");
    }
}

#[tokio::test]
async fn api_keys_are_listed_without_secrets_and_stay_listed_as_revoked_with_who_and_when() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let ehb = app.institution("ehb", "ehb").await;
        let (second, second_token) =
            microcred::service::apikeys::create(&app.services, Some("ehb"), "registrar").await.unwrap();
        let admin = app.admin_key().await;
        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let admin_id = microcred::service::apikeys::list(&app.services, None)
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.slug.is_none())
            .unwrap()
            .id;

        let res = delete(&app, &format!("/api/v1/institutions/ehb/api-keys/{}", second.id), &admin).await;
        assert_eq!(res.status(), 200);
        let revoked: Value = res.json().await.unwrap();
        conforms(&doc, "ApiKeyListing", &revoked);
        assert_eq!(revoked["status"], "revoked");
        assert_eq!(revoked["revoked_by"], admin_id.as_str());

        let res = get(&app, &app.address, "/api/v1/institutions/ehb/api-keys", &admin).await;
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        for secret in [&ehb, &second_token, &second.token_hash] {
            assert!(!text.contains(secret.as_str()), "{backend:?}: a token or its hash is listed");
        }
        let list: Value = serde_json::from_str(&text).unwrap();
        conforms(&doc, "ApiKeyList", &list);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{backend:?}: the revoked key stays listed");
        let by_label = |l: &str| items.iter().find(|k| k["label"] == l).unwrap();
        assert_eq!(
            (by_label("test")["status"].as_str(), by_label("registrar")["status"].as_str()),
            (Some("active"), Some("revoked"))
        );
        assert_eq!(by_label("registrar")["revoked_at"], "2025-09-01T00:00:00Z");
        assert!(by_label("test")["revoked_at"].is_null());

        // The institution's audit log has it, by the admin key that did it.
        let log: Value = get(&app, &app.address, "/api/v1/audit-log", &ehb).await.json().await.unwrap();
        conforms(&doc, "AuditLog", &log);
        let entry = &log["items"][0];
        assert_eq!(entry["action"], "api-key-revoked");
        assert_eq!(entry["public_id"], second.id.as_str());
        assert_eq!(entry["actor"], admin_id.as_str());
    }
}

#[tokio::test]
async fn revoking_api_keys_is_for_admins_scoped_to_the_institution_and_final() {
    let app = spawn_app().await;
    let ehb = app.institution("ehb", "ehb").await;
    app.institution("vub", "vub").await;
    let admin = app.admin_key().await;
    let id = key_id(&app, "ehb", &admin).await;
    let path = format!("/api/v1/institutions/ehb/api-keys/{id}");

    // (description, path, key, expected status)
    let cases = [
        ("an institution key may not list keys", "/api/v1/institutions/ehb/api-keys".to_owned(), &ehb, 403),
        ("an institution key may not revoke keys", path.clone(), &ehb, 403),
        ("another institution's key is not found", format!("/api/v1/institutions/vub/api-keys/{id}"), &admin, 404),
        ("an unknown key is not found", "/api/v1/institutions/ehb/api-keys/key_00".to_owned(), &admin, 404),
        ("an unknown institution is not found", "/api/v1/institutions/nope/api-keys".to_owned(), &admin, 404),
    ];
    for (what, path, key, status) in cases {
        let res = if path.ends_with("api-keys") {
            get(&app, &app.address, &path, key).await
        } else {
            delete(&app, &path, key).await
        };
        assert_eq!(res.status(), status, "{what}");
        assert_eq!(res.headers()["content-type"], "application/problem+json", "{what}");
    }
    assert_eq!(get(&app, &app.address, "/api/v1/achievements", &ehb).await.status(), 200, "still valid");

    assert_eq!(delete(&app, &path, &admin).await.status(), 200);
    let again = delete(&app, &path, &admin).await;
    assert_eq!(again.status(), 409, "revoking twice");
    let body: Value = again.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("already revoked"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_and_revokes_api_keys_on_the_same_database() {
    let app = spawn_app().await;
    let ehb = app.institution("ehb", "ehb").await;
    let db = format!("sqlite://{}", app.dir.path().join("test.db").display());
    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_microcred"))
            .args(args)
            .env("MICROCRED_DATABASE__URL", &db)
            .env("MICROCRED_SERVER__BASE_URL", &app.address)
            .env("MICROCRED_KEYS__DIR", app.dir.path().join("keys"))
            .env("MICROCRED_LOG__FILTER", "error")
            .output()
            .unwrap()
    };
    let out = cli(&["apikeys", "list", "--institution", "ehb"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!listing.contains(&ehb), "the token is never printed");
    let line = listing.lines().next().unwrap();
    let id = line.split('\t').next().unwrap().to_owned();
    assert!(line.ends_with("\tactive"), "{line}");

    let out = cli(&["apikeys", "revoke", "--institution", "vub", &id]);
    assert_eq!(out.status.code(), Some(2), "scoped to the institution named");
    let out = cli(&["apikeys", "revoke", "--reason", "left in a CI log", &id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), id);
    assert_eq!(
        get(&app, &app.address, "/api/v1/achievements", &ehb).await.status(),
        401,
        "the server refuses it at once"
    );

    let out = cli(&["apikeys", "list"]);
    let all = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(all.lines().any(|l| l.starts_with(&id) && l.contains("\trevoked 20") && l.ends_with(" by cli")), "{all}");
    let out = cli(&["audit", "--institution", "ehb"]);
    let entry: Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(
        (entry["action"].as_str(), entry["actor"].as_str(), entry["reason"].as_str()),
        (Some("api-key-revoked"), Some("cli"), Some("left in a CI log"))
    );
    let out = cli(&["apikeys", "revoke", &id]);
    assert_eq!(out.status.code(), Some(2), "already revoked");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already revoked"));
}

/// What authenticating every request costs (run with `--ignored --nocapture`, in release
/// for real figures): `authenticate` alone, and whole authenticated requests that do no
/// other database work (a malformed public id is 404 before any query).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a test"]
async fn measure_the_cost_of_authenticating_every_request() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let ehb = app.institution("ehb", "ehb").await;
        let n = 5_000;
        let started = std::time::Instant::now();
        for _ in 0..n {
            assert!(microcred::service::apikeys::authenticate(&app.services, &ehb).await.unwrap().is_some());
        }
        let auth = started.elapsed() / n;
        let n = 2_000;
        let started = std::time::Instant::now();
        for _ in 0..n {
            assert_eq!(get(&app, &app.address, "/api/v1/credentials/x", &ehb).await.status(), 404);
        }
        let request = started.elapsed() / n;
        eprintln!("{backend:?}: authenticate {auth:?}/call, authenticated request {request:?}/request");
    }
}
