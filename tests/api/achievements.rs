use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_registered_definition_is_listed_and_awarded_by_id() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let key = app.institution("ehb", "ehb").await;
        let rec = own_records("valid.json").remove(0);
        let res = app
            .post_json("/api/v1/achievements", Some(&key), &json!({"microcredential": rec["microcredential"]}))
            .await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let ach: Value = res.json().await.unwrap();
        let id = ach["id"].as_str().unwrap().to_owned();
        assert_eq!(ach["microcredential"]["title_nl"], rec["microcredential"]["title_nl"]);

        let list: Value = app
            .client
            .get(app.url("/api/v1/achievements"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let one =
            app.client.get(app.url(&format!("/api/v1/achievements/{id}"))).bearer_auth(&key).send().await.unwrap();
        assert_eq!(one.status(), 200);

        let res = app.issue(&key, &json!({"achievement_id": id, "award": rec["award"], "format": "jwt"})).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let cred: Value = res.json().await.unwrap();
        assert_eq!(cred["achievement_id"], id.as_str());

        // An award that breaks a rule points into the request body.
        let mut award = rec["award"].clone();
        award["credits_earned"] = 99.into();
        let res = app.issue(&key, &json!({"achievement_id": id, "award": award})).await;
        assert_eq!(res.status(), 422);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["pointer"], "/award/credits_earned");

        let missing = app.issue(&key, &json!({"achievement_id": "ach_nope", "award": rec["award"]})).await;
        assert_eq!(missing.status(), 404);
        let unknown = app.issue(&key, &json!({"achievement_id": id, "award": rec["award"], "colour": "blue"})).await;
        assert_eq!(unknown.status(), 422);
    }
}

#[tokio::test]
async fn an_invalid_definition_is_refused_with_every_violation() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    let mut mc = own_records("valid.json").remove(0)["microcredential"].clone();
    mc["ects"] = 2.into();
    mc["delivery_mode"] = "online".into();
    let res = app.post_json("/api/v1/achievements", Some(&key), &json!({"microcredential": mc})).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    let codes: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"ects.below_minimum") && codes.contains(&"delivery_mode.invalid"), "{codes:?}");
}

#[tokio::test]
async fn one_institution_cannot_see_another_institutions_definitions() {
    let app = spawn_app().await;
    let ehb = app.institution("ehb", "ehb").await;
    let vub = app.institution("vub", "vub").await;
    let rec = own_records("valid.json").remove(0);
    let ach: Value = app
        .post_json("/api/v1/achievements", Some(&ehb), &json!({"microcredential": rec["microcredential"]}))
        .await
        .json()
        .await
        .unwrap();
    let id = ach["id"].as_str().unwrap();
    let r = app.client.get(app.url(&format!("/api/v1/achievements/{id}"))).bearer_auth(&vub).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let list: Value =
        app.client.get(app.url("/api/v1/achievements")).bearer_auth(&vub).send().await.unwrap().json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let r = app.issue(&vub, &json!({"achievement_id": id, "award": rec["award"]})).await;
    assert_eq!(r.status(), 404);
}
