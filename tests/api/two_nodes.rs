//! Two service nodes on one PostgreSQL database, as behind a load balancer (each with its
//! own process state): issuing, idempotent issuing, batches and revoking through both at
//! once give unique status indexes, one credential per idempotency key, and every
//! revocation in both nodes' status lists (well within one `ttl`: lists are re-signed
//! from the database on read).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::helpers::*;

async fn revocation_list(client: &reqwest::Client, node: &str) -> microcred::status::bitstring::Bitstring {
    let r = client.get(format!("{node}/issuers/ehb/status/revocation/1")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let list: Value = r.json().await.unwrap();
    microcred::status::bitstring::Bitstring::decode(list["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_issue_revoke_and_serve_status_lists_from_one_postgresql() {
    if pg_url().is_none() {
        return;
    }
    let app = spawn_app_on(Backend::Postgres).await;
    let key = app.institution("ehb", "ehb").await;
    let nodes = [app.address.clone(), app.second_node().await];
    let rec = own_records("valid.json").remove(0);

    // 1. 40 issuances, alternating nodes, all at once.
    let barrier = Arc::new(Barrier::new(40));
    let mut handles = Vec::new();
    for i in 0..40 {
        let (http, node, key, barrier) = (app.client.clone(), nodes[i % 2].clone(), key.clone(), barrier.clone());
        let mut body = rec.clone();
        body["award"]["learner"]["family_name"] = format!("Node {i}").into();
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = http.post(format!("{node}/api/v1/credentials")).bearer_auth(key).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["public_id"].as_str().unwrap().to_owned()
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        ids.push(h.await.unwrap());
    }
    let mut slots = BTreeSet::new();
    for id in &ids {
        let row = app.services.store.get_credential(id).await.unwrap().unwrap();
        assert!(slots.insert((row.status_list, row.status_index)), "status index {:?} given twice", row.status_index);
    }

    // 2. One Idempotency-Key sent to both nodes, three times each, at once: one credential.
    let barrier = Arc::new(Barrier::new(6));
    let mut handles = Vec::new();
    for i in 0..6 {
        let (http, node, key, barrier, body) =
            (app.client.clone(), nodes[i % 2].clone(), key.clone(), barrier.clone(), rec.clone());
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = http
                .post(format!("{node}/api/v1/credentials"))
                .bearer_auth(key)
                .header("idempotency-key", "both-nodes-1")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap()["public_id"].as_str().unwrap_or_default().to_owned())
        }));
    }
    let mut answers = Vec::new();
    for h in handles {
        answers.push(h.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|(s, _)| *s == 201).count(), 1, "{answers:?}");
    assert!(answers.iter().all(|(s, id)| (*s == 201 || *s == 200) && *id == answers[0].1), "{answers:?}");
    assert_eq!(app.services.store.count_credentials("ehb").await.unwrap(), 41);

    // 3. A batch with one key sent to both nodes at once: one batch.
    let records: Vec<Value> = (0..20)
        .map(|i| {
            let mut r = rec.clone();
            r["award"]["learner"]["family_name"] = format!("Batch {i}").into();
            r
        })
        .collect();
    let batch = json!({ "records": records });
    let send = |node: String| {
        let (http, key, batch) = (app.client.clone(), key.clone(), batch.clone());
        async move {
            let r = http
                .post(format!("{node}/api/v1/credentials/batch"))
                .bearer_auth(key)
                .header("idempotency-key", "batch-both-nodes")
                .json(&batch)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (a, b) = tokio::join!(send(nodes[0].clone()), send(nodes[1].clone()));
    let mut winners: Vec<&Value> = [&a, &b].iter().filter(|(s, _)| *s == 201).map(|(_, v)| v).collect();
    assert_eq!(winners.len(), 1, "{a:?} {b:?}");
    let winner = winners.remove(0).clone();
    for (status, body) in [&a, &b] {
        // The other: the same batch (200), or told to come back while it was running (409).
        assert!(matches!(status, 201 | 200 | 409), "{status} {body}");
    }
    for node in &nodes {
        let (status, body) = send(node.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["batch_id"], winner["batch_id"]);
    }
    assert_eq!(app.services.store.count_credentials("ehb").await.unwrap(), 61);

    // 4. 20 revocations, alternating nodes, all at once; both nodes' lists show all 20.
    let barrier = Arc::new(Barrier::new(20));
    let mut handles = Vec::new();
    for (i, id) in ids.iter().take(20).enumerate() {
        let (http, node, key, barrier, id) =
            (app.client.clone(), nodes[i % 2].clone(), key.clone(), barrier.clone(), id.clone());
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            http.post(format!("{node}/api/v1/credentials/{id}/revoke"))
                .bearer_auth(key)
                .json(&json!({"reason": "two nodes"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    for node in &nodes {
        let bits = revocation_list(&app.client, node).await;
        assert_eq!(bits.count_set(), 20, "{node}: revocations missing from its list");
        for id in ids.iter().take(20) {
            let row = app.services.store.get_credential(id).await.unwrap().unwrap();
            assert!(bits.get(row.status_index.unwrap() as usize).unwrap(), "{node}: {id} not revoked in its list");
        }
    }
}
