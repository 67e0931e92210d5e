//! Verification decides on what was signed: a revoked credential stays revoked, an expired
//! one stays expired and a retyped one is refused, whatever JSON-LD spelling a holder
//! gives it, through the API, the VC-API and the verification page.

use chrono::{TimeZone, Utc};
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::issuance::{Format, IssueOptions, issue};
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::helpers::*;

const CRED: &str = "https://www.w3.org/2018/credentials#";
const STATUS: &str = "https://www.w3.org/ns/credentials/status#";
const XSD_DATETIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";

fn codes(report: &Value) -> Vec<String> {
    report["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_owned()).collect()
}

fn renamed(c: &Value, from: &str, to: &str, value: impl FnOnce(Value) -> Value) -> Value {
    let mut c = c.clone();
    let o = c.as_object_mut().unwrap();
    let v = o.shift_remove(from).unwrap();
    o.insert(to.to_owned(), value(v));
    c
}

/// The verdict of the API, the VC-API and both languages of the page.
async fn judged_everywhere(app: &TestApp, c: &Value) -> (Value, Vec<String>) {
    let report: Value = app.post_json("/api/v1/verify", None, c).await.json().await.unwrap();
    let vcapi = app.post_json("/credentials/verify", None, &json!({"verifiableCredential": c})).await;
    let vc_status = vcapi.status();
    let vc: Value = vcapi.json().await.unwrap();
    assert_eq!(vc["verified"], report["valid"], "VC-API and API agree: {vc}");
    assert_eq!(vc_status == 200, report["valid"] == true);
    let mut pages = Vec::new();
    for lang in ["en", "nl"] {
        let (status, html) = app.verify_page(&c.to_string(), lang).await;
        assert_eq!(status, 200);
        pages.push(html);
    }
    (report, pages)
}

fn assert_not_authentic(pages: &[String], what: &str) {
    for p in pages {
        assert!(!p.contains("Authentic and valid") && !p.contains("Echt en geldig"), "{what}: the page says valid");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_credential_stays_revoked_in_every_spelling() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    let issued: Value = app.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let cred = issued["credential"].clone();
    let public_id = issued["public_id"].as_str().unwrap();
    let r = app
        .post_json(&format!("/api/v1/credentials/{public_id}/revoke"), Some(&key), &json!({"reason": "fraud"}))
        .await;
    assert_eq!(r.status(), 200);
    let (report, pages) = judged_everywhere(&app, &cred).await;
    assert_eq!(codes(&report), ["status.revoked"]);
    assert_not_authentic(&pages, "as issued");

    let entry_iri = renamed(&cred, "credentialStatus", &format!("{CRED}credentialStatus"), |v| v);
    let mut fully = cred.clone();
    let e = fully["credentialStatus"].as_object_mut().unwrap();
    for k in ["statusPurpose", "statusListIndex"] {
        let v = e.shift_remove(k).unwrap();
        e.insert(format!("{STATUS}{k}"), v);
    }
    let list = e.shift_remove("statusListCredential").unwrap();
    e.insert(format!("{STATUS}statusListCredential"), json!({"@id": list}));
    let e = e.shift_remove("type").unwrap();
    fully["credentialStatus"]["@type"] = e;
    let fully = renamed(&fully, "credentialStatus", &format!("{CRED}credentialStatus"), |v| v);
    let mut as_array = cred.clone();
    as_array["credentialStatus"] = json!([cred["credentialStatus"].clone()]);
    let mut dropped = cred.clone();
    dropped.as_object_mut().unwrap().shift_remove("credentialStatus");

    for (what, c, expected) in [
        ("credentialStatus as its full IRI", entry_iri, "jsonld.non_canonical_form"),
        ("the whole entry in full IRIs and @type", fully, "jsonld.non_canonical_form"),
        ("the entry in a one-element array (the same JSON-LD, read as such)", as_array, "status.revoked"),
        ("credentialStatus removed", dropped, "signature.invalid"),
    ] {
        let (report, pages) = judged_everywhere(&app, &c).await;
        assert_eq!(report["valid"], false, "{what}: {report}");
        assert!(codes(&report).contains(&expected.to_owned()), "{what}: {:?}", codes(&report));
        assert_not_authentic(&pages, what);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_credential_stays_expired_and_a_retyped_one_is_refused() {
    let app = spawn_app().await;
    let key = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let opts = IssueOptions {
        format: Format::Ldp,
        valid_until: Some(Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap()),
        ..Default::default()
    };
    let rec = own_records("valid.json").remove(0);
    let expired = issue(&rec, &key, &clock(), &mut rng, &opts).await.unwrap().credential;
    let (report, _) = judged_everywhere(&app, &expired).await;
    assert_eq!(codes(&report), ["validity.expired"]);
    let date = |v: Value| json!({"@value": v, "@type": XSD_DATETIME});
    for (what, c, expected) in [
        (
            "validUntil as full IRI and value object",
            renamed(&expired, "validUntil", &format!("{CRED}validUntil"), date),
            "jsonld.non_canonical_form",
        ),
        (
            "validUntil as a value object",
            renamed(&expired, "validUntil", "validUntil", date),
            "jsonld.non_canonical_form",
        ),
        // The same JSON-LD, but not what the Open Badges schema allows: refused as not
        // written in the compact form (issue 26), never read as something else.
        (
            "validUntil in a one-element array",
            renamed(&expired, "validUntil", "validUntil", |v| json!([v])),
            "jsonld.non_canonical_form",
        ),
    ] {
        let (report, pages) = judged_everywhere(&app, &c).await;
        assert_eq!(report["valid"], false, "{what}: {report}");
        assert!(codes(&report).iter().any(|c| c.starts_with(expected)), "{what}: {:?}", codes(&report));
        assert_not_authentic(&pages, what);
    }

    // Retyped: every change of type is refused, on the fast path and off it.
    let opts = IssueOptions { format: Format::Ldp, ..Default::default() };
    let good = issue(&rec, &key, &clock(), &mut rng, &opts).await.unwrap().credential;
    let (report, _) = judged_everywhere(&app, &good).await;
    assert_eq!(report["valid"], true, "{report}");
    for types in [
        json!([]),
        json!(["VerifiablePresentation"]),
        json!(["VerifiableCredential"]),
        json!(["VerifiableCredential", "OpenBadgeCredential", "EvilUndefinedType"]),
        json!(["VerifiableCredential", "OpenBadgeCredential", "EndorsementCredential"]),
    ] {
        let mut c = good.clone();
        c["type"] = types.clone();
        let (report, pages) = judged_everywhere(&app, &c).await;
        assert_eq!(report["valid"], false, "type {types}: {report}");
        assert_not_authentic(&pages, "retyped");
    }
    // The same types in another order are the same data (a set in RDF): still valid.
    let mut reordered = good.clone();
    reordered["type"] = json!(["OpenBadgeCredential", "VerifiableCredential"]);
    let (report, _) = judged_everywhere(&app, &reordered).await;
    assert_eq!(report["valid"], true, "{report}");
    let (report, _) = judged_everywhere(&app, &renamed(&good, "type", "@type", |v| v)).await;
    assert_eq!(codes(&report), ["jsonld.non_canonical_form"], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proof_options_are_checked_and_the_vc_api_compares_challenge_and_domain() {
    let app = spawn_app().await;
    let key = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    let rec = own_records("valid.json").remove(0);
    let good = issue(&rec, &key, &clock(), &mut rng, &IssueOptions::default()).await.unwrap().credential;
    // A proof made "in 2099", validly signed.
    let mut future = good.clone();
    future.as_object_mut().unwrap().shift_remove("proof");
    let created = Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap();
    future["proof"] = json!([microcred::crypto::proof::sign(&future, &key, created).await.unwrap()]);
    let (report, _) = judged_everywhere(&app, &future).await;
    assert_eq!(codes(&report), ["proof.created_in_future"], "{report}");
    // A created date without a time zone is malformed, not a bad signature.
    let mut no_tz = good.clone();
    let c = no_tz["proof"][0]["created"].as_str().unwrap().trim_end_matches('Z').to_owned();
    no_tz["proof"][0]["created"] = c.into();
    let (report, _) = judged_everywhere(&app, &no_tz).await;
    assert_eq!(codes(&report), ["proof.malformed"], "{report}");

    // VC-API options: challenge and domain are compared when given.
    let verify = |options: Value| {
        let body = json!({"verifiableCredential": good.clone(), "options": options});
        let app = &app;
        async move {
            let r = app.post_json("/credentials/verify", None, &body).await;
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = verify(json!({})).await;
    assert_eq!((status, &body["verified"]), (200, &json!(true)), "{body}");
    let (status, body) = verify(json!({"challenge": "c-123"})).await;
    assert_eq!(status, 400);
    assert!(body["errors"].to_string().contains("proof.challenge_mismatch"), "{body}");
    let (status, body) = verify(json!({"domain": "verifier.example"})).await;
    assert_eq!(status, 400);
    assert!(body["errors"].to_string().contains("proof.domain_mismatch"), "{body}");
    let (status, body) = verify(json!({"expectedProofPurpose": "authentication"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = verify(json!({"expectedProofPurpose": "assertionMethod", "checks": ["proof"]})).await;
    assert_eq!(status, 200);
    let (status, body) = verify(json!({"nonsense": true})).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn the_vc_api_refuses_to_sign_a_credential_not_written_in_the_compact_form_of_its_contexts() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    let did = app.services.directory.did("ehb");
    let base = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2025-08-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    });
    let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": base.clone()})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let respelt =
        renamed(&base, "validFrom", &format!("{CRED}validFrom"), |v| json!({"@value": v, "@type": XSD_DATETIME}));
    let r = app.post_json("/credentials/issue", Some(&key), &json!({"credential": respelt})).await;
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(text.contains("compact form"), "{text}");
}
