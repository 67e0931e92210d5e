//! What the edge refuses and what answers never show, on SQLite and (with
//! TEST_DATABASE_URL) PostgreSQL: NUL characters in URLs and bodies are a 4xx, never a
//! 500; conflicts are told in domain words, never SQL; the SQLite files are private.

use serde_json::{Value, json};

use crate::helpers::*;

/// One request that carries a NUL character somewhere.
struct Case {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    auth: bool,
    body: Option<Value>,
    form: Option<&'static str>,
    /// OAuth endpoints answer `{"error"}` bodies, not problems.
    oauth: bool,
}

fn cases() -> Vec<Case> {
    let get = |what, path, auth| Case { what, method: "GET", path, auth, body: None, form: None, oauth: false };
    let post = |what, path, body: Value| Case {
        what,
        method: "POST",
        path,
        auth: true,
        body: Some(body),
        form: None,
        oauth: false,
    };
    vec![
        get("offer for a wallet", "/oid4vci/offers/%00", false),
        get("offer id with NUL inside", "/oid4vci/offers/ab%00cd", false),
        get("claim page", "/claim/%00", false),
        get("claim QR code", "/claim/%00/qr.svg", false),
        get("claim page query", "/claim/abc?lang=%00", false),
        get("status list of an institution", "/issuers/%00/status/revocation/1", false),
        get("status list purpose", "/issuers/demo/status/%00/1", false),
        get("issuer profile", "/issuers/%00", false),
        get("DID document", "/issuers/%00/did.json", false),
        get("shared credential page", "/credentials/%00", false),
        get("shared credential JSON", "/credentials/%00/credential.json", false),
        get("shared credential JWT", "/credentials/%00/credential.jwt", false),
        get("API credential", "/api/v1/credentials/%00", true),
        get("API achievement", "/api/v1/achievements/%00", true),
        get("API batch", "/api/v1/batches/%00", true),
        post("revocation by path", "/api/v1/credentials/%00/revoke", json!({"reason": "x"})),
        post("bulk revocation by id", "/api/v1/revocations", json!({"public_ids": ["\u{0}"], "reason": "x"})),
        post(
            "bulk revocation by achievement",
            "/api/v1/revocations",
            json!({"achievement_id": "a\u{0}", "reason": "x"}),
        ),
        post("revocation reason", "/api/v1/credentials/abc/revoke", json!({"reason": "fraud\u{0}"})),
        post(
            "VC-API status update",
            "/credentials/status",
            json!({"credentialId": "urn:uuid:\u{0}", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": true}),
        ),
        Case {
            what: "token request",
            method: "POST",
            path: "/oid4vci/token",
            auth: false,
            body: None,
            form: Some(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=%00",
            ),
            oauth: true,
        },
        Case {
            what: "token request PIN",
            method: "POST",
            path: "/oid4vci/token",
            auth: false,
            body: None,
            form: Some(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=abc&tx_code=1%002",
            ),
            oauth: true,
        },
    ]
}

#[tokio::test]
async fn nul_characters_in_urls_and_bodies_are_a_4xx_never_a_500_on_each_store() {
    let mut failures = Vec::new();
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let mut record = own_records("valid.json").remove(0);
        record["award"]["learner"]["family_name"] = "Van\u{0}den Broeck".into();
        let mut all = cases();
        all.push(Case {
            what: "issuance with a NUL in a learner's name",
            method: "POST",
            path: "/api/v1/credentials",
            auth: true,
            body: Some(record),
            form: None,
            oauth: false,
        });
        for case in all {
            let url = app.url(case.path);
            let mut req = match case.method {
                "GET" => app.client.get(&url),
                _ => app.client.post(&url),
            };
            if case.auth {
                req = req.bearer_auth(&app.demo_key);
            }
            if let Some(body) = &case.body {
                req = req.json(body);
            }
            if let Some(form) = case.form {
                req = req.header("content-type", "application/x-www-form-urlencoded").body(form);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
            let text = res.text().await.unwrap();
            let shaped = if case.oauth {
                serde_json::from_str::<Value>(&text).is_ok_and(|v| v["error"].is_string())
            } else {
                content_type.as_deref() == Some("application/problem+json")
            };
            if !(400..500).contains(&status) || !shaped {
                failures.push(format!(
                    "{backend:?} {} ({}): {status} {}",
                    case.what,
                    case.path,
                    text.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn nul_characters_in_credentials_to_verify_get_a_verdict_never_a_500_on_each_store() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let issued: Value = app.issue(&app.demo_key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
        let mut tampered = issued["credential"].clone();
        tampered["credentialSubject"]["name"] = "A\u{0}B".into();
        let jwt_with_nul = format!("{}\u{0}", issued["credential"]["id"].as_str().unwrap());
        for body in [tampered.to_string(), "\"\u{0}\"".into(), jwt_with_nul.clone(), "{\"\u{0}\": 1}".into()] {
            let r = app
                .client
                .post(app.url("/api/v1/verify"))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            assert!(status < 500, "{backend:?} verify {body:?}: {status} {text}");
            if status == 200 {
                assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["valid"], false, "{backend:?}: {text}");
            }
        }
        for credential in [tampered.to_string(), jwt_with_nul] {
            let (status, html) = app.verify_page(&credential, "en").await;
            assert!(status < 500, "{backend:?} verify page: {status}");
            assert!(!html.contains("Authentic"), "{backend:?}: a NUL-tampered credential shown as authentic");
        }
    }
}

#[tokio::test]
async fn nul_refusals_say_what_is_wrong() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/oid4vci/offers/%00")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["type"], "https://w3id.org/microcred/problems/bad-request");
    assert!(p["detail"].as_str().unwrap().contains("NUL"), "{p}");
    let res = app
        .post_json("/api/v1/revocations", Some(&app.demo_key), &json!({"public_ids": ["\u{0}"], "reason": "x"}))
        .await;
    assert_eq!(res.status(), 400);
    let p: Value = res.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("/public_ids/0"), "names where: {p}");
}

#[tokio::test]
async fn a_duplicate_institution_is_a_409_in_domain_words_without_sql_on_each_store() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let admin = app.admin_key().await;
        let body = json!({"slug": "ehb", "institution_id": "ehb"});
        assert_eq!(app.post_json("/api/v1/institutions", Some(&admin), &body).await.status(), 201);

        let res = app.post_json("/api/v1/institutions", Some(&admin), &body).await;

        assert_eq!(res.status(), 409, "{backend:?}");
        let p: Value = res.json().await.unwrap();
        let detail = p["detail"].as_str().unwrap();
        assert_eq!(detail, "an institution with slug 'ehb' already exists", "{backend:?}");
        let text = p.to_string().to_lowercase();
        for sql in ["constraint", "unique", "duplicate key", "institutions.slug", "pkey"] {
            assert!(!text.contains(sql), "{backend:?}: SQL text '{sql}' in {p}");
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_database_and_its_journal_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/learners.db");
    let store = microcred::store::SqliteStore::open(&path.display().to_string()).await.unwrap();
    // A write, so the WAL and shared-memory files exist.
    use microcred::store::Store;
    store
        .insert_institution(&microcred::store::InstitutionRow {
            slug: "a".into(),
            institution_id: None,
            name: "A".into(),
            url: "https://a".into(),
            created_at: "2025-01-01T00:00:00Z".into(),
            did_method: Default::default(),
        })
        .await
        .unwrap();
    let mut seen = 0;
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        if let Ok(meta) = std::fs::metadata(&file) {
            seen += 1;
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
        }
    }
    assert_eq!(seen, 3, "the database, its WAL and its shared memory were all checked");
}
