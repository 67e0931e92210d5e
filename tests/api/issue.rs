use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn every_valid_record_is_issued_fetched_in_every_media_type_and_verified_on_each_backend() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        for rec in valid_records() {
            let id = rec["record_id"].as_str().unwrap().to_owned();
            let res = app.issue(&app.demo_key, &rec).await;
            assert_eq!(res.status(), 201, "{backend:?} {id}: {}", res.text().await.unwrap());
            let body: Value = res.json().await.unwrap();
            let share = body["share_url"].as_str().unwrap().to_owned();
            assert!(share.starts_with(&app.address), "{share}");
            assert_eq!(body["format"], "ldp");
            assert!(body["credential"]["proof"].is_array());
            let public_id = body["public_id"].as_str().unwrap();
            assert!(public_id.len() >= 22, "≥ 122 random bits");

            for (accept, want) in [
                ("application/ld+json", "application/ld+json"),
                ("application/vc+ld+json", "application/vc+ld+json"),
                ("application/json", "application/json"),
                ("application/jwt", "application/jwt"),
                ("text/html", "text/html"),
            ] {
                let r = app.client.get(&share).header("accept", accept).send().await.unwrap();
                assert_eq!(r.status(), 200, "{id} {accept}");
                let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
                assert!(ct.starts_with(want), "{id} {accept}: {ct}");
                let text = r.text().await.unwrap();
                if want != "text/html" {
                    let report: Value = app
                        .client
                        .post(app.url("/api/v1/verify"))
                        .header(
                            "content-type",
                            if want == "application/jwt" { "application/jwt" } else { "application/json" },
                        )
                        .body(text)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    assert_eq!(report["valid"], true, "{id} {accept}: {report}");
                    assert_eq!(report["issuer"], app.services.directory.did("demo"));
                }
            }
        }
    }
}

#[tokio::test]
async fn the_response_format_can_be_jwt_and_both_representations_are_stored() {
    let app = spawn_app().await;
    let mut rec = own_records("valid.json").remove(0);
    rec["format"] = "jwt".into();
    let res = app.issue(&app.demo_key, &rec).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let token = body["credential"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    let json: Value = app.client.get(body["json_url"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    assert_eq!(json["id"], body["credential_id"]);
    let jwt = app.client.get(body["jwt_url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    assert_eq!(jwt, token);
}

fn codes(problem: &Value) -> BTreeSet<(String, String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["rule"].as_str().unwrap().into(),
                e["code"].as_str().unwrap().into(),
                e["pointer"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_invalid_record_gives_422_problem_json_with_its_expected_rule_codes() {
    let app = spawn_app().await;
    for rec in invalid_records() {
        let id = rec["record_id"].as_str().unwrap().to_owned();
        let res = app.issue(&app.demo_key, &rec).await;
        assert_eq!(res.status(), 422, "{id}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "https://w3id.org/microcred/problems/validation");
        assert_eq!(problem["instance"], "/api/v1/credentials");
        let want: BTreeSet<_> = rec["expected_errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["rule"].as_str().unwrap().into(),
                    e["code"].as_str().unwrap().into(),
                    e["path"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(codes(&problem), want, "{id}");
    }
}

#[tokio::test]
async fn an_idempotency_key_makes_retries_safe_and_refuses_a_different_body() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let rec = own_records("valid.json").remove(0);
        let send = |body: Value, key: &'static str| {
            let app = &app;
            async move {
                app.client
                    .post(app.url("/api/v1/credentials"))
                    .bearer_auth(&app.demo_key)
                    .header("idempotency-key", key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let first = send(rec.clone(), "retry-1").await;
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        // The same body with keys in another order is the same request.
        let reordered: Value = serde_json::from_str(&{
            let Value::Object(m) = &rec else { unreachable!() };
            let mut pairs: Vec<_> = m.iter().collect();
            pairs.reverse();
            format!(
                "{{{}}}",
                pairs
                    .iter()
                    .map(|(k, v)| format!("{}:{}", Value::String((*k).clone()), v))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .unwrap();
        let again = send(reordered, "retry-1").await;
        assert_eq!(again.status(), 200, "{backend:?}");
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["public_id"], first["public_id"]);
        assert_eq!(again["credential"], first["credential"]);
        let mut other = rec.clone();
        other["award"]["grade"] = "18/20".into();
        let conflict = send(other, "retry-1").await;
        assert_eq!(conflict.status(), 409);
        assert_eq!(conflict.headers()["content-type"], "application/problem+json");
        // Concurrent retries of one request give one credential.
        let mut handles = Vec::new();
        for _ in 0..8 {
            let (client, url, key, body) =
                (app.client.clone(), app.url("/api/v1/credentials"), app.demo_key.clone(), rec.clone());
            handles.push(tokio::spawn(async move {
                let r = client
                    .post(url)
                    .bearer_auth(key)
                    .header("idempotency-key", "concurrent")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let v: Value = r.json().await.unwrap();
                (status, v["public_id"].as_str().unwrap_or_default().to_owned())
            }));
        }
        let mut ids = BTreeSet::new();
        for h in handles {
            let (status, id) = h.await.unwrap();
            assert!(status == 201 || status == 200, "{status}");
            ids.insert(id);
        }
        assert_eq!(ids.len(), 1, "{backend:?}: {ids:?}");
    }
}

#[tokio::test]
async fn an_institution_cannot_issue_records_of_another_institution() {
    let app = spawn_app().await;
    let ugent = app.institution("ugent", "ugent").await;
    let rec = own_records("valid.json").remove(0); // EhB
    let res = app.issue(&ugent, &rec).await;
    assert_eq!(res.status(), 403);
    let mut mine = rec.clone();
    mine["microcredential"]["institution_id"] = "ugent".into();
    let res = app.issue(&ugent, &mine).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["credential"]["issuer"]["id"], app.services.directory.did("ugent"));
    assert_eq!(body["credential"]["issuer"]["name"], "Universiteit Gent");
    let _ = json!({});
}
