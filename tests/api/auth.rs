//! The auth matrix: no key, a wrong key, another institution's key, and an admin key
//! where an institution key is needed, on every write endpoint.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn every_write_endpoint_refuses_missing_wrong_and_foreign_keys() {
    let app = spawn_app().await;
    let ehb = app.institution("ehb", "ehb").await;
    let vub = app.institution("vub", "vub").await;
    let admin = app.admin_key().await;
    let rec = own_records("valid.json").remove(0);
    let ach: Value = app
        .post_json("/api/v1/achievements", Some(&ehb), &json!({"microcredential": rec["microcredential"]}))
        .await
        .json()
        .await
        .unwrap();
    let issued: Value = app.issue(&ehb, &rec).await.json().await.unwrap();
    let public_id = issued["public_id"].as_str().unwrap().to_owned();
    let ehb_did = app.services.directory.did("ehb");

    // (method, path, body, keys that must be refused with their status)
    type Case<'a> = (&'a str, String, Value, Vec<(Option<&'a str>, u16)>);
    let endpoints: Vec<Case> = vec![
        (
            "POST",
            "/api/v1/credentials".into(),
            rec.clone(),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 403), (Some(&admin), 403)],
        ),
        (
            "POST",
            "/api/v1/achievements".into(),
            json!({"microcredential": rec["microcredential"]}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 403), (Some(&admin), 403)],
        ),
        (
            "GET",
            format!("/api/v1/credentials/{public_id}"),
            Value::Null,
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 404), (Some(&admin), 403)],
        ),
        (
            "POST",
            format!("/api/v1/credentials/{public_id}/revoke"),
            json!({"reason": "x"}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 404), (Some(&admin), 403)],
        ),
        (
            "POST",
            format!("/api/v1/credentials/{public_id}/suspend"),
            json!({"reason": "x"}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 404), (Some(&admin), 403)],
        ),
        (
            "POST",
            format!("/api/v1/credentials/{public_id}/reinstate"),
            json!({}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 404), (Some(&admin), 403)],
        ),
        (
            "POST",
            "/api/v1/offers".into(),
            rec.clone(),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 403), (Some(&admin), 403)],
        ),
        (
            "POST",
            "/credentials/issue".into(),
            json!({"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": ehb_did, "credentialSubject": {"id": "did:example:x"}}}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 400), (Some(&admin), 403)],
        ),
        (
            "POST",
            "/credentials/status".into(),
            json!({"credentialId": issued["credential_id"], "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": true}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 404), (Some(&admin), 403)],
        ),
        (
            "POST",
            "/api/v1/revocations".into(),
            json!({"public_ids": [public_id], "reason": "x"}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 404), (Some(&admin), 403)],
        ),
        (
            "GET",
            format!("/api/v1/achievements/{}", ach["id"].as_str().unwrap()),
            Value::Null,
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 404), (Some(&admin), 403)],
        ),
        (
            "POST",
            "/api/v1/institutions".into(),
            json!({"slug": "x", "institution_id": "ugent"}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 403), (Some(&ehb), 403)],
        ),
        (
            "POST",
            "/api/v1/institutions/ehb/keys/rotate".into(),
            json!({}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 403), (Some(&ehb), 403)],
        ),
        (
            "POST",
            "/api/v1/institutions/ehb/api-keys".into(),
            json!({}),
            vec![(None, 401), (Some("mck_wrong"), 401), (Some(&vub), 403), (Some(&ehb), 403)],
        ),
    ];
    for (method, path, body, cases) in endpoints {
        for (key, status) in cases {
            let mut req = app.client.request(method.parse().unwrap(), app.url(&path));
            if !body.is_null() {
                req = req.json(&body);
            }
            if let Some(k) = key {
                req = req.bearer_auth(k);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status().as_u16(), status, "{method} {path} with {key:?}");
            assert_eq!(res.headers()["content-type"], "application/problem+json", "{method} {path}");
            if status == 401 {
                let challenge = res.headers()["www-authenticate"].to_str().unwrap().to_owned();
                let problem: serde_json::Value = res.json().await.unwrap();
                let detail = problem["detail"].as_str().unwrap();
                if key.is_some() {
                    // A key was sent: say that it is unknown, not to send one.
                    assert_eq!(challenge, "Bearer error=\"invalid_token\"");
                    assert!(
                        detail.contains("not known or was revoked") && !detail.contains("Send an API key"),
                        "{detail}"
                    );
                } else {
                    assert_eq!(challenge, "Bearer");
                    assert!(detail.starts_with("Send an API key"), "{detail}");
                }
            }
        }
    }
    // Nothing was issued, revoked or changed by the refused requests.
    assert_eq!(app.services.store.get_credential(&public_id).await.unwrap().unwrap().status, "active");
    assert!(app.services.store.list_audit("ehb", 10, 0).await.unwrap().is_empty());
    assert_eq!(app.services.store.list_keys("ehb").await.unwrap().len(), 1);
    assert!(app.services.store.get_institution("x").await.unwrap().is_none());
}

#[tokio::test]
async fn admin_keys_manage_institutions_keys_and_api_keys() {
    let app = spawn_app().await;
    let admin = app.admin_key().await;
    let res = app
        .post_json("/api/v1/institutions", Some(&admin), &json!({"slug": "kuleuven", "institution_id": "kuleuven"}))
        .await;
    assert_eq!(res.status(), 201);
    let inst: Value = res.json().await.unwrap();
    assert_eq!(inst["did"], app.services.directory.did("kuleuven"));
    let dup = app
        .post_json("/api/v1/institutions", Some(&admin), &json!({"slug": "kuleuven", "institution_id": "kuleuven"}))
        .await;
    assert_eq!(dup.status(), 409);
    let bad =
        app.post_json("/api/v1/institutions", Some(&admin), &json!({"slug": "x", "institution_id": "harvard"})).await;
    assert_eq!(bad.status(), 400);
    let key: Value = app
        .post_json("/api/v1/institutions/kuleuven/api-keys", Some(&admin), &json!({"label": "sis"}))
        .await
        .json()
        .await
        .unwrap();
    let token = key["api_key"].as_str().unwrap();
    let mut rec = own_records("valid.json").remove(0);
    rec["microcredential"]["institution_id"] = "kuleuven".into();
    assert_eq!(app.issue(token, &rec).await.status(), 201);
    // The token itself is not stored.
    let stored = app.services.store.find_api_key(token).await.unwrap();
    assert!(stored.is_none());
}
