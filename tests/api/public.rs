use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn unknown_or_malformed_public_ids_are_404_and_unacceptable_types_406() {
    let app = spawn_app().await;
    for id in ["AAAAAAAAAAAAAAAAAAAAAA", "short", "../../etc/passwd"] {
        let r = app
            .client
            .get(app.url(&format!("/credentials/{id}")))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{id}");
    }
    let issued: Value = app.issue(&app.demo_key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let r = app.client.get(issued["share_url"].as_str().unwrap()).header("accept", "image/gif").send().await.unwrap();
    assert_eq!(r.status(), 406);
    let r = app
        .client
        .get(issued["share_url"].as_str().unwrap())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["vary"], "Accept");
}

#[tokio::test]
async fn the_api_verify_endpoint_reports_tampering_and_accepts_jwts() {
    let app = spawn_app().await;
    let mut rec = own_records("valid.json").remove(0);
    rec["format"] = "jwt".into();
    let issued: Value = app.issue(&app.demo_key, &rec).await.json().await.unwrap();
    let token = issued["credential"].as_str().unwrap();
    let ok: Value = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/jwt")
        .body(token.to_owned())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["valid"], true);
    assert_eq!(ok["format"], "jwt");
    let mut json: Value =
        app.client.get(issued["json_url"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    json["credentialSubject"]["achievement"]["creditsAvailable"] = 12.into();
    let bad: Value = app.post_json("/api/v1/verify", None, &json).await.json().await.unwrap();
    assert_eq!(bad["valid"], false);
    assert!(bad["errors"].as_array().unwrap().iter().any(|e| e["code"] == "signature.invalid"));
    let garbage = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
}
