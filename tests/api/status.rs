//! Revocation and suspension end to end: status lists, both verifiers, bulk, audit, SSRF.

use std::collections::BTreeSet;
use std::process::Command;

use microcred::store::{CredentialRow, Selector, StatusAction, StatusChange};
use serde_json::{Value, json};

use crate::helpers::*;

fn js_ready() -> bool {
    let ok = root().join("tests/js/node_modules/@digitalbazaar/vc").is_dir();
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must run the JS interop tests");
        crate::skip::skip("Digital Bazaar verifier interop (tests/js/node_modules missing)", "(cd tests/js && npm ci)");
    }
    ok
}

/// Runs the Digital Bazaar verifier on one credential with the given status lists.
async fn js_verify(app: &TestApp, credential: &Value, lists: &[&str]) -> (bool, String) {
    let dir = app.dir.path();
    let did = std::fs::read_to_string(dir.join("did.json")).unwrap();
    let _ = did;
    let cred_f = dir.join("cred.json");
    std::fs::write(&cred_f, credential.to_string()).unwrap();
    let mut args = vec![
        "--contexts".to_owned(),
        app.js_contexts().await,
        "--now".to_owned(),
        "2025-09-01T00:00:00Z".to_owned(),
        "--did-doc".to_owned(),
        dir.join("did.json").display().to_string(),
    ];
    for (i, l) in lists.iter().enumerate() {
        let f = dir.join(format!("list{i}.json"));
        std::fs::write(&f, l).unwrap();
        args.extend(["--status-list".to_owned(), f.display().to_string()]);
    }
    args.push(cred_f.display().to_string());
    let out = Command::new("node").arg(root().join("tests/js/verify.mjs")).args(&args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn our_verify(app: &TestApp, credential: &Value) -> Value {
    app.post_json("/api/v1/verify", None, credential).await.json().await.unwrap()
}

fn codes(report: &Value) -> Vec<String> {
    report["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_owned()).collect()
}

async fn fetch_list(app: &TestApp, url: &str) -> (String, String) {
    let r = app.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    (r.text().await.unwrap(), etag)
}

async fn save_did(app: &TestApp, slug: &str) {
    let doc = app.client.get(app.url(&format!("/issuers/{slug}/did.json"))).send().await.unwrap().text().await.unwrap();
    std::fs::write(app.dir.path().join("did.json"), doc).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_sets_the_bit_and_both_verifiers_report_revoked() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    save_did(&app, "ehb").await;
    let issued: Value = app.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let cred = issued["credential"].clone();
    let entry = &cred["credentialStatus"];
    assert_eq!(entry["type"], "BitstringStatusListEntry");
    assert_eq!(entry["statusPurpose"], "revocation");
    let list_url = entry["statusListCredential"].as_str().unwrap().to_owned();
    assert_eq!(our_verify(&app, &cred).await["valid"], true);

    let (before, etag_before) = fetch_list(&app, &list_url).await;
    let slc: Value = serde_json::from_str(&before).unwrap();
    assert_eq!(slc["issuer"], app.services.directory.did("ehb"));
    assert_eq!(slc["type"][1], "BitstringStatusListCredential");
    assert!(slc["validUntil"].is_string() && slc["credentialSubject"]["ttl"].is_number());
    if js_ready() {
        let (ok, out) = js_verify(&app, &cred, &[&before]).await;
        assert!(ok, "{out}");
    }

    let public_id = issued["public_id"].as_str().unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/credentials/{public_id}/revoke"),
            Some(&key),
            &json!({"reason": "issued in error"}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (after, etag_after) = fetch_list(&app, &list_url).await;
    assert_ne!(etag_before, etag_after, "re-signed after a bit changed");
    let bits = microcred::status::bitstring::Bitstring::decode(
        serde_json::from_str::<Value>(&after).unwrap()["credentialSubject"]["encodedList"].as_str().unwrap(),
    )
    .unwrap();
    assert!(bits.get(entry["statusListIndex"].as_str().unwrap().parse().unwrap()).unwrap());
    assert_eq!(bits.count_set(), 1);

    let report = our_verify(&app, &cred).await;
    assert_eq!(report["valid"], false);
    assert_eq!(codes(&report), ["status.revoked"]);
    if js_ready() {
        let (ok, out) = js_verify(&app, &cred, &[&after]).await;
        assert!(!ok && out.contains("\"verified\":false"), "{out}");
    }
    // Revocation is final.
    for (action, body) in
        [("revoke", json!({"reason": "again"})), ("reinstate", json!({})), ("suspend", json!({"reason": "x"}))]
    {
        let r = app.post_json(&format!("/api/v1/credentials/{public_id}/{action}"), Some(&key), &body).await;
        assert_eq!(r.status(), 409, "{action}");
    }
    // A reason is required to revoke.
    let other: Value = app.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/credentials/{}/revoke", other["public_id"].as_str().unwrap()),
            Some(&key),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 400);
    // The audit log says who, when, what and why.
    let audit: Value =
        app.client.get(app.url("/api/v1/audit-log")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["action"], "revoke");
    assert_eq!(items[0]["public_id"], public_id);
    assert_eq!(items[0]["reason"], "issued in error");
    assert!(items[0]["actor"].as_str().unwrap().starts_with("key_"));
    assert_eq!(items[0]["at"], "2025-09-01T00:00:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspension_is_visible_to_both_verifiers_and_reinstating_makes_it_valid_again() {
    let app = spawn_with(Backend::Sqlite, |s| s.status.suspension = true).await;
    let key = app.institution("ehb", "ehb").await;
    save_did(&app, "ehb").await;
    let issued: Value = app.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let cred = issued["credential"].clone();
    let entries = cred["credentialStatus"].as_array().unwrap();
    assert_eq!(
        entries.iter().map(|e| e["statusPurpose"].as_str().unwrap()).collect::<Vec<_>>(),
        ["revocation", "suspension"]
    );
    let report = our_verify(&app, &cred).await;
    assert_eq!(report["valid"], true, "{report}");
    assert!(report["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "schema.status_array"));
    let urls: Vec<String> = entries.iter().map(|e| e["statusListCredential"].as_str().unwrap().to_owned()).collect();
    let public_id = issued["public_id"].as_str().unwrap();

    let r = app
        .post_json(&format!("/api/v1/credentials/{public_id}/suspend"), Some(&key), &json!({"reason": "inquiry"}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "suspended");
    assert_eq!(codes(&our_verify(&app, &cred).await), ["status.suspended"]);
    let (rev, _) = fetch_list(&app, &urls[0]).await;
    let (sus, _) = fetch_list(&app, &urls[1]).await;
    if js_ready() {
        let (ok, out) = js_verify(&app, &cred, &[&rev, &sus]).await;
        assert!(!ok, "{out}");
    }

    let r = app
        .post_json(&format!("/api/v1/credentials/{public_id}/reinstate"), Some(&key), &json!({"reason": "cleared"}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(our_verify(&app, &cred).await["valid"], true);
    let (sus, _) = fetch_list(&app, &urls[1]).await;
    if js_ready() {
        let (ok, out) = js_verify(&app, &cred, &[&rev, &sus]).await;
        assert!(ok, "{out}");
    }
    let audit: Value =
        app.client.get(app.url("/api/v1/audit-log")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|i| i["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["reinstate", "suspend"]);
}

#[tokio::test]
async fn a_status_list_fetched_twice_with_if_none_match_is_304_and_not_re_signed() {
    let app = spawn_app().await;
    let issued: Value = app.issue(&app.demo_key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let url = issued["credential"]["credentialStatus"]["statusListCredential"].as_str().unwrap().to_owned();
    let (body1, etag1) = fetch_list(&app, &url).await;
    let (body2, etag2) = fetch_list(&app, &url).await;
    assert_eq!((body1, &etag1), (body2, &etag2), "served from the stored signature");
    let r = app.client.get(&url).header("if-none-match", &etag1).send().await.unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag1);
    assert!(r.text().await.unwrap().is_empty());
    assert_eq!(app.client.get(app.url("/issuers/demo/status/revocation/99")).send().await.unwrap().status(), 404);
    assert_eq!(app.client.get(app.url("/issuers/demo/status/other/1")).send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_issuances_get_a_thousand_distinct_random_indexes_on_each_store() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let rec = own_records("valid.json").remove(0);
        let mut handles = Vec::new();
        for client in 0..16 {
            let (http, url, key, rec) =
                (app.client.clone(), app.url("/api/v1/credentials"), app.demo_key.clone(), rec.clone());
            let n = 1000 / 16 + usize::from(client < 1000 % 16);
            handles.push(tokio::spawn(async move {
                let mut slots = Vec::new();
                for _ in 0..n {
                    let r = http.post(&url).bearer_auth(&key).json(&rec).send().await.unwrap();
                    assert_eq!(r.status(), 201);
                    let v: Value = r.json().await.unwrap();
                    let e = &v["credential"]["credentialStatus"];
                    slots.push((
                        e["statusListCredential"].as_str().unwrap().to_owned(),
                        e["statusListIndex"].as_str().unwrap().parse::<usize>().unwrap(),
                    ));
                }
                slots
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        assert_eq!(all.len(), 1000);
        let distinct: BTreeSet<_> = all.iter().cloned().collect();
        assert_eq!(distinct.len(), 1000, "{backend:?}: an index was handed out twice");
        // Random, not sequential: the indexes spread over the list.
        let idx: Vec<usize> = all.iter().map(|(_, i)| *i).collect();
        let (min, max) = (idx.iter().min().unwrap(), idx.iter().max().unwrap());
        assert!(max - min > 100_000, "{backend:?}: indexes {min}..{max} look sequential");
    }
}

/// Seeds `n` credentials of one achievement directly in the store (no signing).
async fn seed(app: &TestApp, slug: &str, achievement: &str, n: usize) -> Vec<String> {
    let s = &app.services;
    let mut rows = Vec::with_capacity(n);
    while rows.len() < n {
        let slot = microcred::service::status::assign(s, slug).await.unwrap();
        let i = rows.len();
        rows.push(CredentialRow {
            public_id: microcred::service::credentials::new_public_id(),
            credential_id: format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
            slug: slug.into(),
            achievement_id: Some(achievement.into()),
            format: "ldp".into(),
            ldp: "{}".into(),
            jwt: "a.b.c".into(),
            issued_at: format!("2025-0{}-01T00:00:00Z", 1 + i % 8),
            status_list: Some(slot.list_no),
            status_index: Some(slot.index),
            suspendable: false,
            status: "active".into(),
            status_changed_at: None,
            status_reason: None,
        });
    }
    s.store.insert_credentials(&rows).await.unwrap();
    rows.into_iter().map(|r| r.public_id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_revocation_of_ten_thousand_credentials_is_one_request_and_one_transaction() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let ids = seed(&app, "ehb", "ach_bulk", 10_000).await;
        // All or nothing: one unknown id and nothing is revoked.
        let mut with_unknown = ids[..100].to_vec();
        with_unknown.push("AAAAAAAAAAAAAAAAAAAAAA".into());
        let r = app
            .post_json("/api/v1/revocations", Some(&key), &json!({"public_ids": with_unknown, "reason": "fraud"}))
            .await;
        assert_eq!(r.status(), 404);
        assert!(app.services.store.list_audit("ehb", 10, 0).await.unwrap().is_empty());

        let started = std::time::Instant::now();
        let r =
            app.post_json("/api/v1/revocations", Some(&key), &json!({"public_ids": ids, "reason": "exam fraud"})).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let out: Value = r.json().await.unwrap();
        assert_eq!(out["revoked"], 10_000);
        eprintln!("{backend:?}: bulk revocation of 10,000 credentials took {:?}", started.elapsed());
        let revoked = app.services.store.get_credential(&ids[9_999]).await.unwrap().unwrap();
        assert_eq!(revoked.status, "revoked");
        assert_eq!(app.services.store.list_audit("ehb", 20_000, 0).await.unwrap().len(), 10_000);
        let list = app.services.store.get_status_list("ehb", 1, "revocation").await.unwrap().unwrap();
        assert_eq!(microcred::status::bitstring::Bitstring::decode(&list.bits).unwrap().count_set(), 10_000);
        // Again: nothing left to revoke, nothing refused.
        let again: Value = app
            .post_json("/api/v1/revocations", Some(&key), &json!({"public_ids": ids[..10], "reason": "x"}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!((again["revoked"].as_u64(), again["already_revoked"].as_u64()), (Some(0), Some(10)));
    }
}

#[tokio::test]
async fn bulk_revocation_by_achievement_honours_the_issue_date_range() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    seed(&app, "ehb", "ach_range", 80).await; // issued on the 1st of months 1..8, 10 each
    let out: Value = app
        .post_json("/api/v1/revocations", Some(&key), &json!({"achievement_id": "ach_range", "issued_from": "2025-03-01", "issued_until": "2025-04-30", "reason": "course withdrawn"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(out["revoked"], 20);
    let bad = app
        .post_json(
            "/api/v1/revocations",
            Some(&key),
            &json!({"achievement_id": "ach_range", "issued_from": "March", "reason": "x"}),
        )
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn the_audit_log_is_append_only_in_the_database() {
    let app = spawn_app().await;
    let ids = seed(&app, "demo", "a", 1).await;
    let change = StatusChange {
        slug: "demo".into(),
        selector: Selector::Ids(ids),
        action: StatusAction::Revoke,
        actor: "cli".into(),
        reason: Some("test".into()),
        at: "2025-09-01T00:00:00Z".into(),
        skip_done: false,
    };
    app.services.store.change_status(&change).await.unwrap();
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", app.dir.path().join("test.db").display())).await.unwrap();
    for sql in ["UPDATE audit_log SET reason = 'tampered'", "DELETE FROM audit_log"] {
        let err = sqlx::query(sql).execute(&pool).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{err}");
    }
}

#[tokio::test]
async fn a_status_list_on_a_private_address_is_refused_and_gives_status_unknown() {
    use microcred::crypto::keys::{IssuerKey, KeyAlg};
    use microcred::issuance::{IssueOptions, issue};
    use microcred::status::entry::{Purpose, entry_json};
    let app = spawn_app().await;
    let key = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let rec = own_records("valid.json").remove(0);
    for url in [
        "https://127.0.0.1:9/status/1",
        "https://10.1.2.3/status/1",
        "https://169.254.169.254/latest/meta-data",
        "http://status.example.org/1",
    ] {
        let opts =
            IssueOptions { credential_status: Some(entry_json(url, Purpose::Revocation, 7)), ..Default::default() };
        let mut rng = rand::rngs::OsRng;
        let foreign = issue(&rec, &key, &clock(), &mut rng, &opts).await.unwrap();
        let report = our_verify(&app, &foreign.credential).await;
        assert_eq!(report["valid"], false, "{url}");
        assert_eq!(codes(&report), ["status.unknown"], "{url}");
        assert!(report["errors"][0]["message"].as_str().unwrap().contains("refused"), "{url}: {report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_revokes_and_lists_the_audit_log_on_the_same_database() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    let issued: Value = app.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let public_id = issued["public_id"].as_str().unwrap();
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
    let out = cli(&["revoke", "--institution", "ehb", public_id]);
    assert_eq!(out.status.code(), Some(2), "a reason is required");
    let out = cli(&["revoke", "--institution", "ehb", "--reason", "issued in error", public_id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), public_id);
    assert_eq!(codes(&our_verify(&app, &issued["credential"]).await), ["status.revoked"]);
    let out = cli(&["audit", "--institution", "ehb"]);
    let line: Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!((line["action"].as_str(), line["actor"].as_str()), (Some("revoke"), Some("cli")));
    let out = cli(&["revoke", "--institution", "ehb", "--reason", "x", "AAAAAAAAAAAAAAAAAAAAAA"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}

#[tokio::test]
async fn another_issuers_status_list_is_fetched_over_http_checked_and_applied() {
    use microcred::crypto::keys::{IssuerKey, KeyAlg};
    use microcred::crypto::proof;
    use microcred::issuance::{IssueOptions, issue};
    use microcred::status::bitstring::{Bitstring, LIST_SIZE};
    use microcred::status::entry::{Purpose, entry_json, list_credential};
    // Another issuer (a did:key) publishes its revocation list on a plain HTTP server.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/status/1", listener.local_addr().unwrap());
    let key = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let mut bits = Bitstring::zeroed(LIST_SIZE);
    bits.set(9, true).unwrap();
    let now = microcred::clock::Clock::now(&clock());
    let mut list =
        list_credential(&url, key.did(), Purpose::Revocation, &bits, now, chrono::Duration::hours(24), 300_000);
    list["proof"] = proof::sign(&list, &key, now).await.unwrap();
    let body = list.to_string();
    let server = axum::Router::new().route("/status/1", axum::routing::get(move || async move { body }));
    tokio::spawn(async move { axum::serve(listener, server).await.unwrap() });

    let app = spawn_with(Backend::Sqlite, |s| {
        s.status.fetch_allow_private = true;
        s.status.fetch_allow_http = true;
    })
    .await;
    let rec = own_records("valid.json").remove(0);
    for (index, revoked) in [(7, false), (9, true)] {
        let opts = IssueOptions {
            credential_status: Some(entry_json(&url, Purpose::Revocation, index)),
            ..Default::default()
        };
        let mut rng = rand::rngs::OsRng;
        let foreign = issue(&rec, &key, &clock(), &mut rng, &opts).await.unwrap();
        let report = our_verify(&app, &foreign.credential).await;
        if revoked {
            assert_eq!(codes(&report), ["status.revoked"], "{report}");
        } else {
            assert_eq!(report["valid"], true, "{report}");
        }
    }
}

/// A stale status list (signed before a revocation) must not verify forever by respelling
/// its `validUntil`, and a list without any validity window is not used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_respelt_or_windowless_status_list_gives_status_unknown() {
    use microcred::crypto::keys::{IssuerKey, KeyAlg};
    use microcred::crypto::proof;
    use microcred::issuance::{IssueOptions, issue};
    use microcred::status::bitstring::{Bitstring, LIST_SIZE};
    use microcred::status::entry::{Purpose, entry_json, list_credential};
    let key = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let now = microcred::clock::Clock::now(&clock());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let bits = Bitstring::zeroed(LIST_SIZE);
    let mut bodies = Vec::new();
    // 1: expired a day ago, with validUntil respelt as a full IRI and value object.
    let url1 = format!("{base}/status/1");
    let mut stale = list_credential(
        &url1,
        key.did(),
        Purpose::Revocation,
        &bits,
        now - chrono::Duration::days(2),
        chrono::Duration::days(1),
        300_000,
    );
    stale["proof"] = json!([proof::sign(&stale, &key, now - chrono::Duration::days(2)).await.unwrap()]);
    let until = stale.as_object_mut().unwrap().shift_remove("validUntil").unwrap();
    stale["https://www.w3.org/2018/credentials#validUntil"] =
        json!({"@value": until, "@type": "http://www.w3.org/2001/XMLSchema#dateTime"});
    bodies.push(stale.to_string());
    // 2: no validUntil and no ttl at all.
    let url2 = format!("{base}/status/2");
    let mut windowless =
        list_credential(&url2, key.did(), Purpose::Revocation, &bits, now, chrono::Duration::days(1), 1);
    windowless.as_object_mut().unwrap().shift_remove("validUntil");
    windowless["credentialSubject"].as_object_mut().unwrap().shift_remove("ttl");
    windowless["proof"] = json!([proof::sign(&windowless, &key, now).await.unwrap()]);
    bodies.push(windowless.to_string());
    let (b1, b2) = (bodies[0].clone(), bodies[1].clone());
    let server = axum::Router::new()
        .route("/status/1", axum::routing::get(move || async move { b1 }))
        .route("/status/2", axum::routing::get(move || async move { b2 }));
    tokio::spawn(async move { axum::serve(listener, server).await.unwrap() });
    let app = spawn_with(Backend::Sqlite, |s| {
        s.status.fetch_allow_private = true;
        s.status.fetch_allow_http = true;
    })
    .await;
    let rec = own_records("valid.json").remove(0);
    for (url, why) in [(&url1, "compact form"), (&url2, "neither validUntil nor ttl")] {
        let opts =
            IssueOptions { credential_status: Some(entry_json(url, Purpose::Revocation, 3)), ..Default::default() };
        let foreign = issue(&rec, &key, &clock(), &mut rand::rngs::OsRng, &opts).await.unwrap();
        let report = our_verify(&app, &foreign.credential).await;
        assert_eq!(codes(&report), ["status.unknown"], "{report}");
        assert!(report["errors"][0]["message"].as_str().unwrap().contains(why), "{report}");
    }
}
