//! Institutions that sign as did:key (issue 13: the W3C suites and some wallets resolve no
//! other method): created by the admin API or the configuration, the issuer id is the
//! did:key of the institution's one key on every path, verifiers need nothing of ours,
//! status lists are the same issuer's, and a rotation is refused with the reason.

use microcred::crypto::did::{DidMethod, Resolver};
use serde_json::{Value, json};

use crate::helpers::*;

async fn create_did_key_institution(app: &TestApp, admin: &str, slug: &str) -> Value {
    let r = app
        .post_json(
            "/api/v1/institutions",
            Some(admin),
            &json!({"slug": slug, "institution_id": "vub", "did_method": "key"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn api_key(app: &TestApp, admin: &str, slug: &str) -> String {
    let r = app.post_json(&format!("/api/v1/institutions/{slug}/api-keys"), Some(admin), &json!({})).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["api_key"].as_str().unwrap().to_owned()
}

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:0b6c7c3e-7d5e-4a53-9a43-2d1c0f4e8a11",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:learner-1", "alumniOf": "VUB"}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_did_key_institution_signs_as_its_key_and_verifies_without_us() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let admin = app.admin_key().await;
        let created = create_did_key_institution(&app, &admin, "vub-key").await;
        let did = created["did"].as_str().unwrap().to_owned();
        assert!(did.starts_with("did:key:z6Mk"), "{created}");
        assert_eq!(created["did_method"], "key");
        assert!(created["did_document_url"].is_null(), "a did:key has no document of ours: {created}");
        let listed: Value = app
            .client
            .get(app.url("/api/v1/institutions"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let row = listed["items"].as_array().unwrap().iter().find(|i| i["slug"] == "vub-key").unwrap().clone();
        assert_eq!(row["did"], did.as_str());
        let key = api_key(&app, &admin, "vub-key").await;

        // VC-API: the issuer must be the did:key; the proof's method is that key.
        let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": credential(&did)})).await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let vc = r.json::<Value>().await.unwrap()["verifiableCredential"].clone();
        let fragment = did.strip_prefix("did:key:").unwrap();
        assert_eq!(vc["proof"][0]["verificationMethod"], format!("{did}#{fragment}"));
        let web = app.services.directory.did("vub-key");
        let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": credential(&web)})).await;
        assert_eq!(r.status(), 400, "the did:web is not this institution's issuer id");

        // Our verifier: valid and recognised (the did:key is in our registry).
        let v: Value = app
            .post_json("/credentials/verify", None, &json!({"verifiableCredential": vc}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["verified"], true, "{v}");
        assert_eq!(v["issuer_trust"]["status"], "recognised", "{v}");
        // A verifier that knows nothing of us resolves the did:key from itself.
        let report = microcred::verify::verify_text(&vc.to_string(), &Resolver::new(), &clock()).await;
        assert_eq!(report.checks.get("signature"), Some(&microcred::verify::CheckStatus::Passed), "{report:?}");

        // The status list is signed by the same did:key, so revocation is seen.
        let r = app
            .post_json(
                "/credentials/status",
                Some(&key),
                &json!({"credentialId": vc["id"], "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": true}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let list_url = vc["credentialStatus"]["statusListCredential"].as_str().unwrap();
        let list: Value = app.client.get(list_url).send().await.unwrap().json().await.unwrap();
        assert_eq!(list["issuer"], did.as_str());
        assert!(list["proof"]["verificationMethod"].as_str().unwrap().starts_with(&did), "{list}");
        let v: Value = app
            .post_json("/credentials/verify", None, &json!({"verifiableCredential": vc}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["verified"], false);
        assert_eq!(v["errors"][0]["code"], "status.revoked", "{v}");

        // Public documents: the profile names the did:key; there is no did.json.
        let profile: Value = app.client.get(app.url("/issuers/vub-key")).send().await.unwrap().json().await.unwrap();
        assert_eq!(profile["id"], did.as_str());
        let r = app.client.get(app.url("/issuers/vub-key/did.json")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let p: Value = r.json().await.unwrap();
        assert!(p["detail"].as_str().unwrap().contains("resolves from itself"), "{p}");

        // The DID is the key: no rotation. A compromise is reported by the key's fragment.
        let r = app.post_json("/api/v1/institutions/vub-key/keys/rotate", Some(&admin), &json!({})).await;
        assert_eq!(r.status(), 409);
        let p: Value = r.json().await.unwrap();
        assert!(p["detail"].as_str().unwrap().contains("cannot be rotated"), "{p}");
        let r = app
            .post_json(
                &format!("/api/v1/institutions/vub-key/keys/{fragment}/compromise"),
                Some(&admin),
                &json!({"since": "2025-08-01T00:00:00Z", "reason": "test"}),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        // Issue 27: a compromised key signs nothing new; the answer says the way out.
        let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": credential(&did)})).await;
        assert_eq!(r.status(), 409, "{backend:?}");
        let p: Value = r.json().await.unwrap();
        assert!(p["detail"].as_str().unwrap().contains("create a new institution"), "{p}");
    }
}

#[tokio::test]
async fn the_did_method_is_checked_where_it_is_given() {
    let app = spawn_app().await;
    let admin = app.admin_key().await;
    let r = app
        .post_json(
            "/api/v1/institutions",
            Some(&admin),
            &json!({"slug": "x", "institution_id": "vub", "did_method": "jwk"}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("did_method 'jwk'"), "{p}");
    // did:web stays the default and keeps its document.
    let r = app.post_json("/api/v1/institutions", Some(&admin), &json!({"slug": "w", "institution_id": "vub"})).await;
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["did_method"], "web");
    assert!(created["did"].as_str().unwrap().starts_with("did:web:"));
    assert!(created["did_document_url"].as_str().unwrap().ends_with("/issuers/w/did.json"));
    // The configuration parses "key" and refuses anything else, naming the value.
    let file = app.dir.path().join("c.toml");
    let load = |text: &str| {
        std::fs::write(&file, text).unwrap();
        microcred::config::load_from(Some(&file), &[])
    };
    let parsed = load("[[institutions]]\nslug = \"ehb\"\ndid_method = \"key\"\n").unwrap();
    assert_eq!(parsed.institutions[0].did_method, DidMethod::Key);
    assert_eq!(load("[[institutions]]\nslug = \"ehb\"\n").unwrap().institutions[0].did_method, DidMethod::Web);
    let err = load("[[institutions]]\nslug = \"ehb\"\ndid_method = \"jwk\"\n").unwrap_err().to_string();
    assert!(err.contains("jwk"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_did_key_institution_is_created_and_its_method_stays_fixed() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        // What `serve` does at start with `[[institutions]] slug = "ehb", did_method = "key"`.
        let mut settings = (*app.services.settings).clone();
        settings.institutions = vec![microcred::config::InstitutionSettings {
            slug: "ehb".into(),
            institution_id: Some("ehb".into()),
            name: None,
            url: None,
            did_method: DidMethod::Key,
        }];
        app.services.directory.ensure_startup(&settings, &clock()).await.unwrap();
        let snap = app.services.directory.snapshot().await.unwrap();
        let did = snap.did_of("ehb").unwrap().to_owned();
        assert!(did.starts_with("did:key:z6Mk"), "{did}");
        assert_eq!(snap.slug_of(&did), Some("ehb"));
        // Started again with the same configuration: the same institution, the same DID.
        app.services.directory.ensure_startup(&settings, &clock()).await.unwrap();
        app.services.directory.invalidate().await;
        assert_eq!(app.services.directory.snapshot().await.unwrap().did_of("ehb"), Some(did.as_str()));
        // …but not as did:web: the method is fixed at creation, and the error says so.
        settings.institutions[0].did_method = DidMethod::Web;
        let err = app.services.directory.ensure_startup(&settings, &clock()).await.unwrap_err().to_string();
        assert!(err.contains("did_method") && err.contains("fixed at creation"), "{err}");
    }
}
