//! Hostile input has a bounded cost: a credential whose blank nodes make RDFC-1.0
//! canonicalisation factorially expensive is refused with `verification.too_complex`
//! (422) instead of holding a CPU for minutes; normal credentials are unaffected.

use serde_json::{Value, json};

use crate::helpers::*;

/// `n` Achievement blank nodes, each `related` to all the others: the N-degree hashing
/// of RDFC-1.0 tries (n-1)! orders per node. A did:key proof (its value does not matter:
/// the cost is in canonicalising before the signature can be checked).
pub fn hostile_credential(n: usize) -> Value {
    let key = microcred::crypto::keys::IssuerKey::generate(microcred::crypto::keys::KeyAlg::Ed25519).unwrap();
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let related: Vec<Value> = (0..n).filter(|j| *j != i).map(|j| json!({"id": format!("_:a{j}")})).collect();
            json!({"id": format!("_:a{i}"), "type": ["Achievement"], "name": "x", "related": related})
        })
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": key.did(),
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "x",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": nodes},
        "proof": [{
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2025-01-01T00:00:00Z",
            "verificationMethod": key.verification_method(),
            "proofPurpose": "assertionMethod",
            "proofValue": "z3u81phh43fGiq2gu24bhD4Pf4qHGBkaRyG6qTCUTBcKFVqr2438XZStyLbZo5hxpopLcZLU3Ana79wbaS5qRWz7a"
        }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factorially_expensive_credential_is_refused_as_too_complex_everywhere() {
    let app = spawn_app().await;
    for n in [8, 10] {
        let c = hostile_credential(n);
        let r = app.post_json("/api/v1/verify", None, &c).await;
        assert_eq!(r.status(), 422, "n={n}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["type"], "https://w3id.org/microcred/problems/verification.too_complex", "{body}");
        let r = app.post_json("/credentials/verify", None, &json!({"verifiableCredential": c})).await;
        assert_eq!(r.status(), 422);
        let form: String =
            url::form_urlencoded::Serializer::new(String::new()).append_pair("credential", &c.to_string()).finish();
        let r = app
            .client
            .post(app.url("/verify?lang=en"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Not verifiable"));
    }
    // A small one (3 look-alike nodes) is canonicalised as usual: only the fake signature fails.
    let report: Value = app.post_json("/api/v1/verify", None, &hostile_credential(3)).await.json().await.unwrap();
    let codes: Vec<&str> = report["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"signature.invalid"), "{report}");
}
