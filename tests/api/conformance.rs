//! VC 2.0 conformance of the VC-API issuer and breadth of the verifier (issue 13): what
//! the W3C suites found, each as our own test.

use serde_json::{Value, json};

use crate::helpers::*;

fn plain_vc() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:learner-1", "name": "Jan Peeters"}
    })
}

async fn issue_vc(app: &TestApp, key: &str, c: &Value) -> reqwest::Response {
    app.post_json("/credentials/issue", Some(key), &json!({"credential": c})).await
}

async fn verified(app: &TestApp, vc: &Value) -> Value {
    app.post_json("/credentials/verify", None, &json!({"verifiableCredential": vc})).await.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_without_validity_dates_issues_and_verifies() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let r = issue_vc(&app, &key, &plain_vc()).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let vc = r.json::<Value>().await.unwrap()["verifiableCredential"].clone();
    assert!(vc.get("validFrom").is_none());
    let v = verified(&app, &vc).await;
    assert_eq!(v["verified"], true, "{v}");
    // The proof as a single object verifies alike.
    let mut single = vc.clone();
    single["proof"] = vc["proof"][0].clone();
    assert_eq!(verified(&app, &single).await["verified"], true);
}

#[tokio::test]
async fn non_conforming_vc2_credentials_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let with = |k: &str, v: Value| {
        let mut c = plain_vc();
        c[k] = v;
        c
    };
    let rr = |v: Value| with("relatedResource", v);
    let entry = |index: Value, list: Value| json!({"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": index, "statusListCredential": list});
    let list = json!("https://example.edu/status/1");
    let digest = "sha384-S57yQDg1MTzF56Oi9DbSQ14u7jBy0RDdx0YbeV7shwhCS88G8SCXeFq82PafhCrW";
    let cases = [
        ("empty subject", with("credentialSubject", json!({})), "credentialSubject"),
        ("empty subject list", with("credentialSubject", json!([])), "credentialSubject"),
        (
            "status without type",
            with("credentialStatus", json!({"id": "https://example.edu/status/1#5"})),
            "credentialStatus must have a type",
        ),
        (
            "schema without type",
            with("credentialSchema", json!({"id": "https://example.edu/schema.json"})),
            "credentialSchema must have a type",
        ),
        (
            "schema without id",
            with("credentialSchema", json!({"type": "JsonSchema"})),
            "credentialSchema must have an id",
        ),
        (
            "refresh without type",
            with("refreshService", json!({"id": "https://example.edu/refresh"})),
            "refreshService must have a type",
        ),
        (
            "terms without type",
            with("termsOfUse", json!([{"id": "https://example.edu/tou"}])),
            "termsOfUse[0] must have a type",
        ),
        (
            "evidence without type",
            with("evidence", json!({"id": "https://example.edu/ev"})),
            "evidence must have a type",
        ),
        ("related as string", rr(json!(["https://example.edu/a"])), "relatedResource[0] must be an object"),
        ("related without id", rr(json!([{"digestSRI": digest}])), "must have an id"),
        (
            "related duplicate",
            rr(
                json!([{"id": "https://example.edu/a", "digestSRI": digest}, {"id": "https://example.edu/a", "digestSRI": digest}]),
            ),
            "listed twice",
        ),
        ("related without digest", rr(json!({"id": "https://example.edu/a"})), "digestSRI or digestMultibase"),
        (
            "related bad digest",
            rr(json!({"id": "https://example.edu/a", "digestSRI": "sha384-nope"})),
            "digestSRI must be",
        ),
        (
            "related wrong digest of our context",
            rr(json!({"id": "https://w3id.org/microcred/contexts/v1.jsonld", "digestSRI": digest})),
            "does not match",
        ),
        ("index true", with("credentialStatus", entry(json!(true), list.clone())), "statusListIndex"),
        ("index -5", with("credentialStatus", entry(json!("-5"), list.clone())), "statusListIndex"),
        ("index +5", with("credentialStatus", entry(json!("+5"), list.clone())), "statusListIndex"),
        ("list not a url", with("credentialStatus", entry(json!("5"), json!("not a url"))), "statusListCredential"),
    ];
    for (what, c, needle) in cases {
        let r = issue_vc(&app, &key, &c).await;
        assert_eq!(r.status(), 400, "{what}");
        let p: Value = r.json().await.unwrap();
        assert!(p["detail"].as_str().unwrap().contains(needle), "{what}: {p}");
    }
    // Well-formed, they are signed.
    let ok_entry = with("credentialStatus", entry(json!("5"), list));
    assert_eq!(issue_vc(&app, &key, &ok_entry).await.status(), 201);
    let ok_related = rr(json!({"id": "https://example.edu/a", "digestSRI": digest}));
    assert_eq!(issue_vc(&app, &key, &ok_related).await.status(), 201);
    // Our context with its true digests, SRI and multibase (multihash), is accepted; the
    // digest of a context we hold only re-serialised (Data Integrity) is not judged.
    use base64::Engine;
    use sha2::Digest;
    let ours = microcred::jsonld::contexts::get(microcred::jsonld::contexts::MICROCRED_V1_URL).unwrap();
    let sri = format!("sha384-{}", base64::prelude::BASE64_STANDARD.encode(sha2::Sha384::digest(ours.as_bytes())));
    let mut mh = vec![0x12, 0x20];
    mh.extend_from_slice(&sha2::Sha256::digest(ours.as_bytes()));
    let mb = multibase::encode(multibase::Base::Base58Btc, mh);
    let true_digests = rr(json!([
        {"id": microcred::jsonld::contexts::MICROCRED_V1_URL, "digestSRI": sri, "digestMultibase": mb},
        {"id": "https://w3id.org/security/data-integrity/v2", "digestSRI": digest}
    ]));
    let r = issue_vc(&app, &key, &true_digests).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let mut wrong_mb = true_digests.clone();
    wrong_mb["relatedResource"][0]["digestMultibase"] =
        multibase::encode(multibase::Base::Base58Btc, [0x12, 0x20, 1, 2]).into();
    let r = issue_vc(&app, &key, &wrong_mb).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_examples_context_and_inline_contexts_are_accepted_without_opening_safe_mode() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let mut examples = plain_vc();
    examples["@context"] =
        json!(["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]);
    examples["type"] = json!(["VerifiableCredential", "ExampleAlumniCredential"]);
    examples["credentialSubject"] = json!({"id": "did:example:1", "alumniOf": {"name": "Example University"}});
    let mut inline = plain_vc();
    inline["@context"] = json!(["https://www.w3.org/ns/credentials/v2", {"favouriteColour": "https://example.org/vocab#favouriteColour"}]);
    inline["credentialSubject"]["favouriteColour"] = "blue".into();
    for (what, c) in [("examples context", examples), ("inline context", inline.clone())] {
        let r = issue_vc(&app, &key, &c).await;
        assert_eq!(r.status(), 201, "{what}: {}", r.text().await.unwrap());
        let vc = r.json::<Value>().await.unwrap()["verifiableCredential"].clone();
        let v = verified(&app, &vc).await;
        assert_eq!(v["verified"], true, "{what}: {v}");
    }
    // Safe mode holds: a term no context defines, and an inline alias of a standard term.
    let mut undefined = inline.clone();
    undefined["credentialSubject"]["shoeSize"] = 44.into();
    let mut alias = plain_vc();
    alias["@context"] =
        json!(["https://www.w3.org/ns/credentials/v2", {"until": "https://www.w3.org/2018/credentials#validUntil"}]);
    alias["until"] = "2020-01-01T00:00:00Z".into();
    for (what, c, needle) in [("undefined", undefined, "shoeSize"), ("alias", alias, "validUntil")] {
        let r = issue_vc(&app, &key, &c).await;
        assert_eq!(r.status(), 400, "{what}");
        let p: Value = r.json().await.unwrap();
        assert!(p["detail"].as_str().unwrap().contains(needle), "{what}: {p}");
    }
}

#[tokio::test]
async fn a_credential_wrapped_in_a_json_string_is_refused_not_verified() {
    let app = spawn_app().await;
    let key = app.institution("ugent", "ugent").await;
    let r = issue_vc(&app, &key, &plain_vc()).await;
    let vc = r.json::<Value>().await.unwrap()["verifiableCredential"].clone();
    let text = vc.to_string();
    let r = app.post_json("/credentials/verify", None, &json!({"verifiableCredential": text})).await;
    assert_eq!(r.status(), 400);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("not a compact VC-JWT"), "{p}");
    assert!(p.get("verified").is_none(), "refused, not verified: {p}");
    for body in [json!(text), json!([vc]), json!(5)] {
        let r = app.post_json("/api/v1/verify", None, &body).await;
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(app.post_json("/credentials/verify", None, &json!("x")).await.status(), 400);
}

#[tokio::test]
async fn unknown_routes_answer_json_to_programs_and_html_to_browsers() {
    let app = spawn_app().await;
    let get = |path: &str, accept: Option<&str>| {
        let mut req = app.client.get(app.url(path));
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        req.send()
    };
    for (path, accept) in [
        ("/.well-known/openid-configuration", Some("application/json")),
        ("/.well-known/openid-configuration", None),
        ("/.well-known/anything", Some("text/html")),
        ("/no-such-page", Some("application/json")),
        ("/no-such-page", Some("application/json, text/html;q=0.5")),
    ] {
        let r = get(path, accept).await.unwrap();
        assert_eq!(r.status(), 404, "{path} {accept:?}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{path} {accept:?}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["status"], 404);
    }
    for accept in [None, Some("text/html,application/xhtml+xml,*/*;q=0.8"), Some("*/*")] {
        let r = get("/no-such-page", accept).await.unwrap();
        assert_eq!(r.status(), 404);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{accept:?}");
    }
}

async fn verify_vp(app: &TestApp, vp: Value, options: Value) -> (u16, Value) {
    let body = json!({"verifiablePresentation": vp, "options": options});
    let r = app.post_json("/presentations/verify", None, &body).await;
    (r.status().as_u16(), r.json::<Value>().await.unwrap())
}

/// A presentation of `credentials` signed by a did:key holder for authentication.
async fn presentation(credentials: Vec<Value>, holder: &ssi::JWK, challenge: &str, domain: &str) -> Value {
    use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrityDocument, ProofOptions};
    use ssi::json_ld::iref::IriBuf;
    use ssi::verification_methods::{AnyMethod, ProofPurpose, SingleSecretSigner};
    let did = ssi::dids::DIDKey::generate(holder).unwrap().to_string();
    let vm = ssi::dids::DIDKey::generate_url(holder).unwrap().to_string();
    let mb = microcred::crypto::did::ed25519_multibase(holder).unwrap();
    let method: AnyMethod =
        serde_json::from_value(json!({"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": mb}))
            .unwrap();
    let methods = std::collections::HashMap::from([(IriBuf::new(vm.clone()).unwrap(), method)]);
    let vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": credentials,
    });
    let unsecured: DataIntegrityDocument = serde_json::from_value(vp).unwrap();
    let mut options = ProofOptions::from_method(IriBuf::new(vm).unwrap().into());
    options.proof_purpose = ProofPurpose::Authentication;
    options.challenge = Some(challenge.into());
    options.domains = vec![domain.into()];
    options.created = Some(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string().parse().unwrap());
    let signer = SingleSecretSigner::new(holder.clone()).into_local();
    let env = ssi::claims::SignatureEnvironment { json_ld_loader: microcred::jsonld::loader(), eip712_loader: () };
    let signed = AnySuite::EdDsaRdfc2022
        .sign_with(env, unsecured, &methods, &signer, options, Default::default())
        .await
        .unwrap();
    serde_json::to_value(&signed).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presentation_verifies_with_its_challenge_and_domain_and_every_credential() {
    let app = spawn_app_on_wall_clock(|_| {}).await;
    let key = app.institution("ugent", "ugent").await;
    let r = issue_vc(&app, &key, &plain_vc()).await;
    let vc = r.json::<Value>().await.unwrap()["verifiableCredential"].clone();
    let holder = ssi::JWK::generate_ed25519().unwrap();
    let vp = presentation(vec![vc.clone()], &holder, "c-123", "verifier.example").await;
    let (status, ok) = verify_vp(&app, vp.clone(), json!({"challenge": "c-123", "domain": "verifier.example"})).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["verified"], true);
    assert_eq!(ok["credentialResults"][0]["verified"], true);
    // The holder is not the credential's subject: said, not refused (issue 26).
    let warned: Vec<&str> =
        ok["presentationResult"]["warnings"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    let subject = vc["credentialSubject"]["id"].as_str().unwrap_or_default();
    assert_eq!(warned, ["presentation.holder_not_subject"], "subject {subject}: {ok}");

    // Issue 26: the holder written as a node object with @id, and a credential under a
    // full IRI for verifiableCredential, are not terms: refused, never skipped.
    for (what, changed) in [
        ("holder as {@id}", {
            let mut v = vp.clone();
            v["holder"] = json!({"@id": v["holder"].clone()});
            v
        }),
        ("credential under its full IRI", {
            let mut v = vp.clone();
            let c = v.as_object_mut().unwrap().shift_remove("verifiableCredential").unwrap();
            v["https://www.w3.org/2018/credentials#verifiableCredential"] = c;
            v
        }),
    ] {
        let (status, r) = verify_vp(&app, changed, json!({})).await;
        assert_eq!(status, 400, "{what}: {r}");
        assert_eq!(r["verified"], false, "{what}");
    }

    let (status, wrong) =
        verify_vp(&app, vp.clone(), json!({"challenge": "other", "domain": "verifier.example"})).await;
    assert_eq!(status, 400);
    let codes: Vec<&str> =
        wrong["presentationResult"]["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["proof.challenge_mismatch"], "{wrong}");

    // A credential changed inside the presentation: the presentation's signature breaks,
    // and so does the credential's.
    let mut tampered = vp.clone();
    tampered["verifiableCredential"][0]["credentialSubject"]["name"] = "Mallory".into();
    let (status, bad) = verify_vp(&app, tampered, json!({"challenge": "c-123"})).await;
    assert_eq!(status, 400);
    assert_eq!(bad["presentationResult"]["verified"], false, "{bad}");
    assert_eq!(bad["credentialResults"][0]["verified"], false, "{bad}");

    // A holder who is not the signer.
    let mut other_holder = vp.clone();
    other_holder["holder"] = "did:example:someone".into();
    let (_, r) = verify_vp(&app, other_holder, json!({})).await;
    assert_eq!(r["verified"], false);

    // Unsigned: fine without expectations, refused with a challenge.
    let unsigned = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "verifiableCredential": [vc]});
    assert_eq!(verify_vp(&app, unsigned.clone(), json!({})).await.0, 200);
    let (status, r) = verify_vp(&app, unsigned, json!({"challenge": "c-123"})).await;
    assert_eq!(status, 400);
    assert_eq!(r["presentationResult"]["errors"][0]["code"], "presentation.unsigned");
    // Not a presentation; a credential purpose asked of a presentation.
    assert_eq!(
        app.post_json("/presentations/verify", None, &json!({"verifiablePresentation": "x"})).await.status(),
        400
    );
    let r = app
        .post_json(
            "/presentations/verify",
            None,
            &json!({"verifiablePresentation": vp, "options": {"expectedProofPurpose": "assertionMethod"}}),
        )
        .await;
    assert_eq!(r.status(), 400);
}

/// VC 2.0 presentations carry JOSE-secured credentials as `EnvelopedVerifiableCredential`s
/// (`id: data:application/vc+jwt,<JWT>`): the JWT inside is verified like any VC-JWT; a
/// tampered one fails; an envelope of a media type we cannot verify is a 400 naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enveloped_vc_jwt_in_a_presentation_is_verified() {
    let app = spawn_app_on_wall_clock(|_| {}).await;
    let key = app.institution("ehb", "ehb").await;
    let mut rec = own_records("valid.json").remove(0);
    rec["format"] = "jwt".into();
    let r = app.issue(&key, &rec).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let jwt = r.json::<Value>().await.unwrap()["credential"].as_str().unwrap().to_owned();
    let envelope = |jwt: &str, media: &str| {
        json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential",
            "id": format!("data:{media},{jwt}")})
    };
    let vp = |c: Value| json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "verifiableCredential": [c]});
    let (status, ok) = verify_vp(&app, vp(envelope(&jwt, "application/vc+jwt")), json!({})).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["credentialResults"][0]["verified"], true, "{ok}");

    let mut tampered = jwt.clone().into_bytes();
    let at = jwt.rfind('.').unwrap() + 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let (status, bad) = verify_vp(&app, vp(envelope(&tampered, "application/vc+jwt")), json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(bad["credentialResults"][0]["verified"], false, "{bad}");

    let r = app
        .post_json(
            "/presentations/verify",
            None,
            &json!({"verifiablePresentation": vp(envelope(&jwt, "application/vc+sd-jwt"))}),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("application/vc+sd-jwt"));

    // Issue 26: `;base64` means base64 of the JWT (RFC 2397), read as such; a plain JWT
    // under `;base64` is not base64 of a JWT, and is refused, not read as the JWT.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&jwt);
    let (status, ok) = verify_vp(&app, vp(envelope(&b64, "application/vc+jwt;base64")), json!({})).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["credentialResults"][0]["verified"], true, "{ok}");
    let r = app
        .post_json(
            "/presentations/verify",
            None,
            &json!({"verifiablePresentation": vp(envelope(&jwt, "application/vc+jwt;base64"))}),
        )
        .await;
    assert_eq!(r.status(), 400);
}
