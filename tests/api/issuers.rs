use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn each_institution_has_a_did_web_document_and_an_ob3_profile() {
    let app = spawn_app().await;
    app.institution("kuleuven", "kuleuven").await;
    let did = app.services.directory.did("kuleuven");
    let port = app.address.rsplit(':').next().unwrap();
    assert_eq!(did, format!("did:web:localhost%3A{port}:issuers:kuleuven"));
    let res = app.client.get(app.url("/issuers/kuleuven/did.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/did+json");
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["id"], did.as_str());
    assert_eq!(doc["assertionMethod"][0], format!("{did}#key-1"));
    assert!(!doc.to_string().contains("\"d\""), "no private key material");
    let profile: Value = app.client.get(app.url("/issuers/kuleuven")).send().await.unwrap().json().await.unwrap();
    assert_eq!(profile["id"], did.as_str());
    assert_eq!(profile["name"], "KU Leuven");
    assert_eq!(profile["address"]["addressCountryCode"], "BE");
    assert_eq!(app.client.get(app.url("/issuers/nobody/did.json")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn after_key_rotation_new_credentials_use_the_new_key_and_old_ones_still_verify() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let admin = app.admin_key().await;
        let rec = own_records("valid.json").remove(0);
        let old: Value = app.issue(&key, &rec).await.json().await.unwrap();
        assert!(old["credential"]["proof"][0]["verificationMethod"].as_str().unwrap().ends_with("#key-1"));

        let res = app.post_json("/api/v1/institutions/ehb/keys/rotate", Some(&admin), &json!({})).await;
        assert_eq!(res.status(), 201);
        let rotated: Value = res.json().await.unwrap();
        assert!(rotated["kid"].as_str().unwrap().ends_with("#key-2"));
        assert!(rotated.get("secret").is_none() && !rotated.to_string().contains("\"d\""));

        let new: Value = app.issue(&key, &rec).await.json().await.unwrap();
        assert!(new["credential"]["proof"][0]["verificationMethod"].as_str().unwrap().ends_with("#key-2"));
        let doc: Value = app.client.get(app.url("/issuers/ehb/did.json")).send().await.unwrap().json().await.unwrap();
        assert_eq!(doc["verificationMethod"].as_array().unwrap().len(), 2);
        assert_eq!(doc["assertionMethod"].as_array().unwrap().len(), 2);
        for c in [&old, &new] {
            for body in [c["credential"].clone()] {
                let report: Value = app.post_json("/api/v1/verify", None, &body).await.json().await.unwrap();
                assert_eq!(report["valid"], true, "{backend:?}: {report}");
            }
        }
        let keys: Value = app
            .client
            .get(app.url("/api/v1/institutions/ehb/keys"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let statuses: Vec<&str> =
            keys["items"].as_array().unwrap().iter().map(|k| k["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["retired", "active"]);
    }
}

#[tokio::test]
async fn the_extension_context_and_schema_are_served_at_their_canonical_paths() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/microcred/contexts/v1.jsonld")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/ld+json");
    let ctx: Value = res.json().await.unwrap();
    let shipped: Value =
        serde_json::from_str(microcred::jsonld::contexts::get(microcred::jsonld::contexts::MICROCRED_V1_URL).unwrap())
            .unwrap();
    assert_eq!(ctx, shipped);
    let schema: Value =
        app.client.get(app.url("/microcred/schemas/v1.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(schema["$id"], microcred::ob3::EXTENSION_SCHEMA_URL);
}
