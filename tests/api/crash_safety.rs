//! Nothing half-done is ever visible, and nothing expired piles up: batches commit as a
//! whole (a pending batch's credentials are invisible; the janitor removes a batch whose
//! node stopped), `Idempotency-Key` and look-up of batches, a batch body is read only once
//! the batch is admitted, nonces cost no storage, the janitor purges what expired. On
//! SQLite and (with TEST_DATABASE_URL) PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use microcred::store::*;
use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::*;

/// The body the pending batches of [`pending_batch`] were sent with.
const PENDING_BODY: &str = r#"{"records": []}"#;

/// The test clock's "now" minus `secs`, as stored.
fn ago(secs: i64) -> String {
    (clock().0 - chrono::Duration::seconds(secs)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A pending batch of `n` credentials of `slug`, stored directly (as a crashed node leaves
/// it), its heartbeat `age` seconds old.
async fn pending_batch(app: &TestApp, slug: &str, n: usize, age: i64) -> (String, Vec<String>) {
    let s = &app.services;
    let id = microcred::service::credentials::new_public_id();
    let row = BatchRow {
        id: id.clone(),
        slug: slug.into(),
        committed: false,
        format: "ldp".into(),
        achievement_id: None,
        item_count: n as i64,
        warning_count: 0,
        idem_key: Some(format!("key-{id}")),
        request_hash: Some(hex::encode(sha2::Sha256::digest(PENDING_BODY.as_bytes()))),
        created_at: ago(age),
        committed_at: None,
    };
    assert_eq!(s.store.start_batch(&row, &ago(age)).await.unwrap(), BatchStart::Started);
    let slots = microcred::service::status::assign_many(s, slug, n).await.unwrap();
    let rows: Vec<CredentialRow> = slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| CredentialRow {
            public_id: microcred::service::credentials::new_public_id(),
            credential_id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            slug: slug.into(),
            achievement_id: None,
            format: "ldp".into(),
            ldp: "{}".into(),
            jwt: "a.b.c".into(),
            issued_at: ago(age),
            status_list: Some(slot.list_no),
            status_index: Some(slot.index),
            suspendable: false,
            status: "active".into(),
            status_changed_at: None,
            status_reason: Some(format!("item {i}")),
        })
        .collect();
    s.store.insert_batch_credentials(&id, 0, &rows, &ago(age)).await.unwrap();
    (id, rows.into_iter().map(|r| r.public_id).collect())
}

#[tokio::test]
async fn a_pending_batch_is_invisible_everywhere_and_the_janitor_removes_it_once_its_lease_passed() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let s = &app.services;
        let (stale, stale_ids) = pending_batch(&app, "ehb", 3, 120).await;
        let (alive, alive_ids) = pending_batch(&app, "ehb", 2, 5).await;

        assert_eq!(s.store.count_credentials("ehb").await.unwrap(), 0, "{backend:?}");
        for id in stale_ids.iter().chain(&alive_ids) {
            assert!(s.store.get_credential(id).await.unwrap().is_none(), "{backend:?}");
            let share = app.client.get(app.url(&format!("/credentials/{id}"))).send().await.unwrap();
            assert_eq!(share.status(), 404, "{backend:?}: share page of an uncommitted credential");
            let api =
                app.client.get(app.url(&format!("/api/v1/credentials/{id}"))).bearer_auth(&key).send().await.unwrap();
            assert_eq!(api.status(), 404, "{backend:?}");
            let revoke =
                app.post_json(&format!("/api/v1/credentials/{id}/revoke"), Some(&key), &json!({"reason": "x"})).await;
            assert_eq!(revoke.status(), 404, "{backend:?}: revoking an uncommitted credential");
        }
        let looked: Value = app
            .client
            .get(app.url(&format!("/api/v1/batches/{alive}")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(looked["state"], "pending", "{backend:?}: {looked}");
        assert_eq!(looked["credentials"], json!([]), "{backend:?}");

        let purged = microcred::service::janitor::sweep(s, false).await.unwrap();
        assert_eq!((purged.batches, purged.batch_credentials), (1, 3), "{backend:?}: only the stale batch goes");
        assert!(s.store.get_batch("ehb", &stale).await.unwrap().is_none());
        assert!(!s.store.commit_batch(&stale, 0, &ago(0)).await.unwrap(), "a removed batch cannot commit");
        // The live one commits and becomes visible, in batch order.
        assert!(s.store.commit_batch(&alive, 0, &ago(0)).await.unwrap());
        assert_eq!(s.store.count_credentials("ehb").await.unwrap(), 2, "{backend:?}");
        let items = s.store.batch_items(&alive).await.unwrap();
        assert_eq!(items.iter().map(|i| i.1.clone()).collect::<Vec<_>>(), alive_ids);
        assert_eq!(items.iter().map(|i| i.0).collect::<Vec<_>>(), [0, 1]);
        // Status slots of the removed batch are not handed out again.
        let next = microcred::service::status::assign_many(s, "ehb", 4).await.unwrap();
        let taken: Vec<i64> = next.iter().map(|a| a.index).collect();
        for id in &alive_ids {
            let row = s.store.get_credential(id).await.unwrap().unwrap();
            assert!(!taken.contains(&row.status_index.unwrap()), "{backend:?}: index reused");
        }
        assert!(taken.iter().all(|i| *i >= 5), "{backend:?}: indexes {taken:?} reuse a removed batch's slots");
    }
}

#[tokio::test]
async fn at_start_up_on_sqlite_every_pending_batch_is_dead_and_goes_at_once() {
    let app = spawn_app_on(Backend::Sqlite).await;
    app.institution("ehb", "ehb").await;
    let (fresh, _) = pending_batch(&app, "ehb", 2, 0).await;
    let purged = microcred::service::janitor::sweep(&app.services, true).await.unwrap();
    assert_eq!(purged.batches, 1);
    assert!(app.services.store.get_batch("ehb", &fresh).await.unwrap().is_none());
    if let Some(url) = pg_url() {
        // PostgreSQL is shared by nodes: a fresh heartbeat may be another node's batch.
        let _ = url;
        let pg = spawn_app_on(Backend::Postgres).await;
        pg.institution("ehb", "ehb").await;
        let (running, _) = pending_batch(&pg, "ehb", 2, 0).await;
        assert_eq!(microcred::service::janitor::sweep(&pg.services, true).await.unwrap().batches, 0);
        assert!(pg.services.store.get_batch("ehb", &running).await.unwrap().is_some());
    }
}

fn awards(rec: &Value, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let mut a = rec["award"].clone();
            a["learner"]["family_name"] = format!("Atomic {i}").into();
            a["learner"]["learner_id"] = format!("urn:uuid:00000000-0000-4000-8000-{i:012}").into();
            a
        })
        .collect()
}

async fn post_batch(app: &TestApp, key: &str, idem: Option<&str>, body: &Value) -> reqwest::Response {
    let mut req = app.client.post(app.url("/api/v1/credentials/batch")).bearer_auth(key).json(body);
    if let Some(k) = idem {
        req = req.header("idempotency-key", k);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_batch_is_idempotent_and_can_be_looked_up_with_its_credentials() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let rec = own_records("valid.json").remove(0);
        let body = json!({"records": awards(&rec, 3).into_iter().map(|a| {
            let mut r = rec.clone();
            r["award"] = a;
            r
        }).collect::<Vec<_>>()});

        let first = post_batch(&app, &key, Some("batch-1"), &body).await;
        assert_eq!(first.status(), 201, "{backend:?}");
        let location = first.headers()["location"].to_str().unwrap().to_owned();
        let first: Value = first.json().await.unwrap();
        let id = first["batch_id"].as_str().unwrap();
        assert_eq!(location, format!("/api/v1/batches/{id}"));
        assert_eq!(first["state"], "committed");

        let again = post_batch(&app, &key, Some("batch-1"), &body).await;
        assert_eq!(again.status(), 200, "{backend:?}: a repeated key answers the same batch");
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["batch_id"], first["batch_id"]);
        assert_eq!(again["credentials"], first["credentials"]);
        assert_eq!(app.services.store.count_credentials("ehb").await.unwrap(), 3, "{backend:?}: issued once");

        let mut other = body.clone();
        other["records"].as_array_mut().unwrap().pop();
        let clash = post_batch(&app, &key, Some("batch-1"), &other).await;
        assert_eq!(clash.status(), 409, "{backend:?}");
        assert!(clash.text().await.unwrap().contains("different request body"));

        let looked = app.client.get(app.url(&location)).bearer_auth(&key).send().await.unwrap();
        assert_eq!(looked.status(), 200);
        let looked: Value = looked.json().await.unwrap();
        assert_eq!(looked["credentials"], first["credentials"], "{backend:?}");
        assert_eq!(looked["count"], 3);

        let stranger = app.institution("kuleuven", "kuleuven").await;
        let hidden = app.client.get(app.url(&location)).bearer_auth(&stranger).send().await.unwrap();
        assert_eq!(hidden.status(), 404, "{backend:?}: another institution's batch is not found");
        assert_eq!(hidden.headers()["content-type"], "application/problem+json");

        // A key whose batch is still pending (another request, or a crashed node) is 409.
        let (pending, _) = pending_batch(&app, "ehb", 1, 0).await;
        let busy = app
            .client
            .post(app.url("/api/v1/credentials/batch"))
            .bearer_auth(&key)
            .header("idempotency-key", format!("key-{pending}"))
            .header("content-type", "application/json")
            .body(PENDING_BODY)
            .send()
            .await
            .unwrap();
        assert_eq!(busy.status(), 409, "{backend:?}");
        assert!(busy.text().await.unwrap().contains("still being issued"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_batch_request_is_not_read_until_it_is_admitted() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(Backend::Sqlite, |s| s.server.max_batch_bytes = 64 << 20).await;
    let key = app.institution("ehb", "ehb").await;
    // Another batch is running: hold the process's one batch slot.
    let slot = app.services.batches.clone().acquire_owned().await.unwrap();
    let total: usize = 48 << 20;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/credentials/batch HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {key}\r\n\
         content-type: application/json\r\ncontent-length: {total}\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 << 10];
    let mut sent = 0usize;
    // Write until the server stops taking bytes in (the socket buffers are full) for 300 ms.
    while sent < total {
        match tokio::time::timeout(Duration::from_millis(300), conn.writable()).await {
            Err(_) => break,
            Ok(ready) => ready.unwrap(),
        }
        match conn.try_write(&chunk[..chunk.len().min(total - sent)]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("write failed: {e}"),
        }
    }
    assert!(
        sent < 16 << 20,
        "{} MiB of a {} MiB body were taken in while the request waited for its slot",
        sent >> 20,
        total >> 20
    );
    // Admitted: the rest is read, and the body (all spaces) is refused with a 400.
    drop(slot);
    let (mut rd, mut wr) = conn.into_split();
    while sent < total {
        let n = chunk.len().min(total - sent);
        wr.write_all(&chunk[..n]).await.unwrap();
        sent += n;
    }
    let mut answer = vec![0u8; 12];
    rd.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 400", "{}", String::from_utf8_lossy(&answer));
    drop(wr); // only now: a half-closed connection ends the request
}

#[tokio::test]
async fn handing_out_nonces_stores_nothing_and_a_used_nonce_is_kept_only_until_it_expires() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let s = &app.services;
        let mut nonces = Vec::new();
        for _ in 0..50 {
            let r = app.client.post(app.url("/oid4vci/nonce")).send().await.unwrap();
            assert_eq!(r.status(), 200);
            nonces.push(r.json::<Value>().await.unwrap()["c_nonce"].as_str().unwrap().to_owned());
        }
        let now = clock().0;
        let expires = s.nonces.check(&nonces[0], now).unwrap();
        assert!(s.nonces.check(&nonces[1][..53], now).is_err());
        // Storage is taken only by use, once.
        assert!(s.store.use_nonce(&nonces[0], &expires.to_rfc3339()).await.unwrap());
        assert!(!s.store.use_nonce(&nonces[0], &expires.to_rfc3339()).await.unwrap(), "{backend:?}: used twice");
        assert_eq!(s.store.purge(&before_all(&ago(0))).await.unwrap().nonces, 0, "{backend:?}: not expired yet");
        let later = (expires + chrono::Duration::seconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert_eq!(s.store.purge(&before_all(&later)).await.unwrap().nonces, 1, "{backend:?}");
    }
}

fn before_all(at: &str) -> PurgeBefore {
    PurgeBefore { batch_heartbeat: "0000".into(), expired: at.into(), idempotency: "0000".into() }
}

#[tokio::test]
async fn the_janitor_purges_expired_offers_and_old_idempotency_keys_and_keeps_the_rest() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let s = &app.services;
        let offer = |id: &str, expires: String| OfferRow {
            id: id.into(),
            slug: "ehb".into(),
            achievement_id: None,
            record: "{}".into(),
            configuration_id: "c".into(),
            pre_auth_code: Some(format!("code-{id}")),
            tx_code_hash: None,
            tx_attempts: 0,
            created_at: ago(3 * 86_400),
            expires_at: expires,
            code_used_at: None,
            token_hash: None,
            token_expires_at: None,
            public_id: None,
        };
        s.store.insert_offer(&offer("old", ago(2 * 3600))).await.unwrap();
        s.store.insert_offer(&offer("late", ago(60))).await.unwrap();
        s.store.insert_offer(&offer("open", ago(-3600))).await.unwrap();
        // Idempotency: one key from two days ago, one from now.
        let rec = own_records("valid.json").remove(0);
        for k in ["old-key", "new-key"] {
            let r = app
                .client
                .post(app.url("/api/v1/credentials"))
                .bearer_auth(&key)
                .header("idempotency-key", k)
                .json(&rec)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
        age_key(&app, "old-key", &ago(2 * 86_400)).await;

        let purged = microcred::service::janitor::sweep(s, false).await.unwrap();
        assert_eq!(purged.offers, 1, "{backend:?}: only the offer expired over an hour ago");
        assert_eq!(purged.idempotency_keys, 1, "{backend:?}");
        assert!(s.store.get_offer("old").await.unwrap().is_none());
        assert!(s.store.get_offer("late").await.unwrap().is_some());
        assert!(s.store.get_offer("open").await.unwrap().is_some());
        assert!(s.store.find_idempotency("ehb", "old-key").await.unwrap().is_none());
        assert!(s.store.find_idempotency("ehb", "new-key").await.unwrap().is_some());
        assert_eq!(s.store.count_credentials("ehb").await.unwrap(), 2, "credentials stay");
    }
}

/// Backdates an idempotency record (the API stamps "now").
async fn age_key(app: &TestApp, key: &str, at: &str) {
    let n = app.execute_sql("UPDATE idempotency_keys SET created_at = $1 WHERE idem_key = $2", &[at, key]).await;
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_first_node_to_ask_creates_the_shared_nonce_key_and_every_racer_gets_it() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (store, schema) = fresh_store(backend, dir.path()).await;
        let barrier = Arc::new(tokio::sync::Barrier::new(16));
        let mut handles = Vec::new();
        for i in 0..16 {
            let (store, barrier) = (store.clone(), barrier.clone());
            handles.push(tokio::spawn(async move {
                barrier.wait().await;
                store.service_secret("race", &format!("candidate-{i}"), "2025-09-01T00:00:00Z").await.unwrap()
            }));
        }
        let mut seen = std::collections::BTreeSet::new();
        for h in handles {
            seen.insert(h.await.unwrap());
        }
        assert_eq!(seen.len(), 1, "{backend:?}: {seen:?}");
        if let Some((url, schema)) = schema {
            microcred::store::PgStore::drop_schema(&url, &schema).await.unwrap();
        }
    }
}
