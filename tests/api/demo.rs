//! The demo institution's lifecycle: created only while no other institution exists, and
//! it stops issuing once an admin creates a real one (unless `demo.keep_issuing`).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::*;

async fn create_real_institution(app: &TestApp) {
    let admin = app.admin_key().await;
    let r = app.post_json("/api/v1/institutions", Some(&admin), &json!({"slug": "ehb", "institution_id": "ehb"})).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_institution_stops_issuing_once_an_admin_creates_a_real_one() {
    for backend in backends() {
        let app = spawn_with(backend, |s| s.demo.keep_issuing = false).await;
        let rec = own_records("valid.json").remove(0);
        assert_eq!(app.issue(&app.demo_key, &rec).await.status(), 201, "{backend:?}: alone, the demo issues");

        create_real_institution(&app).await;

        let vc = json!({"credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:x"}}});
        // (description, path, body)
        let cases = [
            ("the API", "/api/v1/credentials", rec.clone()),
            ("a batch", "/api/v1/credentials/batch", json!({"records": [rec.clone()]})),
            ("an offer", "/api/v1/offers", rec.clone()),
            ("the VC-API", "/credentials/issue", vc),
        ];
        for (what, path, body) in cases {
            let r = app.post_json(path, Some(&app.demo_key), &body).await;
            assert_eq!(r.status(), 403, "{backend:?} {what}");
            let p: Value = r.json().await.unwrap();
            let detail = p["detail"].as_str().unwrap();
            assert!(
                detail.contains("demo institution stops issuing once a real institution exists")
                    && detail.contains("demo.keep_issuing"),
                "{backend:?} {what}: {p}"
            );
        }
    }
}

#[tokio::test]
async fn with_demo_keep_issuing_the_demo_institution_keeps_issuing() {
    let app = spawn_with(Backend::Sqlite, |s| s.demo.keep_issuing = true).await;
    create_real_institution(&app).await;
    let r = app.issue(&app.demo_key, &own_records("valid.json").remove(0)).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn the_demo_institution_is_created_only_while_no_other_institution_exists() {
    let dir = tempfile::tempdir().unwrap();
    let start = |configure: fn(&mut microcred::config::Settings)| {
        let mut settings = test_settings(dir.path());
        configure(&mut settings);
        async move {
            let s = microcred::service::Services::start(settings, Arc::new(clock())).await.unwrap();
            let slugs: Vec<String> = s.store.list_institutions().await.unwrap().into_iter().map(|i| i.slug).collect();
            slugs
        }
    };
    // A deployment that configures its institution never gets the demo.
    let with_configured = |s: &mut microcred::config::Settings| {
        s.institutions = vec![microcred::config::InstitutionSettings {
            slug: "ehb".into(),
            institution_id: Some("ehb".into()),
            name: None,
            url: None,
            did_method: Default::default(),
        }];
    };
    assert_eq!(start(with_configured).await, ["ehb"]);
    // Restarted without that configuration: a real institution exists, so still no demo.
    assert_eq!(start(|_| {}).await, ["ehb"]);

    // An empty database gets the demo.
    let empty = tempfile::tempdir().unwrap();
    let s = microcred::service::Services::start(test_settings(empty.path()), Arc::new(clock())).await.unwrap();
    let slugs: Vec<String> = s.store.list_institutions().await.unwrap().into_iter().map(|i| i.slug).collect();
    assert_eq!(slugs, ["demo"]);
}
