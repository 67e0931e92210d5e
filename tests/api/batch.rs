//! Batch issuance over the API: many awards in one request, all or nothing.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::*;

fn awards(base: &Value, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let mut a = base.clone();
            a["learner"]["family_name"] = format!("Batch {i}").into();
            a["learner"]["email"] = format!("learner.{i}@student.example.org").into();
            a["learner"]["learner_id"] = format!("urn:uuid:00000000-0000-4000-8000-{i:012}").into();
            a
        })
        .collect()
}

async fn achievement(app: &TestApp, key: &str, rec: &Value) -> String {
    let res =
        app.post_json("/api/v1/achievements", Some(key), &json!({"microcredential": rec["microcredential"]})).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_batch_of_awards_is_issued_in_order_stored_status_listed_and_verifiable_on_each_backend() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let rec = own_records("valid.json").remove(0);
        let id = achievement(&app, &key, &rec).await;
        let n = 1100; // more than two chunks
        let res = app
            .post_json(
                "/api/v1/credentials/batch",
                Some(&key),
                &json!({"achievement_id": id, "awards": awards(&rec["award"], n)}),
            )
            .await;
        assert_eq!(res.status(), 201, "{backend:?}: {}", res.text().await.unwrap());
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["count"], n);
        assert_eq!(body["achievement_id"], id.as_str());
        let items = body["credentials"].as_array().unwrap();
        assert_eq!(items.len(), n);
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item["index"], i);
        }
        let ids: BTreeSet<&str> = items.iter().filter_map(|i| i["credential_id"].as_str()).collect();
        assert_eq!(ids.len(), n, "{backend:?}: every credential has its own id");
        assert_eq!(app.services.store.count_credentials("ehb").await.unwrap(), n as i64);

        let mut slots = BTreeSet::new();
        for i in [0, 1, 511, 512, 1099] {
            let public_id = items[i]["public_id"].as_str().unwrap();
            let one: Value = app
                .client
                .get(app.url(&format!("/api/v1/credentials/{public_id}")))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let cred = &one["credential"];
            assert!(cred.to_string().contains(&format!("Batch {i}")), "award {i} in its own credential");
            slots.insert(cred["credentialStatus"]["statusListIndex"].as_str().unwrap().to_owned());
            let report: Value = app.post_json("/api/v1/verify", None, cred).await.json().await.unwrap();
            assert_eq!(report["valid"], true, "{report}");
            // Revocable one by one like any other.
            let r = app
                .post_json(&format!("/api/v1/credentials/{public_id}/revoke"), Some(&key), &json!({"reason": "test"}))
                .await;
            assert_eq!(r.status(), 200);
            let report: Value = app.post_json("/api/v1/verify", None, cred).await.json().await.unwrap();
            assert_eq!(report["valid"], false);
        }
        assert_eq!(slots.len(), 5, "distinct status indexes");
    }
}

#[tokio::test]
async fn one_invalid_award_refuses_the_whole_batch_with_pointers_and_nothing_is_stored() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    let rec = own_records("valid.json").remove(0);
    let id = achievement(&app, &key, &rec).await;
    let mut list = awards(&rec["award"], 30);
    list[7]["credits_earned"] = 99.into();
    list[21]["learner"]["email"] = "not an e-mail".into();
    let res =
        app.post_json("/api/v1/credentials/batch", Some(&key), &json!({"achievement_id": id, "awards": list})).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: Value = res.json().await.unwrap();
    let pointers: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert!(pointers.contains(&"/awards/7/credits_earned"), "{pointers:?}");
    assert!(pointers.contains(&"/awards/21/learner/email"), "{pointers:?}");
    assert_eq!(app.services.store.count_credentials("ehb").await.unwrap(), 0);
}

#[tokio::test]
async fn inline_records_can_be_batched_and_returned_as_jwt_by_default() {
    let app = spawn_app().await;
    let records = own_records("valid.json");
    let res = app
        .post_json("/api/v1/credentials/batch", Some(&app.demo_key), &json!({"records": records, "format": "jwt"}))
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["count"], records.len());
    assert_eq!(body["format"], "jwt");
    assert!(body["warning_count"].as_u64().unwrap() > 0, "the own fixtures carry warnings");
    assert!(body["warnings"][0]["pointer"].as_str().unwrap().starts_with("/records/"));
    let public_id = body["credentials"][3]["public_id"].as_str().unwrap();
    let jwt = app
        .client
        .get(app.url(&format!("/credentials/{public_id}")))
        .header("accept", "application/jwt")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let report: Value = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/jwt")
        .body(jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["valid"], true, "{report}");
}

#[tokio::test]
async fn malformed_batches_get_clear_errors() {
    let app = spawn_with(Backend::Sqlite, |s| {
        s.server.max_batch_awards = 5;
        s.server.max_batch_bytes = 200_000;
    })
    .await;
    let key = app.institution("ehb", "ehb").await;
    let rec = own_records("valid.json").remove(0);
    let id = achievement(&app, &key, &rec).await;
    let url = "/api/v1/credentials/batch";
    let a = awards(&rec["award"], 2);
    for (body, status, needle) in [
        (json!({"achievement_id": id, "awards": a, "colour": "blue"}), 422, "colour"),
        (json!({"achievement_id": id, "awards": a, "records": a}), 400, "not both"),
        (json!({"achievement_id": id}), 400, "awards is missing"),
        (json!({"achievement_id": id, "awards": {}}), 400, "must be an array"),
        (json!({"achievement_id": id, "awards": []}), 400, "1 to 5"),
        (json!({"achievement_id": id, "awards": awards(&rec["award"], 6)}), 400, "1 to 5"),
        (json!({"achievement_id": id, "awards": a, "format": "pdf"}), 400, "format"),
        (json!({"achievement_id": "ach_nope", "awards": a}), 404, "ach_nope"),
        (json!([1, 2]), 400, "JSON object"),
        (json!({"records": [1]}), 422, "records/0"),
    ] {
        let res = app.post_json(url, Some(&key), &body).await;
        let code = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert_eq!(code, status, "{body}: {text}");
        assert!(text.contains(needle), "{body}: {text}");
    }
    // The batch body limit applies, not the general one; over it is 413.
    let big = "x".repeat(250_000);
    let res = app.post_json(url, Some(&key), &json!({"achievement_id": id, "awards": [big]})).await;
    assert_eq!(res.status(), 413);
    // Auth: none, admin, another institution's record.
    assert_eq!(app.post_json(url, None, &json!({"records": [rec]})).await.status(), 401);
    let admin = app.admin_key().await;
    assert_eq!(app.post_json(url, Some(&admin), &json!({"records": [rec]})).await.status(), 403);
    let other = app.institution("kuleuven", "kuleuven").await;
    assert_eq!(app.post_json(url, Some(&other), &json!({"records": [rec]})).await.status(), 403);
    let res = app
        .client
        .post(app.url(url))
        .bearer_auth(&key)
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(app.services.store.count_credentials("ehb").await.unwrap(), 0);
}
