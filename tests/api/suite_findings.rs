//! What the W3C VC 2.0 suite found in the VC-API issuer and verifier on its second run
//! (issue 13), each as our own test: identifiers that are not URLs, and the digests of
//! related resources we hold byte for byte (the VC 2.0 context among them).

use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::*;

fn vc(extra: Value) -> Value {
    let mut c = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:learner-1", "name": "Jan Peeters"}
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

async fn issue(app: &TestApp, key: &str, c: &Value) -> (u16, Value) {
    let r = app.post_json("/credentials/issue", Some(key), &json!({"credential": c})).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The VC-API verifier's answer for `vc`.
async fn vcapi_verify(app: &TestApp, vc: &Value) -> Value {
    app.post_json("/credentials/verify", None, &json!({"verifiableCredential": vc})).await.json().await.unwrap()
}

/// `doc` issued and signed by a fresh did:key, as an issuer who checks nothing would.
async fn signed_by_another_issuer(doc: &Value) -> Value {
    let signer = microcred::crypto::keys::IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).unwrap();
    let mut unsigned = doc.clone();
    unsigned["issuer"] = signer.did().into();
    let proof =
        microcred::crypto::proof::sign(&unsigned, &signer, microcred::clock::Clock::now(&clock())).await.unwrap();
    unsigned["proof"] = proof;
    unsigned
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_identifier_is_a_single_url() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let cases = [
        (json!({"id": "https ://not-a-url/vcs/343cf54b"}), "/id"),
        (json!({"id": "not a url"}), "/id"),
        (json!({"id": ["urn:uuid:1", "urn:uuid:2"]}), "/id"),
        (json!({"credentialSubject": {"id": "learner 1", "name": "Jan"}}), "/credentialSubject/id"),
        (
            json!({"credentialSubject": [{"id": "did:example:a", "name": "A"}, {"id": 5, "name": "B"}]}),
            "/credentialSubject/1/id",
        ),
        (json!({"evidence": [{"id": "evidence one", "type": ["Evidence"]}]}), "/evidence/0/id"),
    ];
    for (extra, at) in cases {
        let (status, p) = issue(&app, &key, &vc(extra.clone())).await;
        assert_eq!(status, 400, "{extra}");
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("{at} must be a single URL")), "{extra}: {detail}");
    }
    for id in
        ["urn:uuid:4b9e1a4e-6a2f-4c1b-8a53-1f7d0f3c2b10", "https://example.edu/credentials/3732", "did:example:c1"]
    {
        let (status, p) = issue(&app, &key, &vc(json!({"id": id}))).await;
        assert_eq!(status, 201, "{id}: {p}");
    }
    // Ids inside an inline context are not data, and are not judged.
    let inline = vc(json!({"@context": [
        "https://www.w3.org/ns/credentials/v2",
        {"id": "@id", "Example": "https://example.edu/vocab#Example"}
    ], "type": ["VerifiableCredential", "Example"]}));
    let (status, p) = issue(&app, &key, &inline).await;
    assert_eq!(status, 201, "{p}");
}

fn digests(content: &str) -> (String, String) {
    let sri = format!("sha384-{}", base64::prelude::BASE64_STANDARD.encode(sha2::Sha384::digest(content.as_bytes())));
    let mb = multibase::encode(multibase::Base::Base64Url, sha2::Sha256::digest(content.as_bytes()));
    (sri, mb)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_of_the_vc2_context_is_judged_by_issuer_and_verifier() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let vc2 = microcred::jsonld::contexts::get(microcred::jsonld::contexts::CREDENTIALS_V2_URL).unwrap();
    let (sri, mb) = digests(vc2);
    let related = |sri: &str, mb: &str| {
        vc(json!({"relatedResource": [{
            "id": "https://www.w3.org/ns/credentials/v2", "mediaType": "application/ld+json",
            "digestSRI": sri, "digestMultibase": mb
        }]}))
    };
    let (status, issued) = issue(&app, &key, &related(&sri, &mb)).await;
    assert_eq!(status, 201, "{issued}");
    let signed = issued["verifiableCredential"].clone();
    let v = vcapi_verify(&app, &signed).await;
    assert_eq!(v["verified"], true, "{v}");
    assert!(v["checks"].as_array().unwrap().contains(&json!("related_resource")), "{v}");

    // The digests of the July 2024 draft of the context (the W3C suite's fixture): another
    // document than the one published, refused at issuance…
    let draft_sri = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg";
    let draft_mb = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k";
    for (s, m) in [(draft_sri, mb.as_str()), (sri.as_str(), draft_mb)] {
        let (status, p) = issue(&app, &key, &related(s, m)).await;
        assert_eq!(status, 400, "{p}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("does not match the content of https://www.w3.org/ns/credentials/v2")
        );
    }
    // …and, signed by someone who did not check, refused by the verifier.
    let forged = signed_by_another_issuer(&related(draft_sri, draft_mb)).await;
    let v = vcapi_verify(&app, &forged).await;
    assert_eq!(v["verified"], false, "{v}");
    let codes: Vec<&str> = v["errors"].as_array().unwrap().iter().filter_map(|e| e["code"].as_str()).collect();
    assert_eq!(codes, ["related_resource.digest_mismatch"], "{v}");
    assert_eq!(v["errors"][0]["path"], "/relatedResource/0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vc_1_1_credential_is_issued_with_the_data_integrity_context_and_no_status() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let did = app.services.directory.snapshot().await.unwrap().did_of("ugent").unwrap().to_owned();
    let v11 = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:86294362-4254-4f36-854f-3952fe42555d",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "issuanceDate": "2020-03-16T22:37:26.544Z",
        "credentialSubject": {"id": "did:example:learner-1"}
    });
    let (status, issued) = issue(&app, &key, &v11).await;
    assert_eq!(status, 201, "{issued}");
    let signed = issued["verifiableCredential"].clone();
    // The proof's terms need the Data Integrity context, added after the caller's; the
    // members keep their order, @context first.
    assert_eq!(
        signed["@context"],
        json!(["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"])
    );
    assert_eq!(signed.as_object().unwrap().keys().next().unwrap(), "@context");
    assert!(signed.get("credentialStatus").is_none(), "Bitstring Status List is VC 2.0's: {signed}");
    assert_eq!(signed["proof"][0]["cryptosuite"], "eddsa-rdfc-2022");
    let v = vcapi_verify(&app, &signed).await;
    assert_eq!(v["verified"], true, "{v}");

    let mut undated = v11.clone();
    undated.as_object_mut().unwrap().remove("issuanceDate");
    undated["id"] = "urn:uuid:2".into();
    let (status, p) = issue(&app, &key, &undated).await;
    assert_eq!(status, 400);
    assert!(p["detail"].as_str().unwrap().contains("issuanceDate is required"), "{p}");
    let mut badge = v11.clone();
    badge["id"] = "urn:uuid:3".into();
    badge["type"] = json!(["VerifiableCredential", "OpenBadgeCredential"]);
    let (status, p) = issue(&app, &key, &badge).await;
    assert_eq!(status, 400);
    assert!(p["detail"].as_str().unwrap().contains("Open Badge 3.0 is issued on VC 2.0"), "{p}");
    let (status, p) = issue(&app, &key, &vc(json!({"@context": ["https://example.edu/other"]}))).await;
    assert_eq!(status, 400);
    assert!(p["detail"].as_str().unwrap().contains("(VC 1.1)"), "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undefined_terms_are_verified_with_a_warning_and_never_signed() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let with_undefined = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/undefined-terms/v2"],
        "type": ["VerifiableCredential", "MembershipCard"],
        "credentialSubject": {"id": "did:example:learner-1", "favouriteColour": "blue"}
    });
    let (status, p) = issue(&app, &key, &with_undefined).await;
    assert_eq!(status, 400);
    assert!(p["detail"].as_str().unwrap().contains("signs only terms a context defines"), "{p}");

    // Signed by another issuer: valid, with a warning naming the context.
    let signed = signed_by_another_issuer(&with_undefined).await;
    let v = vcapi_verify(&app, &signed).await;
    assert_eq!(v["verified"], true, "{v}");
    let warning = v["warnings"].as_array().unwrap().iter().find(|w| w["code"] == "jsonld.undefined_terms").cloned();
    let warning = warning.unwrap_or_else(|| panic!("no undefined-terms warning: {v}"));
    assert_eq!(warning["path"], "/@context");
    // Without that context the same terms are still refused as undefined (safe mode).
    let mut strict = signed.clone();
    strict["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]);
    let v = vcapi_verify(&app, &strict).await;
    assert_eq!(v["verified"], false, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issuer_name_may_be_any_language_form_of_the_institutions_own_name() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let did = app.services.directory.snapshot().await.unwrap().did_of("ugent").unwrap().to_owned();
    let own = "Universiteit Gent";
    let with_name = |name: Value| vc(json!({"issuer": {"id": did, "name": name}}));
    for name in [
        json!(own),
        json!({"@value": own, "@language": "nl"}),
        json!({"@value": own, "@language": "nl", "@direction": "ltr"}),
        json!([{"@value": own, "@language": "nl"}, {"@value": own, "@language": "en"}]),
    ] {
        let (status, p) = issue(&app, &key, &with_name(name.clone())).await;
        assert_eq!(status, 201, "{name}: {p}");
    }
    // A language value with extra members is not one (VC 2.0 §11.1).
    let (status, _) = issue(&app, &key, &with_name(json!({"@value": own, "@language": "nl", "extra": 1}))).await;
    assert_eq!(status, 400);
    // Another name is impersonation, whatever its form (the W3C suite's "ExampleIssuer").
    let (status, p) = issue(&app, &key, &with_name(json!("ExampleIssuer"))).await;
    assert_eq!(status, 403, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("/credential/issuer/name"), "{p}");
}
