//! "Authentic" means: signed by a key that a registry binds to a recognised institution,
//! and that institution is the one the credential names. Unknown signers, the demo key,
//! retired and compromised keys, and trust lists of other operators.

use std::process::Command;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use microcred::app::Application;
use microcred::clock::FixedClock;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::issuance::{IssueOptions, issue};
use microcred::trust::list::{self, EntryInput};
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::helpers::*;

fn codes(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_owned()).collect()
}

async fn page_text(app: &TestApp, credential: &Value, lang: &str) -> String {
    let (status, html) = app.verify_page(&credential.to_string(), lang).await;
    assert_eq!(status, 200);
    let no_tags = regex::Regex::new(r"(?s)<style.*?</style>|<[^>]+>").unwrap().replace_all(&html, " ");
    regex::Regex::new(r"\s+").unwrap().replace_all(&no_tags.replace("&#x27;", "'"), " ").into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laptop_key_naming_a_flemish_institution_is_unrecognised_in_the_api_vc_api_cli_and_page() {
    let app = spawn_app().await;
    let key = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let record = own_records("valid.json").remove(0);
    let forged = issue(&record, &key, &clock(), &mut rng, &IssueOptions::default()).await.unwrap().credential;
    let claimed = forged["issuer"]["name"].as_str().unwrap().to_owned();

    let report: Value = app.post_json("/api/v1/verify", None, &forged).await.json().await.unwrap();
    assert_eq!(report["valid"], true, "the signature itself is fine: {report}");
    assert_eq!(report["trusted"], false);
    assert_eq!(report["issuer_trust"]["status"], "unrecognised");
    assert_eq!(report["checks"]["issuer.recognised"], "failed");
    assert!(codes(&report["warnings"]).contains(&"issuer.unrecognised".to_owned()), "{report}");

    let vc: Value = app
        .post_json("/credentials/verify", None, &json!({"verifiableCredential": forged}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((vc["trusted"].as_bool(), vc["issuer_trust"]["status"].as_str()), (Some(false), Some("unrecognised")));

    let file = app.dir.path().join("forged.json");
    std::fs::write(&file, forged.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_microcred"))
        .args(["verify", file.to_str().unwrap(), "--now", "2025-09-01T00:00:00Z"])
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((cli["trusted"].as_bool(), cli["issuer_trust"]["status"].as_str()), (Some(false), Some("unrecognised")));

    for (lang, verdict, never) in [
        ("en", "Signature correct, issuer not recognised", ["Authentic and valid", "institution's digital signature"]),
        (
            "nl",
            "Handtekening klopt, uitreiker niet erkend",
            ["Echt en geldig", "digitale handtekening van de instelling"],
        ),
    ] {
        let text = page_text(&app, &forged, lang).await;
        assert!(text.contains(verdict) && text.contains(&claimed), "{lang}: {}", &text[..400.min(text.len())]);
        for n in never {
            assert!(!text.contains(n), "{lang}: '{n}' on the page of an unrecognised signer");
        }
    }
}

#[tokio::test]
async fn an_admin_created_institution_is_recognised_with_its_registry_name_and_published_for_wallets() {
    let app = spawn_app().await;
    let key = app.institution("ehb", "ehb").await;
    let issued: Value = app.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let report: Value = app.post_json("/api/v1/verify", None, &issued["credential"]).await.json().await.unwrap();
    assert_eq!((report["valid"].as_bool(), report["trusted"].as_bool()), (Some(true), Some(true)), "{report}");
    let t = &report["issuer_trust"];
    assert_eq!(
        (t["status"].as_str(), t["institution_id"].as_str(), t["source"].as_str()),
        (Some("recognised"), Some("ehb"), Some("deployment"))
    );
    assert_eq!(t["name"]["en"], "Erasmus Brussels University of Applied Sciences and Arts");
    let text = page_text(&app, &issued["credential"], "en").await;
    assert!(text.contains("Authentic and valid") && text.contains("Signed by: Erasmus Brussels University"), "{text}");
    // The DCC issuer registry lists it, and never the demo institution.
    let reg: Value = app.client.get(app.url("/issuers/registry.json")).send().await.unwrap().json().await.unwrap();
    let entries = reg["entries"].as_object().unwrap();
    assert_eq!(entries.len(), 1, "{reg}");
    assert_eq!(entries[&app.services.directory.did("ehb")]["url"], "https://www.erasmushogeschool.be");
    assert!(reg["meta"]["updated"].is_string());
}

/// Issue 26: a key's dates are the signer's word, so they decide nothing for our own
/// institutions' retired and compromised keys: a credential signed by such a key is
/// valid only if the institution's records hold it (same id, same signature), whatever
/// date it carries; a proof dated before its key was made is refused. On every store,
/// Data Integrity and JWT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retired_and_compromised_keys_count_only_for_credentials_the_institution_holds() {
    for backend in backends() {
        retired_and_compromised_keys_on(backend).await;
    }
}

async fn retired_and_compromised_keys_on(backend: Backend) {
    use microcred::issuance::Format;
    let app = spawn_app_on(backend).await;
    let key = app.institution("ehb", "ehb").await;
    let admin = app.admin_key().await;
    let record = own_records("valid.json").remove(0);
    let before: Value = app.issue(&key, &record).await.json().await.unwrap();
    let jwt_url = before["jwt_url"].as_str().unwrap();
    let before_jwt = app.client.get(jwt_url).send().await.unwrap().text().await.unwrap();
    assert_eq!(before_jwt.split('.').count(), 3, "{before_jwt}");
    // The private half of key-1, as a thief or a forgotten backup would have it.
    let rows = app.services.store.list_keys("ehb").await.unwrap();
    let old = IssuerKey::load(std::path::Path::new(rows[0].key_file.as_deref().expect("key file"))).unwrap();
    let r = app.post_json("/api/v1/institutions/ehb/keys/rotate", Some(&admin), &json!({})).await;
    assert_eq!(r.status(), 201);
    let verify = |c: Value| {
        let app = &app;
        async move { app.post_json("/api/v1/verify", None, &c).await.json::<Value>().await.unwrap() }
    };
    let verify_text = |t: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/verify"))
                .header("content-type", "application/jwt")
                .body(t)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(verify(before["credential"].clone()).await["trusted"], true, "issued before the rotation, held");
    let at = |d: u32, h: u32, m: u32| {
        FixedClock(Utc.with_ymd_and_hms(2025, if d > 15 { 8 } else { 9 }, d, h, m, 0).unwrap())
    };
    // The service clock is 2025-09-01T00:00Z: key-1 was made then and retired then.
    let forged = |clock: FixedClock, format: Format| {
        let (old, record) = (&old, &record);
        let mut rng = rand::rngs::StdRng::seed_from_u64(u64::from(clock.0.timestamp() as u32));
        async move {
            let opts = IssueOptions { format, ..Default::default() };
            issue(record, old, &clock, &mut rng, &opts).await.unwrap()
        }
    };
    // After the retirement: not issued by the institution (its records do not hold it).
    let after = forged(at(1, 0, 3), Format::Ldp).await.credential;
    let report = verify(after).await;
    assert_eq!(codes(&report["errors"]), ["key.not_issued"], "{report}");
    // Dated before the key existed: the date is false.
    let backdated = forged(at(30, 0, 0), Format::Ldp).await.credential;
    let report = verify(backdated).await;
    assert_eq!(codes(&report["errors"]), ["key.before_creation"], "{report}");
    // (An OB 3.0 JWT has no `iat`; its `nbf` is the credential's validFrom, which may
    // well predate the key: the records decide for it, below.)
    let backdated_jwt = forged(at(30, 0, 0), Format::Jwt).await;
    let report = verify_text(backdated_jwt.jwt.clone().unwrap_or_default()).await;
    assert_eq!(codes(&report["errors"]), ["key.not_issued"], "{report}");

    // Compromised since 2025-08-31: what the institution issued with it stays valid (its
    // records hold it); anything else signed with it is not the institution's, whatever
    // its date says.
    let r = app
        .post_json(
            "/api/v1/institutions/ehb/keys/key-1/compromise",
            Some(&admin),
            &json!({"since": "2025-08-31T00:00:00Z", "reason": "backup tape lost"}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let report = verify(before["credential"].clone()).await;
    assert!(report["valid"] == true && report["trusted"] == true, "issued and held: {report}");
    let report = verify_text(before_jwt.clone()).await;
    assert!(report["valid"] == true && report["trusted"] == true, "issued and held (JWT): {report}");
    // The held credential with another's signature, and a forgery dated in the key's life.
    let mut swapped = before["credential"].clone();
    let other = forged(at(1, 0, 0), Format::Ldp).await.credential;
    let proof_value = |c: &Value| c["proof"].get(0).unwrap_or(&c["proof"])["proofValue"].clone();
    let target = if swapped["proof"].is_array() { &mut swapped["proof"][0] } else { &mut swapped["proof"] };
    target["proofValue"] = proof_value(&other);
    assert_eq!(verify(swapped).await["valid"], false);
    let in_life = forged(at(1, 0, 0), Format::Ldp).await.credential;
    let report = verify(in_life).await;
    assert_eq!(codes(&report["errors"]), ["key.not_issued"], "{report}");
    let in_life_jwt = forged(at(1, 0, 0), Format::Jwt).await.jwt.unwrap_or_default();
    let report = verify_text(in_life_jwt).await;
    assert_eq!(codes(&report["errors"]), ["key.not_issued"], "{report}");

    // Issue 27: the active key reported compromised signs nothing new (409 with the way
    // out), until it is rotated.
    let r = app
        .post_json(
            "/api/v1/institutions/ehb/keys/key-2/compromise",
            Some(&admin),
            &json!({"since": "2025-08-31T00:00:00Z", "reason": "laptop stolen"}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app.issue(&key, &record).await;
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("keys/rotate"), "{p}");
    let r = app.post_json("/api/v1/institutions/ehb/keys/rotate", Some(&admin), &json!({})).await;
    assert_eq!(r.status(), 201);
    let again: Value = app.issue(&key, &record).await.json().await.unwrap();
    assert_eq!(verify(again["credential"].clone()).await["trusted"], true, "{again}");
    // Still in the DID document, for the old ones.
    let did: Value = app.client.get(app.url("/issuers/ehb/did.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(did["verificationMethod"].as_array().unwrap().len(), 3, "key-1, key-2 (both compromised) and key-3");
    // Audited; only an admin may do it; bad input is a clear 400.
    let audit: Value =
        app.client.get(app.url("/api/v1/audit-log")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    let reported: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "key-compromised")
        .filter_map(|i| i["public_id"].as_str())
        .collect();
    assert!(reported.contains(&rows[0].kid.as_str()), "{audit}");
    let r = app
        .post_json(
            "/api/v1/institutions/ehb/keys/key-1/compromise",
            Some(&key),
            &json!({"since": "2025-08-31T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    for body in [
        json!({}),
        json!({"since": "yesterday"}),
        json!({"since": "2030-01-01T00:00:00Z"}),
        json!({"since": "2025-08-31T00:00:00Z", "x": 1}),
    ] {
        let r = app.post_json("/api/v1/institutions/ehb/keys/key-1/compromise", Some(&admin), &body).await;
        assert_eq!(r.status(), 400, "{body}");
    }
    let r = app
        .post_json(
            "/api/v1/institutions/ehb/keys/key-9/compromise",
            Some(&admin),
            &json!({"since": "2025-08-31T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_b_recognises_instance_a_through_a_signed_trust_list_and_refuses_bad_lists() {
    let a = spawn_app().await;
    let key = a.institution("ehb", "ehb").await;
    let issued: Value = a.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let credential = issued["credential"].clone();
    let did = a.services.directory.did("ehb");
    let did_doc: Value = a.client.get(a.url("/issuers/ehb/did.json")).send().await.unwrap().json().await.unwrap();

    // The operator (say, the Flemish government) signs a list naming A's institution.
    let operator = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let entry = EntryInput {
        did: did.clone(),
        institution_id: Some("ehb".into()),
        name: None,
        url: None,
        valid_from: None,
        valid_until: None,
        did_document: Some(did_doc),
    };
    let now = Utc.with_ymd_and_hms(2025, 8, 1, 0, 0, 0).unwrap();
    let until = Utc.with_ymd_and_hms(2026, 8, 1, 0, 0, 0).unwrap();
    // Issue 26: an entry with its own validity can be created (trust context v2) and is
    // read back with it.
    let mut dated = entry.clone();
    dated.valid_from = Some(Utc.with_ymd_and_hms(2025, 7, 1, 0, 0, 0).unwrap());
    dated.valid_until = Some(Utc.with_ymd_and_hms(2025, 8, 15, 0, 0, 0).unwrap());
    let dated_list =
        list::sign(&list::unsigned(operator.did(), &[dated], now, until).unwrap(), &operator, now).await.unwrap();
    let read = list::verify(
        &dated_list,
        &[operator.did().to_owned()],
        &microcred::crypto::did::Resolver::new(),
        &FixedClock(now),
    )
    .await
    .unwrap();
    assert_eq!(read.entries[0].valid_until, Some(Utc.with_ymd_and_hms(2025, 8, 15, 0, 0, 0).unwrap()));
    assert_eq!(read.entries[0].valid_from, Some(Utc.with_ymd_and_hms(2025, 7, 1, 0, 0, 0).unwrap()));
    let unsigned = list::unsigned(operator.did(), &[entry], now, until).unwrap();
    let signed = list::sign(&unsigned, &operator, now).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, v: &Value| {
        let p = dir.path().join(name);
        std::fs::write(&p, v.to_string()).unwrap();
        p.display().to_string()
    };
    let good = write("list.json", &signed);
    let configure = |lists: Vec<String>, anchors: Vec<String>| {
        move |s: &mut microcred::config::Settings| {
            s.trust.lists = lists;
            s.trust.anchors = anchors;
            s.status.fetch_allow_private = true;
            s.status.fetch_allow_http = true;
        }
    };
    let b = spawn_with(Backend::Sqlite, configure(vec![good.clone()], vec![operator.did().to_owned()])).await;
    let report: Value = b.post_json("/api/v1/verify", None, &credential).await.json().await.unwrap();
    assert_eq!((report["valid"].as_bool(), report["trusted"].as_bool()), (Some(true), Some(true)), "{report}");
    assert_eq!(report["issuer_trust"]["institution_id"], "ehb");
    assert!(report["issuer_trust"]["source"].as_str().unwrap().contains(operator.did()), "{report}");

    // Without the list, B knows nothing of A.
    let plain = spawn_with(Backend::Sqlite, configure(vec![], vec![])).await;
    let report: Value = plain.post_json("/api/v1/verify", None, &credential).await.json().await.unwrap();
    assert_eq!(
        (report["trusted"].as_bool(), report["issuer_trust"]["status"].as_str()),
        (Some(false), Some("unrecognised"))
    );

    // A tampered list and a list of an operator B does not trust are refused at start.
    let mut tampered = signed.clone();
    tampered["credentialSubject"]["trustedIssuer"][0]["url"] = "https://evil.example".into();
    let bad = write("tampered.json", &tampered);
    let other = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    for (lists, anchors, why) in [
        (vec![bad], vec![operator.did().to_owned()], "does not verify"),
        (vec![good.clone()], vec![other.did().to_owned()], "not a configured trust anchor"),
        (vec![good.clone()], vec![], "trust.anchors is empty"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let mut settings = test_settings(tmp.path());
        configure(lists, anchors)(&mut settings);
        let err = Application::build(settings, Arc::new(clock())).await.expect_err("refused").to_string();
        assert!(err.contains(why), "{err}");
    }

    // The CLI verifies the list and uses it.
    let bin = env!("CARGO_BIN_EXE_microcred");
    let list_file = dir.path().join("list.json");
    let out = Command::new(bin)
        .args([
            "trust-list",
            "verify",
            list_file.to_str().unwrap(),
            "--anchor",
            operator.did(),
            "--now",
            "2025-09-01T00:00:00Z",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&did));
    let out = Command::new(bin)
        .args([
            "trust-list",
            "verify",
            list_file.to_str().unwrap(),
            "--anchor",
            other.did(),
            "--now",
            "2025-09-01T00:00:00Z",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a configured trust anchor"));

    // Trust keys win (issue 26): the list pins A's keys for A's DID. A forger with a key of
    // his own writes a DID document for that DID and signs a credential with it.
    let forger = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let forged_doc = microcred::crypto::did::did_document(&did, &[(format!("{did}#key-9"), forger.public_jwk())]);
    let forged_doc_file = write("forged-did.json", &serde_json::to_value(&forged_doc).unwrap());
    let cred_file = write("credential.json", &credential);
    let cli_verify = |extra: &[&str]| {
        let mut args =
            vec!["verify", cred_file.as_str(), "--trust-list", good.as_str(), "--trust-anchor", operator.did()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--now", "2025-09-01T00:00:00Z", "--allow-private-status-urls"]);
        Command::new(bin).args(&args).output().unwrap()
    };
    let out = cli_verify(&[]);
    assert_eq!(out.status.code(), Some(0), "the list alone resolves A's key: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"trusted\":true"));
    let out = cli_verify(&["--did-doc", forged_doc_file.as_str()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not pin") && err.contains("key-9"), "{err}");
    // The genuine document changes nothing.
    let genuine = write(
        "genuine-did.json",
        &a.client.get(a.url("/issuers/ehb/did.json")).send().await.unwrap().json::<Value>().await.unwrap(),
    );
    let out = cli_verify(&["--did-doc", genuine.as_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
