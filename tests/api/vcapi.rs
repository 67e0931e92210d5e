//! W3C VC-API: issue and verify round trips, refusals, status updates.

use serde_json::{Value, json};

use crate::helpers::*;

fn plain_vc() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6a9c8f2e-3f0b-4c3e-9d2a-0b1c2d3e4f50",
        "type": ["VerifiableCredential"],
        "name": "Workshop attendance",
        "description": "Kept exactly as the caller sent it.",
        "validFrom": "2025-03-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner-1", "name": "Jan Peeters"}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_credential_is_issued_with_its_fields_preserved_and_verifies_everywhere() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let did = app.services.directory.did("ugent");
    let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": plain_vc(), "options": {}})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let vc = r.json::<Value>().await.unwrap()["verifiableCredential"].clone();
    for (k, v) in plain_vc().as_object().unwrap() {
        assert_eq!(&vc[k], v, "{k} preserved");
    }
    assert_eq!(vc["issuer"], did.as_str());
    assert_eq!(vc["proof"][0]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(vc["credentialStatus"]["type"], "BitstringStatusListEntry");

    let ok = app.post_json("/credentials/verify", None, &json!({"verifiableCredential": vc, "options": {}})).await;
    assert_eq!(ok.status(), 200);
    let ok: Value = ok.json().await.unwrap();
    assert_eq!(ok["verified"], true, "{ok}");
    assert!(ok["checks"].as_array().unwrap().contains(&json!("proof")));

    let doc = app.client.get(app.url("/issuers/ugent/did.json")).send().await.unwrap().text().await.unwrap();
    let dir = app.dir.path();
    std::fs::write(dir.join("did.json"), doc).unwrap();
    std::fs::write(dir.join("vc.json"), vc.to_string()).unwrap();
    if root().join("tests/js/node_modules/@digitalbazaar/vc").is_dir() {
        let contexts = app.js_contexts().await;
        let out = std::process::Command::new("node")
            .arg(root().join("tests/js/verify.mjs"))
            .args([
                "--contexts",
                &contexts,
                "--now",
                "2025-09-01T00:00:01Z",
                "--did-doc",
                dir.join("did.json").to_str().unwrap(),
                dir.join("vc.json").to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    }

    let mut tampered = vc.clone();
    tampered["name"] = "Something else".into();
    let bad = app.post_json("/credentials/verify", None, &json!({"verifiableCredential": tampered})).await;
    assert_eq!(bad.status(), 400);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["verified"], false);
    assert!(bad["errors"].as_array().unwrap().iter().any(|e| e["code"] == "signature.invalid"));

    // Status through the VC-API.
    let r = app.post_json("/credentials/status", Some(&key), &json!({"credentialId": vc["id"], "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": true})).await;
    assert_eq!(r.status(), 200);
    let revoked: Value =
        app.post_json("/credentials/verify", None, &json!({"verifiableCredential": vc})).await.json().await.unwrap();
    assert_eq!(revoked["verified"], false);
    assert!(revoked["errors"].as_array().unwrap().iter().any(|e| e["code"] == "status.revoked"));
}

#[tokio::test]
async fn undefined_terms_unknown_contexts_wrong_issuers_and_signed_input_are_400() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let mut undefined = plain_vc();
    undefined["credentialSubject"]["favouriteColour"] = "blue".into();
    let mut unknown_ctx = plain_vc();
    unknown_ctx["@context"] = json!(["https://www.w3.org/ns/credentials/v2", "https://example.org/my-context.jsonld"]);
    let mut wrong_issuer = plain_vc();
    wrong_issuer["issuer"] = "did:example:someone-else".into();
    let mut signed = plain_vc();
    signed["proof"] = json!({"type": "DataIntegrityProof"});
    let mut v1 = plain_vc();
    v1["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
    let mut bad_date = plain_vc();
    bad_date["validFrom"] = "yesterday".into();
    for (what, c, needle) in [
        ("undefined term", undefined, "favouriteColour"),
        ("unknown context", unknown_ctx, "unknown JSON-LD context"),
        ("wrong issuer", wrong_issuer, "issuer must be"),
        ("already signed", signed, "already has a proof"),
        ("VC 1.1 without issuanceDate", v1, "issuanceDate is required"),
        ("bad date", bad_date, "validFrom"),
    ] {
        let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": c})).await;
        assert_eq!(r.status(), 400, "{what}");
        let p: Value = r.json().await.unwrap();
        assert!(p["detail"].as_str().unwrap().contains(needle), "{what}: {p}");
    }
    assert_eq!(app.post_json("/credentials/issue", None, &json!({"credential": plain_vc()})).await.status(), 401);
    assert_eq!(app.post_json("/credentials/verify", None, &json!({"verifiableCredential": 5})).await.status(), 400);
}

#[tokio::test]
async fn an_ob3_microcredential_sent_through_the_vc_api_is_checked_against_the_schemas_and_rules() {
    use microcred::crypto::keys::{IssuerKey, KeyAlg};
    use microcred::issuance::{IssueOptions, issue};
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    // An unsigned microcredential from our own mapping, re-issued by the institution.
    let throwaway = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let mut rng = rand::rngs::OsRng;
    let issued = issue(&own_records("valid.json").remove(0), &throwaway, &clock(), &mut rng, &IssueOptions::default())
        .await
        .unwrap();
    let mut c = issued.credential.clone();
    c.as_object_mut().unwrap().remove("proof");
    c["issuer"]["id"] = app.services.directory.did("ehb").into();
    let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": c})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let mut broken = c.clone();
    broken["credentialSubject"]["achievement"]["creditsAvailable"] = 2.into();
    let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": broken})).await;
    assert_eq!(r.status(), 422, "a microcredential rule violation");
    let mut bad_schema = c.clone();
    bad_schema["credentialSubject"]["achievement"]["deliveryMode"] = "online".into();
    let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": bad_schema})).await;
    assert_eq!(r.status(), 400);
}
