//! VC-API issuance under the institution's own name only; credential ids scoped per
//! institution; no "revoked" for a credential no verifier could see revoked.

use serde_json::{Value, json};

use crate::helpers::*;

fn plain_vc(id: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": id,
        "type": ["VerifiableCredential"],
        "name": "Workshop attendance",
        "validFrom": "2025-03-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner-1", "name": "Jan Peeters"}
    })
}

/// An unsigned OB 3.0 microcredential of EhB (our own mapping), issued by `did`.
async fn ehb_microcredential(did: &str) -> Value {
    use microcred::crypto::keys::{IssuerKey, KeyAlg};
    use microcred::issuance::{IssueOptions, issue};
    let throwaway = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let mut rng = rand::rngs::OsRng;
    let issued = issue(&own_records("valid.json").remove(0), &throwaway, &clock(), &mut rng, &IssueOptions::default())
        .await
        .unwrap();
    let mut c = issued.credential;
    c.as_object_mut().unwrap().remove("proof");
    c["issuer"]["id"] = did.into();
    c
}

fn status_body(id: &str) -> Value {
    json!({"credentialId": id, "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": true})
}

#[tokio::test]
async fn vc_api_issuance_as_another_institution_is_403_naming_the_field_as_on_the_normal_api() {
    let app = spawn_app().await;
    let ehb = app.institution("ehb", "ehb").await;
    let did = app.services.directory.did("ehb");
    let own = ehb_microcredential(&did).await;
    let r = app.post_json("/credentials/issue", Some(&ehb), &json!({"credential": own})).await;
    assert_eq!(r.status(), 201, "its own microcredential: {}", r.text().await.unwrap());

    let creator = json!({"id": did, "type": ["Profile"], "name": "KU Leuven", "url": "https://www.kuleuven.be"});
    // (description, change, field the problem names)
    type Case = (&'static str, Box<dyn Fn(&mut Value)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "issuer.name of another institution",
            Box::new(|c| c["issuer"]["name"] = "KU Leuven".into()),
            "/credential/issuer/name",
        ),
        (
            "issuer.url of another institution",
            Box::new(|c| c["issuer"]["url"] = "https://www.kuleuven.be".into()),
            "/credential/issuer/url",
        ),
        (
            "issuer.name as a language value",
            Box::new(|c| c["issuer"]["name"] = json!([{"@value": "KU Leuven", "@language": "nl"}])),
            "/credential/issuer/name/0/@value",
        ),
        (
            "the awarding body (achievement creator)",
            Box::new(move |c| c["credentialSubject"]["achievement"]["creator"] = creator.clone()),
            "/credential/credentialSubject/achievement/creator/name",
        ),
    ];
    for (what, change, field) in cases {
        let mut c = ehb_microcredential(&did).await;
        change(&mut c);
        let r = app.post_json("/credentials/issue", Some(&ehb), &json!({"credential": c})).await;
        assert_eq!(r.status(), 403, "{what}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{what}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["type"], "https://w3id.org/microcred/problems/forbidden", "{what}");
        assert!(p["detail"].as_str().unwrap().contains(field), "{what}: {p}");
    }

    // A plain VC 2.0 credential may not borrow another institution's name either.
    let mut plain = plain_vc("urn:uuid:0b7c2a4e-1111-4c3e-9d2a-0b1c2d3e4f50");
    plain["issuer"] = json!({"id": did, "name": "Universiteit Gent"});
    let r = app.post_json("/credentials/issue", Some(&ehb), &json!({"credential": plain})).await;
    assert_eq!(r.status(), 403);

    // The normal API refuses the same impersonation with the same problem type.
    let mut rec = own_records("valid.json").remove(0);
    rec["microcredential"]["institution_id"] = "kuleuven".into();
    let r = app.issue(&ehb, &rec).await;
    assert_eq!(r.status(), 403);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["type"], "https://w3id.org/microcred/problems/forbidden");
    assert!(p["detail"].as_str().unwrap().contains("/microcredential/institution_id"), "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vc_api_credential_ids_are_unique_and_found_only_within_the_institution() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let ugent = app.institution("ugent", "ugent").await;
        let vub = app.institution("vub", "vub").await;
        let ehb = app.institution("ehb", "ehb").await;
        let id = "urn:uuid:5d1e7b1c-2222-4c3e-9d2a-0b1c2d3e4f50";
        let issue = |key: &String| {
            let key = key.clone();
            let app = &app;
            async move { app.post_json("/credentials/issue", Some(&key), &json!({"credential": plain_vc(id)})).await }
        };
        assert_eq!(issue(&ugent).await.status(), 201, "{backend:?}");
        assert_eq!(issue(&vub).await.status(), 201, "{backend:?}: another institution's id neither blocks nor leaks");
        let again = issue(&ugent).await;
        assert_eq!(again.status(), 409, "{backend:?}: unique within the institution");

        // Status updates find only the caller's own credential.
        let r = app.post_json("/credentials/status", Some(&ehb), &status_body(id)).await;
        assert_eq!(r.status(), 404, "{backend:?}");
        let r = app.post_json("/credentials/status", Some(&vub), &status_body(id)).await;
        assert_eq!(r.status(), 200, "{backend:?}");
        let store = &app.services.store;
        let status =
            |slug: &'static str| async move { store.get_credential_by_id(slug, id).await.unwrap().unwrap().status };
        assert_eq!(status("vub").await, "revoked", "{backend:?}");
        assert_eq!(status("ugent").await, "active", "{backend:?}: the other institution's credential is untouched");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_credential_without_a_status_entry_is_a_409_and_audits_nothing() {
    for backend in backends() {
        let app = spawn_app_on(backend).await;
        let ugent = app.institution("ugent", "ugent").await;
        let id = "urn:uuid:7f3e9a1d-3333-4c3e-9d2a-0b1c2d3e4f50";
        let body = json!({"credential": plain_vc(id), "options": {"credentialStatus": false}});
        let r = app.post_json("/credentials/issue", Some(&ugent), &body).await;
        assert_eq!(r.status(), 201, "{backend:?}");
        let vc = r.json::<Value>().await.unwrap()["verifiableCredential"].clone();
        assert!(vc.get("credentialStatus").is_none());
        let public_id = app.services.store.get_credential_by_id("ugent", id).await.unwrap().unwrap().public_id;

        let vcapi = app.post_json("/credentials/status", Some(&ugent), &status_body(id)).await;
        let api = app
            .post_json(&format!("/api/v1/credentials/{public_id}/revoke"), Some(&ugent), &json!({"reason": "error"}))
            .await;
        for (what, r) in [("VC-API", vcapi), ("API", api)] {
            assert_eq!(r.status(), 409, "{backend:?} {what}");
            let p: Value = r.json().await.unwrap();
            assert!(p["detail"].as_str().unwrap().contains("no status entry"), "{backend:?} {what}: {p}");
        }
        assert!(app.services.store.list_audit("ugent", 10, 0).await.unwrap().is_empty(), "{backend:?}");
        let row = app.services.store.get_credential_by_id("ugent", id).await.unwrap().unwrap();
        assert_eq!(row.status, "active", "{backend:?}: not recorded as revoked");
    }
}
