//! Read-modify-write under concurrency, on SQLite and (with TEST_DATABASE_URL)
//! PostgreSQL: status bits, one winner per status change, the first status list of an
//! institution, and PIN attempts. Each test starts its writers together and checks that
//! nothing was lost or counted twice.

use std::sync::Arc;

use microcred::store::*;
use serde_json::json;
use tokio::sync::Barrier;

use crate::helpers::*;

/// `n` credentials of `slug` with fresh status slots, stored directly (no signing).
async fn seed(app: &TestApp, slug: &str, n: usize) -> Vec<String> {
    let s = &app.services;
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let slot = microcred::service::status::assign(s, slug).await.unwrap();
        rows.push(CredentialRow {
            public_id: microcred::service::credentials::new_public_id(),
            credential_id: format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
            slug: slug.into(),
            achievement_id: None,
            format: "ldp".into(),
            ldp: "{}".into(),
            jwt: "a.b.c".into(),
            issued_at: "2025-01-01T00:00:00Z".into(),
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

/// Revokes each id in its own request, all sent at once; the HTTP statuses.
async fn revoke_all_at_once(app: &TestApp, key: &str, ids: &[String]) -> Vec<u16> {
    let barrier = Arc::new(Barrier::new(ids.len()));
    let mut handles = Vec::new();
    for id in ids {
        let (http, url, key, barrier) =
            (app.client.clone(), app.url(&format!("/api/v1/credentials/{id}/revoke")), key.to_owned(), barrier.clone());
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            http.post(&url).bearer_auth(&key).json(&json!({"reason": "race"})).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_revocations_in_one_list_set_forty_bits_on_each_store() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let ids = seed(&app, "ehb", 40).await;

        let statuses = revoke_all_at_once(&app, &key, &ids).await;

        assert!(statuses.iter().all(|s| *s == 200), "{backend:?}: {statuses:?}");
        let list = app.services.store.get_status_list("ehb", 1, "revocation").await.unwrap().unwrap();
        let set = microcred::status::bitstring::Bitstring::decode(&list.bits).unwrap().count_set();
        assert_eq!(set, 40, "{backend:?}: {} of 40 revocation bits lost", 40 - set);
        for id in &ids {
            assert_eq!(app.services.store.get_credential(id).await.unwrap().unwrap().status, "revoked");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_revocations_of_one_credential_have_one_winner_on_each_store() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let id = seed(&app, "ehb", 1).await.remove(0);

        let statuses = revoke_all_at_once(&app, &key, &vec![id.clone(); 20]).await;

        let ok = statuses.iter().filter(|s| **s == 200).count();
        let conflict = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!((ok, conflict), (1, 19), "{backend:?}: {statuses:?}");
        let audit = app.services.store.list_audit("ehb", 100, 0).await.unwrap();
        assert_eq!(audit.len(), 1, "{backend:?}: one audit row per change");
        let list = app.services.store.get_status_list("ehb", 1, "revocation").await.unwrap().unwrap();
        assert_eq!(list.version, 1, "{backend:?}: the list changed once");
    }
}

fn institution(slug: &str) -> InstitutionRow {
    InstitutionRow {
        slug: slug.into(),
        institution_id: None,
        name: "N".into(),
        url: "https://n".into(),
        created_at: "2025-01-01T00:00:00Z".into(),
        did_method: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_first_reservations_of_a_new_institution_open_one_status_list_on_each_store() {
    const WRITERS: usize = 8;
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (store, schema) = fresh_store(backend, dir.path()).await;
        // Several new institutions, so the race is run several times.
        for round in 0..5 {
            let slug = format!("new{round}");
            store.insert_institution(&institution(&slug)).await.unwrap();
            let barrier = Arc::new(Barrier::new(WRITERS));
            let mut handles = Vec::new();
            for writer in 0..WRITERS as i64 {
                let (store, slug, barrier) = (store.clone(), slug.clone(), barrier.clone());
                handles.push(tokio::spawn(async move {
                    // Distinct candidates per writer: each gets its own slots.
                    let candidates: Vec<i64> = (0..16).map(|i| writer * 1000 + i).collect();
                    barrier.wait().await;
                    store.reserve_status_slots(&slug, 131_072, 100_000, &candidates, 4, "uEMPTY").await
                }));
            }
            let mut slots = Vec::new();
            for h in handles {
                let got = h.await.unwrap();
                assert!(got.is_ok(), "{backend:?} round {round}: {got:?}");
                slots.extend(got.unwrap());
            }
            assert_eq!(slots.len(), 4 * WRITERS, "{backend:?}");
            assert!(slots.iter().all(|(list, _)| *list == 1), "{backend:?}: one list opened: {slots:?}");
            assert!(store.get_status_list(&slug, 1, "revocation").await.unwrap().is_some());
            assert!(store.get_status_list(&slug, 2, "revocation").await.unwrap().is_none());
        }
        if let Some((url, schema)) = schema {
            PgStore::drop_schema(&url, &schema).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_pins_burn_the_offer_after_exactly_the_limit_on_each_store() {
    const GUESSES: usize = 20;
    const LIMIT: i64 = 5;
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (store, schema) = fresh_store(backend, dir.path()).await;
        store.insert_institution(&institution("ehb")).await.unwrap();
        let offer = OfferRow {
            id: "offer1".into(),
            slug: "ehb".into(),
            achievement_id: None,
            record: "{}".into(),
            configuration_id: "OpenBadgeCredential_ldp_vc".into(),
            pre_auth_code: Some("code1".into()),
            tx_code_hash: Some("right".into()),
            tx_attempts: 0,
            created_at: "2025-01-01T00:00:00Z".into(),
            expires_at: "2025-01-02T00:00:00Z".into(),
            code_used_at: None,
            token_hash: None,
            token_expires_at: None,
            public_id: None,
        };
        store.insert_offer(&offer).await.unwrap();

        let barrier = Arc::new(Barrier::new(GUESSES));
        let mut handles = Vec::new();
        for guess in 0..GUESSES {
            let (store, barrier) = (store.clone(), barrier.clone());
            handles.push(tokio::spawn(async move {
                barrier.wait().await;
                store
                    .redeem_offer_code(
                        "code1",
                        Some(&format!("wrong{guess}")),
                        "2025-01-01T01:00:00Z",
                        &format!("token{guess}"),
                        "2025-01-01T02:00:00Z",
                        LIMIT,
                    )
                    .await
                    .unwrap()
            }));
        }
        let mut checked = 0;
        for h in handles {
            match h.await.unwrap() {
                Redeemed::WrongTxCode => checked += 1,
                Redeemed::Used => {}
                other => panic!("{backend:?}: {other:?}"),
            }
        }
        assert_eq!(checked, LIMIT, "{backend:?}: wrong PINs checked before the offer burnt");
        let stored = store.get_offer("offer1").await.unwrap().unwrap();
        assert_eq!(stored.tx_attempts, LIMIT, "{backend:?}");
        assert!(stored.code_used_at.is_some(), "{backend:?}: burnt");
        // Burnt means burnt: the right PIN no longer works.
        let late = store
            .redeem_offer_code("code1", Some("right"), "2025-01-01T01:00:00Z", "t", "2025-01-01T02:00:00Z", LIMIT)
            .await
            .unwrap();
        assert_eq!(late, Redeemed::Used, "{backend:?}");
        if let Some((url, schema)) = schema {
            PgStore::drop_schema(&url, &schema).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_redemptions_with_the_right_pin_give_one_token_on_each_store() {
    const TRIES: usize = 10;
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (store, schema) = fresh_store(backend, dir.path()).await;
        store.insert_institution(&institution("ehb")).await.unwrap();
        let offer = OfferRow {
            id: "offer1".into(),
            slug: "ehb".into(),
            achievement_id: None,
            record: "{}".into(),
            configuration_id: "OpenBadgeCredential_ldp_vc".into(),
            pre_auth_code: Some("code1".into()),
            tx_code_hash: Some("right".into()),
            tx_attempts: 0,
            created_at: "2025-01-01T00:00:00Z".into(),
            expires_at: "2025-01-02T00:00:00Z".into(),
            code_used_at: None,
            token_hash: None,
            token_expires_at: None,
            public_id: None,
        };
        store.insert_offer(&offer).await.unwrap();
        let barrier = Arc::new(Barrier::new(TRIES));
        let mut handles = Vec::new();
        for n in 0..TRIES {
            let (store, barrier) = (store.clone(), barrier.clone());
            handles.push(tokio::spawn(async move {
                barrier.wait().await;
                let token = format!("token{n}");
                let r = store
                    .redeem_offer_code(
                        "code1",
                        Some("right"),
                        "2025-01-01T01:00:00Z",
                        &token,
                        "2025-01-01T02:00:00Z",
                        5,
                    )
                    .await
                    .unwrap();
                (token, r)
            }));
        }
        let mut winners = Vec::new();
        for h in handles {
            let (token, r) = h.await.unwrap();
            match r {
                Redeemed::Ok(_) => winners.push(token),
                Redeemed::Used => {}
                other => panic!("{backend:?}: {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "{backend:?}: {winners:?}");
        // The token the winner was given is the one that works.
        assert!(store.offer_by_token(&winners[0]).await.unwrap().is_some(), "{backend:?}");
        if let Some((url, schema)) = schema {
            PgStore::drop_schema(&url, &schema).await.unwrap();
        }
    }
}

/// Sends `n` admin POSTs to `path` at once; the HTTP statuses and bodies.
async fn post_all_at_once(
    app: &TestApp,
    admin: &str,
    bodies: Vec<(String, serde_json::Value)>,
) -> Vec<(u16, serde_json::Value)> {
    let barrier = Arc::new(Barrier::new(bodies.len()));
    let mut handles = Vec::new();
    for (path, body) in bodies {
        let (http, url, admin, barrier) = (app.client.clone(), app.url(&path), admin.to_owned(), barrier.clone());
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = http.post(&url).bearer_auth(&admin).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap_or_default())
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// Eight rotations of one institution at once: each gets its own key number (before, two
/// could pick the same `#key-N`, and the second key file overwrote the first one's secret
/// under a published public key), exactly one key stays active, and what the service then
/// signs verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_key_rotations_leave_one_active_key_that_signs_verifiably_on_each_store() {
    const ROTATIONS: usize = 8;
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let admin = app.admin_key().await;
        let bodies = (0..ROTATIONS).map(|_| ("/api/v1/institutions/ehb/keys/rotate".to_owned(), json!({}))).collect();
        let answers = post_all_at_once(&app, &admin, bodies).await;
        assert!(answers.iter().all(|(s, _)| *s == 201), "{backend:?}: {answers:?}");
        let mut kids: Vec<&str> = answers.iter().map(|(_, b)| b["kid"].as_str().unwrap()).collect();
        kids.sort_unstable();
        kids.dedup();
        assert_eq!(kids.len(), ROTATIONS, "{backend:?}: distinct key ids");
        let rows = app.services.store.list_keys("ehb").await.unwrap();
        assert_eq!(rows.len(), ROTATIONS + 1, "{backend:?}");
        let active: Vec<&KeyRow> = rows.iter().filter(|k| k.status == "active").collect();
        assert_eq!(active.len(), 1, "{backend:?}: one active key: {rows:?}");
        assert!(rows.iter().filter(|k| k.status == "retired").all(|k| k.retired_at.is_some()));
        let rec = own_records("valid.json").remove(0);
        let issued: serde_json::Value = app.issue(&key, &rec).await.json().await.unwrap();
        let vm = issued["credential"]["proof"][0]["verificationMethod"].as_str().unwrap().to_owned();
        assert_eq!(vm, active[0].kid, "{backend:?}: signed with the active key");
        let report: serde_json::Value =
            app.post_json("/api/v1/verify", None, &issued["credential"]).await.json().await.unwrap();
        assert!(report["valid"] == true && report["trusted"] == true, "{backend:?}: {report}");
    }
}

/// Compromise reports of one key with different instants, all at once: the earliest
/// stands (a later report never shortens a compromise), each report is audited once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_compromise_reports_keep_the_earliest_instant_on_each_store() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        app.institution("ehb", "ehb").await;
        let admin = app.admin_key().await;
        let instants: Vec<String> = (1..=9).rev().map(|d| format!("2025-08-2{d}T00:00:00Z")).collect();
        let bodies = instants
            .iter()
            .map(|since| ("/api/v1/institutions/ehb/keys/key-1/compromise".to_owned(), json!({ "since": since })))
            .collect();
        let answers = post_all_at_once(&app, &admin, bodies).await;
        assert!(answers.iter().all(|(s, _)| *s == 200), "{backend:?}: {answers:?}");
        let rows = app.services.store.list_keys("ehb").await.unwrap();
        assert_eq!(rows[0].compromised_since.as_deref(), Some("2025-08-21T00:00:00Z"), "{backend:?}");
        // A later report afterwards keeps the earliest too, and says so in its answer.
        let (status, body) = post_all_at_once(
            &app,
            &admin,
            vec![("/api/v1/institutions/ehb/keys/key-1/compromise".into(), json!({"since": "2025-08-30T00:00:00Z"}))],
        )
        .await
        .remove(0);
        assert_eq!((status, body["compromised_since"].as_str()), (200, Some("2025-08-21T00:00:00Z")), "{backend:?}");
        let audit = app.services.store.list_audit("ehb", 100, 0).await.unwrap();
        let reports = audit.iter().filter(|a| a.action == "key-compromised").count();
        assert_eq!(reports, instants.len() + 1, "{backend:?}");
    }
}
