//! Verifier breadth (issue 13): a single `proof` object, a VC-JWT carrying its key in the
//! `jwk` header (only the issuer's own key counts), did:jwk verification methods.

use microcred::crypto::did::Resolver;
use microcred::crypto::keys::IssuerKey;
use microcred::issuance::{Format, IssueOptions, issue};
use microcred::verify::{VerificationReport, verify_text};
use rand::SeedableRng;
use serde_json::{Value, json};
use ssi::JWK;
use ssi::claims::jws::Header;

use crate::helpers::*;

async fn issued(format: Format, key: &IssuerKey) -> (Value, String) {
    let rec = own_records("valid.json").remove(0);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let opts = IssueOptions { format, ..Default::default() };
    let i = issue(&rec, key, &fixture_clock(), &mut rng, &opts).await.expect("issue");
    (i.credential.clone(), i.to_wire())
}

async fn verify(text: &str) -> VerificationReport {
    verify_text(text, &Resolver::new(), &fixture_clock()).await
}

fn codes(r: &VerificationReport) -> Vec<String> {
    r.errors.iter().map(|e| e.code.clone()).collect()
}

#[tokio::test]
async fn a_single_proof_object_is_read_like_a_one_element_list() {
    let key = IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).expect("key");
    let (mut c, _) = issued(Format::Ldp, &key).await;
    assert!(c["proof"].is_array());
    c["proof"] = c["proof"][0].clone();
    let r = verify(&c.to_string()).await;
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.checks.get("schema"), Some(&microcred::verify::CheckStatus::Passed));
}

/// The JWT's payload re-signed by `signer` with `{"alg","typ","jwk": header_key}`.
fn with_jwk_header(token: &str, signer: &JWK, header_key: &JWK) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    let payload = base64::prelude::BASE64_URL_SAFE_NO_PAD.decode(payload).expect("b64");
    let header = Header {
        algorithm: ssi::jwk::Algorithm::EdDSA,
        jwk: Some(header_key.to_public()),
        type_: Some("JWT".into()),
        ..Default::default()
    };
    ssi::claims::jws::encode_sign_custom_header(std::str::from_utf8(&payload).expect("utf-8"), signer, &header)
        .expect("sign")
}

#[tokio::test]
async fn a_vc_jwt_may_carry_the_issuers_own_key_in_its_jwk_header_and_no_other() {
    let secret = JWK::generate_ed25519().expect("jwk");
    let key = IssuerKey::from_jwk(secret.clone()).expect("key");
    assert!(key.did().starts_with("did:key:"));
    let (_, token) = issued(Format::Jwt, &key).await;
    assert!(verify(&token).await.valid);

    let own = with_jwk_header(&token, &secret, &secret);
    let r = verify(&own).await;
    assert!(r.valid, "the issuer's did:key in jwk: {:?}", r.errors);

    // Someone else's key, correctly signing: the signature is fine, the key is not the issuer's.
    let mallory = JWK::generate_ed25519().expect("jwk");
    let forged = with_jwk_header(&token, &mallory, &mallory);
    let r = verify(&forged).await;
    assert!(!r.valid);
    assert_eq!(codes(&r), ["key.not_issuer"]);

    // The issuer's key named, another key signing: the signature fails.
    let swapped = with_jwk_header(&token, &mallory, &secret);
    assert_eq!(codes(&verify(&swapped).await), ["signature.invalid"]);

    // Both kid and jwk, or a private jwk: refused by name.
    use base64::Engine;
    let b64 = base64::prelude::BASE64_URL_SAFE_NO_PAD;
    let parts: Vec<&str> = own.split('.').collect();
    let pubjwk = serde_json::to_value(secret.to_public()).expect("json");
    let both = json!({"alg": "EdDSA", "typ": "JWT", "kid": key.verification_method(), "jwk": pubjwk});
    let both = format!("{}.{}.{}", b64.encode(both.to_string()), parts[1], parts[2]);
    assert_eq!(codes(&verify(&both).await), ["jwt.header_not_allowed"]);
    let private = json!({"alg": "EdDSA", "typ": "JWT", "jwk": serde_json::to_value(&secret).expect("json")});
    let private = format!("{}.{}.{}", b64.encode(private.to_string()), parts[1], parts[2]);
    assert_eq!(codes(&verify(&private).await), ["jwt.header_not_allowed"]);
}

/// An eddsa-rdfc-2022 proof by `secret` (a did:key) over `doc` without its proof.
async fn co_sign(doc: &Value, secret: &JWK) -> Value {
    let did = ssi::dids::DIDKey::generate(secret).expect("did").to_string();
    let vm = ssi::dids::DIDKey::generate_url(secret).expect("vm").to_string();
    let mut bare = doc.clone();
    bare.as_object_mut().expect("object").remove("proof");
    let created = fixture_clock_now();
    microcred::crypto::proof::sign_general(&bare, secret, &vm, &did, created).await.expect("co-sign")
}

fn fixture_clock_now() -> chrono::DateTime<chrono::Utc> {
    use microcred::clock::Clock;
    fixture_clock().now()
}

#[tokio::test]
async fn every_proof_of_a_proof_set_must_verify_and_one_must_be_the_issuers() {
    let key = IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).expect("key");
    let (c, _) = issued(Format::Ldp, &key).await;
    let own = c["proof"][0].clone();
    let notary = JWK::generate_ed25519().expect("jwk");
    let second = co_sign(&c, &notary).await;
    let mut set = c.clone();
    set["proof"] = json!([own, second]);
    let r = verify(&set.to_string()).await;
    assert!(r.valid, "{:?}", r.errors);

    let mut tampered = set.clone();
    let pv = tampered["proof"][1]["proofValue"].as_str().expect("pv").to_owned();
    tampered["proof"][1]["proofValue"] =
        format!("{}{}", &pv[..pv.len() - 3], if pv.ends_with('a') { "bbb" } else { "aaa" }).into();
    let r = verify(&tampered.to_string()).await;
    assert_eq!(codes(&r), ["signature.invalid"], "one bad proof of the set fails the credential");

    let mut changed = set.clone();
    changed["name"] = "Iets anders".into();
    let r = verify(&changed.to_string()).await;
    assert!(!r.valid && codes(&r).contains(&"signature.invalid".to_owned()), "{:?}", r.errors);

    let mut strangers = c.clone();
    strangers["proof"] = json!([second, co_sign(&c, &JWK::generate_ed25519().expect("jwk")).await]);
    assert_eq!(codes(&verify(&strangers.to_string()).await), ["key.not_issuer"]);

    let mut chain = set.clone();
    chain["proof"][1]["previousProof"] = "urn:uuid:1".into();
    let r = verify(&chain.to_string()).await;
    assert_eq!(codes(&r), ["proof.chain_broken"], "{:?}", r.errors);
    assert!(r.errors[0].message.contains("urn:uuid:1"));
}

/// An eddsa-rdfc-2022 proof made by ssi over `doc` exactly as given (a `proof` member
/// in it is signed as data, as a chained proof signs the proofs it follows), with extra
/// proof members (`id`, `previousProof`).
async fn sign_with_extra(doc: &Value, secret: &JWK, extra: &[(&str, &str)]) -> Value {
    use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrityDocument, ProofOptions};
    use ssi::json_ld::iref::IriBuf;
    use ssi::verification_methods::{AnyMethod, Multikey, SingleSecretSigner};
    let did = ssi::dids::DIDKey::generate(secret).expect("did").to_string();
    let vm = ssi::dids::DIDKey::generate_url(secret).expect("vm").to_string();
    let public = microcred::crypto::proof::ed25519_public(secret).expect("ed25519");
    let method = AnyMethod::Multikey(Multikey::from_public_key(
        IriBuf::new(vm.clone()).expect("iri"),
        ssi::json_ld::iref::UriBuf::new(did.into_bytes()).expect("uri"),
        &public,
    ));
    let methods = std::collections::HashMap::from([(IriBuf::new(vm.clone()).expect("iri"), method)]);
    let unsecured: DataIntegrityDocument = serde_json::from_value(doc.clone()).expect("doc");
    let mut options = ProofOptions::from_method(IriBuf::new(vm).expect("iri").into());
    options.created = Some("2025-06-01T00:00:00Z".parse().expect("date"));
    for (k, v) in extra {
        options.extra_properties.insert((*k).into(), json_syntax::Value::String((*v).into()));
    }
    let signer = SingleSecretSigner::new(secret.clone()).into_local();
    let env = ssi::claims::SignatureEnvironment { json_ld_loader: microcred::jsonld::loader(), eip712_loader: () };
    let signed = AnySuite::EdDsaRdfc2022
        .sign_with(env, unsecured, &methods, &signer, options, Default::default())
        .await
        .expect("sign");
    let proofs = serde_json::to_value(&signed.proofs).expect("json");
    proofs.as_array().map_or(proofs.clone(), |a| a[0].clone())
}

#[tokio::test]
async fn a_proof_chain_verifies_each_proof_over_the_proofs_it_follows() {
    let issuer = JWK::generate_ed25519().expect("jwk");
    let notary = JWK::generate_ed25519().expect("jwk");
    let did = ssi::dids::DIDKey::generate(&issuer).expect("did").to_string();
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:9c7d1a6e-2f4b-4c59-9d0e-0a7b3c1d2e4f",
        "type": ["VerifiableCredential", "ExampleChainCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:learner", "skill": "chains"}
    });
    let first = sign_with_extra(&doc, &issuer, &[("id", "urn:uuid:proof-1")]).await;
    // The notary's proof signs the credential together with the issuer's proof.
    let mut with_first = doc.clone();
    with_first["proof"] = json!([first.clone()]);
    let second = sign_with_extra(&with_first, &notary, &[("previousProof", "urn:uuid:proof-1")]).await;
    let mut chain = doc.clone();
    chain["proof"] = json!([first.clone(), second.clone()]);
    let r = verify(&chain.to_string()).await;
    assert!(r.valid, "{:?}", r.errors);

    // previousProof as a one-element list is the same data (an unordered set of ids).
    let mut listed = chain.clone();
    listed["proof"][1]["previousProof"] = json!(["urn:uuid:proof-1"]);
    let r = verify(&listed.to_string()).await;
    assert!(r.valid, "{:?}", r.errors);

    // The second proof made over the bare credential is not a chained proof.
    let independent = sign_with_extra(&doc, &notary, &[("previousProof", "urn:uuid:proof-1")]).await;
    let mut unchained = doc.clone();
    unchained["proof"] = json!([first.clone(), independent]);
    assert_eq!(codes(&verify(&unchained.to_string()).await), ["signature.invalid"]);

    // The first proof cannot be changed: it fails itself (and the second signed it).
    let mut changed = chain.clone();
    changed["proof"][0]["created"] = "2025-06-02T00:00:00Z".into();
    let r = verify(&changed.to_string()).await;
    assert!(!r.valid && codes(&r).contains(&"signature.invalid".to_owned()), "{:?}", r.errors);

    // A previousProof naming no proof of the set, or the proof itself.
    let mut broken = chain.clone();
    broken["proof"][1]["previousProof"] = "urn:uuid:nowhere".into();
    let r = verify(&broken.to_string()).await;
    assert_eq!(codes(&r), ["proof.chain_broken"], "{:?}", r.errors);
    let mut own = chain.clone();
    own["proof"][0]["previousProof"] = "urn:uuid:proof-1".into();
    assert!(codes(&verify(&own.to_string()).await).contains(&"proof.chain_broken".to_owned()));
    let mut typed = chain.clone();
    typed["proof"][1]["previousProof"] = json!(5);
    assert!(codes(&verify(&typed.to_string()).await).contains(&"proof.chain_broken".to_owned()));
    // A set refused for its JSON-LD says so, and nothing about who signed it.
    let mut bad_context = chain.clone();
    bad_context["@context"].as_array_mut().expect("contexts").push(json!({"n": "@nest"}));
    let r = verify(&bad_context.to_string()).await;
    assert_eq!(codes(&r), ["context.invalid"], "{:?}", r.errors);
}

/// An Ed25519Signature2020 proof (through ssi) by `secret` (a did:key) over `doc`.
pub(crate) async fn sign_2020(doc: &Value, secret: &JWK) -> Value {
    use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrityDocument, ProofOptions};
    use ssi::json_ld::iref::IriBuf;
    use ssi::verification_methods::{AnyMethod, SingleSecretSigner};
    let did = ssi::dids::DIDKey::generate(secret).expect("did").to_string();
    let vm = ssi::dids::DIDKey::generate_url(secret).expect("vm").to_string();
    let public = microcred::crypto::proof::ed25519_public(secret).expect("ed25519");
    let method =
        AnyMethod::Ed25519VerificationKey2020(ssi::verification_methods::Ed25519VerificationKey2020::from_public_key(
            IriBuf::new(vm.clone()).expect("iri"),
            ssi::json_ld::iref::UriBuf::new(did.into_bytes()).expect("uri"),
            public,
        ));
    let methods = std::collections::HashMap::from([(IriBuf::new(vm.clone()).expect("iri"), method)]);
    let unsecured: DataIntegrityDocument = serde_json::from_value(doc.clone()).expect("doc");
    let mut options = ProofOptions::from_method(IriBuf::new(vm).expect("iri").into());
    options.created = Some("2025-06-01T00:00:00Z".parse().expect("date"));
    let signer = SingleSecretSigner::new(secret.clone()).into_local();
    let env = ssi::claims::SignatureEnvironment { json_ld_loader: microcred::jsonld::loader(), eip712_loader: () };
    let signed = AnySuite::Ed25519Signature2020
        .sign_with(env, unsecured, &methods, &signer, options, Default::default())
        .await
        .expect("sign");
    let mut vc = serde_json::to_value(&signed).expect("json");
    // ssi repeats the suite context inside the proof; jsonld-signatures (the Digital
    // Credentials Consortium's issuer) does not when the document names it, as here.
    vc["proof"].as_object_mut().expect("proof").remove("@context");
    vc
}

#[tokio::test]
async fn an_open_badge_on_vc_1_1_with_an_ed25519signature2020_proof_verifies() {
    let secret = JWK::generate_ed25519().expect("jwk");
    let did = ssi::dids::DIDKey::generate(&secret).expect("did").to_string();
    let badge = |issuance: Option<&str>, expiration: Option<&str>| {
        teamwork_vc11(&did, "urn:uuid:2f8b8d3e-6c1a-4f0e-9a55-2b1d1e0c7a11", issuance, expiration)
    };
    let vc = sign_2020(&badge(Some("2025-01-01T00:00:00Z"), None), &secret).await;
    assert_eq!(vc["proof"]["type"], "Ed25519Signature2020", "{vc}");
    let r = verify(&vc.to_string()).await;
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.checks.get("schema"), Some(&microcred::verify::CheckStatus::Passed));

    let mut tampered = vc.clone();
    tampered["credentialSubject"]["achievement"]["name"] = "Leadership".into();
    assert_eq!(codes(&verify(&tampered.to_string()).await), ["signature.invalid"]);

    // The Digital Bazaar verifier (@digitalbazaar/ed25519-signature-2020) agrees on both.
    if root().join("tests/js/node_modules/@digitalbazaar/ed25519-signature-2020").is_dir() {
        let dir = tempfile::tempdir().expect("dir");
        let (good, bad) = (dir.path().join("good.json"), dir.path().join("bad.json"));
        std::fs::write(&good, vc.to_string()).expect("write");
        std::fs::write(&bad, tampered.to_string()).expect("write");
        let out = std::process::Command::new("node")
            .arg(root().join("tests/js/verify2020.mjs"))
            .args(["--now", "2025-09-01T00:00:00Z"])
            .args([&good, &bad])
            .output()
            .expect("node");
        let lines: Vec<Value> =
            String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
        assert_eq!(lines.len(), 2, "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(lines[0]["verified"], true, "{}", lines[0]);
        assert_eq!(lines[1]["verified"], false, "{}", lines[1]);
    } else {
        assert!(std::env::var_os("CI").is_none(), "CI must run the Digital Bazaar check: npm ci in tests/js");
        eprintln!("SKIP: tests/js/node_modules missing (npm ci in tests/js)");
    }

    let expired = sign_2020(&badge(Some("2020-01-01T00:00:00Z"), Some("2021-01-01T00:00:00Z")), &secret).await;
    assert_eq!(codes(&verify(&expired.to_string()).await), ["validity.expired"]);
    let future = sign_2020(&badge(Some("2099-01-01T00:00:00Z"), None), &secret).await;
    assert_eq!(codes(&verify(&future.to_string()).await), ["validity.not_yet_valid"]);
    let undated = sign_2020(&badge(None, None), &secret).await;
    let r = verify(&undated.to_string()).await;
    assert!(codes(&r).contains(&"validity.invalid_date".to_owned()), "{:?}", r.errors);
}

/// Runs `tests/js/jcs.mjs` (Digital Bazaar eddsa-jcs-2022); `None` when its modules are
/// not installed (skipped, but never in CI).
fn jcs_js(args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
    if !root().join("tests/js/node_modules/@digitalbazaar/eddsa-jcs-2022-cryptosuite").is_dir() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the Digital Bazaar check: npm ci in tests/js");
        eprintln!("SKIP: tests/js/node_modules missing (npm ci in tests/js); eddsa-jcs-2022 not compared");
        return None;
    }
    Some(std::process::Command::new("node").arg(root().join("tests/js/jcs.mjs")).args(args).output().expect("node"))
}

/// eddsa-jcs-2022 (JSON Canonicalization Scheme instead of RDFC-1.0): a credential signed
/// by the Digital Bazaar cryptosuite verifies with us, one signed by us verifies there, and
/// both verifiers refuse the same tampered copies.
#[tokio::test]
async fn eddsa_jcs_2022_proofs_verify_both_ways_with_the_digital_bazaar_suite() {
    use base64::Engine;
    use microcred::crypto::jcs;
    let seed = [7u8; 32];
    let secret = ed25519_dalek::SigningKey::from_bytes(&seed);
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwk: JWK = serde_json::from_value(
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&secret.verifying_key().to_bytes()), "d": b64(&seed)}),
    )
    .expect("jwk");
    let did = ssi::dids::DIDKey::generate(&jwk).expect("did").to_string();
    let vm = ssi::dids::DIDKey::generate_url(&jwk).expect("vm").to_string();
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:2f8b8d3e-6c1a-4f0e-9a55-2b1d1e0c7a12",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork",
        "issuer": {"id": did, "type": ["Profile"], "name": "Example Academy"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
            "id": "urn:uuid:0d7a1c56-3a8e-4b5f-8e2c-9f4a6b7c8d91", "type": ["Achievement"], "name": "Teamwork",
            "description": "Works well in a team.", "criteria": {"narrative": "Completed the team project."}}}
    });
    let tamper = |c: &Value| {
        let mut t = c.clone();
        t["credentialSubject"]["achievement"]["name"] = "Leadership".into();
        t
    };
    // Ours.
    let options = json!({"type": "DataIntegrityProof", "cryptosuite": jcs::CRYPTOSUITE, "created": "2025-06-01T00:00:00Z",
        "verificationMethod": vm, "proofPurpose": "assertionMethod", "@context": credential["@context"]});
    let ours = jcs::sign(&credential, options.as_object().expect("object").clone(), &secret).expect("sign");
    let r = verify(&ours.to_string()).await;
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(codes(&verify(&tamper(&ours).to_string()).await), ["signature.invalid"]);
    let mut wrong_suite = ours.clone();
    wrong_suite["proof"]["cryptosuite"] = "eddsa-rdfc-2022".into();
    assert!(!verify(&wrong_suite.to_string()).await.valid, "a JCS signature is not an RDFC one");

    let dir = tempfile::tempdir().expect("dir");
    let path = |n: &str| dir.path().join(n);
    std::fs::write(path("unsigned.json"), credential.to_string()).expect("write");
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    let Some(out) =
        jcs_js(&["sign".as_ref(), hex.as_ref(), path("unsigned.json").as_os_str(), "2025-06-01T00:00:00Z".as_ref()])
    else {
        return;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs: Value = serde_json::from_slice(&out.stdout).expect("signed credential");
    assert_eq!(theirs["proof"]["cryptosuite"], "eddsa-jcs-2022");
    let r = verify(&theirs.to_string()).await;
    assert!(r.valid, "the Digital Bazaar signature: {:?}", r.errors);
    assert_eq!(codes(&verify(&tamper(&theirs).to_string()).await), ["signature.invalid"]);

    for (name, doc) in [("ours", &ours), ("ours-tampered", &tamper(&ours)), ("theirs-tampered", &tamper(&theirs))] {
        std::fs::write(path(name), doc.to_string()).expect("write");
    }
    let out = jcs_js(&[
        "verify".as_ref(),
        "--now".as_ref(),
        "2025-09-01T00:00:00Z".as_ref(),
        path("ours").as_os_str(),
        path("ours-tampered").as_os_str(),
        path("theirs-tampered").as_os_str(),
    ])
    .expect("node modules present");
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines.len(), 3, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(lines[0]["verified"], true, "{}", lines[0]);
    assert_eq!(lines[1]["verified"], false, "{}", lines[1]);
    assert_eq!(lines[2]["verified"], false, "{}", lines[2]);
}

/// An Open Badge on VC 1.1 as a VC-JWT the 1.1 way: the credential in the `vc` claim and
/// the registered claims standing for its issuer, id, dates and subject (filled in where
/// the credential leaves them out); a claim that contradicts the credential is refused,
/// and the signature covers both.
#[tokio::test]
async fn a_vc_1_1_jwt_with_a_vc_claim_verifies_and_its_claims_must_agree() {
    let secret = JWK::generate_ed25519().expect("jwk");
    let did = ssi::dids::DIDKey::generate(&secret).expect("did").to_string();
    let vm = ssi::dids::DIDKey::generate_url(&secret).expect("vm").to_string();
    let vc = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"],
        "id": "urn:uuid:2f8b8d3e-6c1a-4f0e-9a55-2b1d1e0c7a13",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork",
        "issuer": {"id": did, "type": ["Profile"], "name": "Example Academy"},
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
            "id": "urn:uuid:0d7a1c56-3a8e-4b5f-8e2c-9f4a6b7c8d92", "type": ["Achievement"], "name": "Teamwork",
            "description": "Works well in a team.", "criteria": {"narrative": "Completed the team project."}}}
    });
    let sign = |payload: Value| {
        let header = Header {
            algorithm: ssi::jwk::Algorithm::EdDSA,
            key_id: Some(vm.clone()),
            type_: Some("JWT".into()),
            ..Default::default()
        };
        ssi::claims::jws::encode_sign_custom_header(&payload.to_string(), &secret, &header).expect("sign")
    };
    let nbf = 1_735_689_600; // 2025-01-01T00:00:00Z
    let full = sign(json!({"iss": did, "jti": vc["id"], "nbf": nbf, "vc": vc}));
    let r = verify(&full).await;
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.issuer.as_deref(), Some(did.as_str()));

    // The 1.1 decoding: members the claims stand for may be left out of `vc`.
    let mut bare = vc.clone();
    bare.as_object_mut().expect("object").remove("id");
    bare.as_object_mut().expect("object").remove("issuanceDate");
    let r = verify(&sign(json!({"iss": did, "jti": vc["id"], "nbf": nbf, "vc": bare}))).await;
    assert!(r.valid, "members from the claims: {:?}", r.errors);

    for (claim, value) in
        [("jti", json!("urn:uuid:00000000-0000-4000-8000-000000000000")), ("nbf", json!(nbf + 86_400))]
    {
        let mut payload = json!({"iss": did, "jti": vc["id"], "nbf": nbf, "vc": vc});
        payload[claim] = value;
        assert_eq!(codes(&verify(&sign(payload)).await), ["jwt.claims_mismatch"], "{claim}");
    }
    // Issue 26: a past bound inside the `vc` claim counts, whichever data model defines
    // it: VC 1.1's `expirationDate`, and `validUntil` (the same IRI in the v1 context).
    for (bound, code) in [
        ("validUntil", "validity.expired"),
        ("expirationDate", "validity.expired"),
        ("validFrom", "validity.not_yet_valid"),
    ] {
        let mut dated = vc.clone();
        dated[bound] = if code == "validity.expired" { "2025-06-01T00:00:00Z" } else { "2099-01-01T00:00:00Z" }.into();
        let r = verify(&sign(json!({"iss": did, "jti": vc["id"], "nbf": nbf, "vc": dated}))).await;
        assert!(codes(&r).contains(&code.to_owned()), "{bound}: {:?}", r.errors);
    }
    // Tampered after signing.
    use base64::Engine;
    let b64 = base64::prelude::BASE64_URL_SAFE_NO_PAD;
    let parts: Vec<&str> = full.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&b64.decode(parts[1]).expect("b64")).expect("json");
    payload["vc"]["credentialSubject"]["achievement"]["name"] = "Leadership".into();
    let tampered = format!("{}.{}.{}", parts[0], b64.encode(payload.to_string()), parts[2]);
    assert_eq!(codes(&verify(&tampered).await), ["signature.invalid"]);
}

/// A credential as the Digital Credentials Consortium issues it: VC 1.1, an
/// Ed25519Signature2020 proof and a `StatusList2021Entry` whose list is a VC 1.1
/// `StatusList2021Credential` (no expiry, `encodedList` without a multibase prefix). It
/// verifies with its status checked; revoked in the list, it is revoked; a document that is
/// not a `StatusList2021Credential`, or a list signed by someone else, leaves the status
/// unknown.
#[tokio::test]
async fn a_vc_1_1_credential_with_a_status_list_2021_entry_has_its_status_checked() {
    use microcred::status::bitstring::Bitstring;
    use microcred::status::check::{GivenStatusLists, NoStatusLists};
    use microcred::verify::{VerifyContext, verify_text_with};
    let secret = JWK::generate_ed25519().expect("jwk");
    let did = ssi::dids::DIDKey::generate(&secret).expect("did").to_string();
    let list_url = "https://issuer.example/status/3";
    let ctx = [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://w3id.org/vc/status-list/2021/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    ];
    let credential = json!({
        "@context": ctx,
        "id": "urn:uuid:2f8b8d3e-6c1a-4f0e-9a55-2b1d1e0c7a14",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork",
        "issuer": {"id": did, "type": ["Profile"], "name": "Example Academy"},
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialStatus": {"id": format!("{list_url}#94567"), "type": "StatusList2021Entry",
            "statusPurpose": "revocation", "statusListIndex": "94567", "statusListCredential": list_url},
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
            "id": "urn:uuid:0d7a1c56-3a8e-4b5f-8e2c-9f4a6b7c8d93", "type": ["Achievement"], "name": "Teamwork",
            "description": "Works well in a team.", "criteria": {"narrative": "Completed the team project."}}}
    });
    let vc = sign_2020(&credential, &secret).await;
    let list = |revoked: bool, signer: &JWK, kind: &str| {
        let mut bits = Bitstring::zeroed(131_072);
        bits.set(94567, revoked).expect("in range");
        let encoded = bits.encode();
        let issuer = ssi::dids::DIDKey::generate(signer).expect("did").to_string();
        json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/vc/status-list/2021/v1",
                "https://w3id.org/security/suites/ed25519-2020/v1"],
            "id": list_url,
            "type": ["VerifiableCredential", kind],
            "issuer": issuer,
            "issuanceDate": "2025-01-01T00:00:00Z",
            "credentialSubject": {"id": format!("{list_url}#list"), "type": "StatusList2021",
                "statusPurpose": "revocation", "encodedList": encoded.strip_prefix('u').unwrap_or(&encoded)}
        })
    };
    let (resolver, clock) = (Resolver::new(), fixture_clock());
    let check = |doc: Value| {
        let (resolver, clock, vc) = (&resolver, &clock, vc.to_string());
        async move {
            let lists = GivenStatusLists {
                lists: std::collections::HashMap::from([(list_url.to_owned(), doc)]),
                fallback: Box::new(NoStatusLists),
            };
            let ctx = VerifyContext { status: &lists, ..VerifyContext::offline(resolver, clock) };
            verify_text_with(&vc, ctx).await
        }
    };
    let r = check(sign_2020(&list(false, &secret, "StatusList2021Credential"), &secret).await).await;
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.checks.get("status"), Some(&microcred::verify::CheckStatus::Passed));
    let r = check(sign_2020(&list(true, &secret, "StatusList2021Credential"), &secret).await).await;
    assert_eq!(codes(&r), ["status.revoked"]);
    let r = check(sign_2020(&list(true, &secret, "StatusList2021"), &secret).await).await;
    assert_eq!(codes(&r), ["status.unknown"], "not a list credential");
    let mallory = JWK::generate_ed25519().expect("jwk");
    let r = check(sign_2020(&list(false, &mallory, "StatusList2021Credential"), &mallory).await).await;
    assert_eq!(codes(&r), ["status.unknown"], "someone else's list");
}
