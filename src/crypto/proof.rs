//! Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite
//! (<https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022>): RDFC-1.0 canonicalisation of
//! the document and the proof configuration, SHA-256, Ed25519. The JSON-LD work is
//! done by `ssi` with our offline loader; the key is resolved by us beforehand, so
//! resolution failures and signature failures stay distinct.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use ssi::JWK;
use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrity, DataIntegrityDocument, ProofOptions};
use ssi::claims::{SignatureEnvironment, VerificationParameters};
use ssi::json_ld::iref::IriBuf;
use ssi::verification_methods::{AnyMethod, SingleSecretSigner};

use crate::jsonld::{self, JsonLdProblem};

/// The cryptosuite name.
pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// Signing failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The key cannot make this kind of proof.
    #[error("{0}")]
    WrongKey(String),
    /// The document's JSON-LD is not acceptable (undefined terms, unknown contexts…).
    #[error(transparent)]
    JsonLd(#[from] JsonLdProblem),
    /// Anything else from the signing library.
    #[error("signing failed: {0}")]
    Other(String),
}

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofFailure {
    /// No usable proof.
    #[error("{0}")]
    Malformed(String),
    /// The JSON-LD could not be processed.
    #[error(transparent)]
    JsonLd(#[from] JsonLdProblem),
    /// The signature does not match the content and key.
    #[error(
        "the signature does not match: the credential was changed after signing, or it was not signed by the key its proof names"
    )]
    BadSignature,
}

/// A verification method as ssi wants it (a Multikey).
fn multikey_method(vm_id: &str, controller: &str, public: &JWK) -> Result<AnyMethod, String> {
    let mb = super::did::ed25519_multibase(public).ok_or("eddsa-rdfc-2022 needs an Ed25519 key")?;
    serde_json::from_value(json!({"id": vm_id, "type": "Multikey", "controller": controller, "publicKeyMultibase": mb}))
        .map_err(|e| e.to_string())
}

fn method_map(vm_id: &str, controller: &str, public: &JWK) -> Result<HashMap<IriBuf, AnyMethod>, String> {
    let iri = IriBuf::new(vm_id.to_owned()).map_err(|e| format!("verification method id is not an IRI: {e}"))?;
    Ok(HashMap::from([(iri, multikey_method(vm_id, controller, public)?)]))
}

/// Formats a proof timestamp (whole seconds, `Z`).
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Signs `doc` (without `proof`) and returns the proof object.
pub async fn sign(
    doc: &Value,
    secret: &JWK,
    vm_id: &str,
    controller: &str,
    created: DateTime<Utc>,
) -> Result<Value, SignError> {
    let methods = method_map(vm_id, controller, secret).map_err(SignError::WrongKey)?;
    let unsecured: DataIntegrityDocument =
        serde_json::from_value(doc.clone()).map_err(|e| SignError::Other(format!("not a JSON-LD document: {e}")))?;
    let mut options = ProofOptions::from_method(
        IriBuf::new(vm_id.to_owned()).map_err(|e| SignError::WrongKey(e.to_string()))?.into(),
    );
    options.created = Some(timestamp(created).parse().map_err(|e| SignError::Other(format!("{e:?}")))?);
    let signer = SingleSecretSigner::new(secret.clone()).into_local();
    let env = SignatureEnvironment { json_ld_loader: jsonld::loader(), eip712_loader: () };
    let signed = AnySuite::EdDsaRdfc2022
        .sign_with(env, unsecured, &methods, &signer, options, Default::default())
        .await
        .map_err(|e| {
            let msg = e.to_string();
            if msg.contains("expansion") || msg.contains("context") || msg.contains("Key `") {
                SignError::JsonLd(jsonld::classify(&msg))
            } else {
                SignError::Other(msg)
            }
        })?;
    let proofs = serde_json::to_value(&signed.proofs).map_err(|e| SignError::Other(e.to_string()))?;
    match proofs {
        Value::Array(mut a) if a.len() == 1 => Ok(a.remove(0)),
        Value::Object(o) => Ok(Value::Object(o)),
        other => Err(SignError::Other(format!("unexpected proof shape {other}"))),
    }
}

/// Verifies the single eddsa-rdfc-2022 proof of `doc` (with `proof`) against a key
/// already resolved by the caller.
pub async fn verify(doc: &Value, vm_id: &str, controller: &str, public: &JWK) -> Result<(), ProofFailure> {
    let methods = method_map(vm_id, controller, public).map_err(ProofFailure::Malformed)?;
    let text = serde_json::to_string(doc).map_err(|e| ProofFailure::Malformed(e.to_string()))?;
    let secured: DataIntegrity<DataIntegrityDocument, AnySuite> = ssi::claims::data_integrity::from_json_str(&text)
        .map_err(|e| ProofFailure::Malformed(format!("the proof cannot be read: {e}")))?;
    let params = VerificationParameters::from_resolver(&methods).with_json_ld_loader(jsonld::loader());
    match secured.verify(&params).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_invalid)) => Err(ProofFailure::BadSignature),
        Err(e) => {
            let msg = e.to_string();
            if msg.contains("expansion") || msg.contains("Key `") || msg.contains("context") {
                Err(ProofFailure::JsonLd(jsonld::classify(&msg)))
            } else if msg.to_lowercase().contains("signature") || msg.contains("multibase") || msg.contains("decod") {
                Err(ProofFailure::BadSignature)
            } else {
                Err(ProofFailure::Malformed(msg))
            }
        }
    }
}
