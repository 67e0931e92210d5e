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
