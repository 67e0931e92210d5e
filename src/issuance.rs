//! The one issuance path, shared by the CLI and the HTTP service: record → validated
//! [`Record`] → OB 3.0 credential → JSON Schema and JSON-LD checks → signature.
//! Nothing malformed is ever signed: a credential that fails the 1EdTech schema, our
//! extension schema or JSON-LD safe mode is refused with the reason.

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde_json::Value;

use crate::clock::Clock;
use crate::crypto::keys::{IssuerKey, KeyAlg};
use crate::crypto::{jwt, proof};
use crate::domain::{Record, ValidationReport, parse_record};
use crate::fastld;
use crate::jsonld::{self, JsonLdProblem};
use crate::ob3::OpenBadgeCredential;
use crate::ob3::mapping::{MappingInputs, to_credential};
use crate::schema::{self, SchemaViolation};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON with an embedded Data Integrity proof (eddsa-rdfc-2022).
    #[default]
    Ldp,
    /// OB 3.0 VC-JWT (compact JWS).
    Jwt,
}

impl Format {
    /// The name used on the command line and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ldp => "ldp",
            Self::Jwt => "jwt",
        }
    }
}

/// Per-issuance options.
#[derive(Debug, Clone, Default)]
pub struct IssueOptions {
    /// Output format.
    pub format: Format,
    /// Optional expiry (`validUntil`, JWT `exp`).
    pub valid_until: Option<DateTime<Utc>>,
    /// `credentialStatus` to embed (set by the service when it keeps status lists).
    pub credential_status: Option<Value>,
    /// Use this credential id instead of a random `urn:uuid:`.
    pub credential_id: Option<String>,
    /// Name our extension context and schema under this base URL (a deployment's
    /// `server.context_base_url`, see [`crate::config::Settings::context_base_url`])
    /// instead of `https://w3id.org`. It must serve both, byte for byte.
    pub context_base_url: Option<String>,
}

/// A signed credential.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The credential id.
    pub id: String,
    /// The format.
    pub format: Format,
    /// The credential JSON (with `proof` for ldp; the JWT payload's credential for jwt).
    pub credential: Value,
    /// The compact JWT, for jwt.
    pub jwt: Option<String>,
    /// Validation warnings of the record.
    pub warnings: ValidationReport,
}

impl Issued {
    /// What to hand out: the JSON text (ldp) or the compact token (jwt).
    pub fn to_wire(&self) -> String {
        match (self.format, &self.jwt) {
            (Format::Jwt, Some(t)) => t.clone(),
            _ => crate::wire::json(&self.credential),
        }
    }

    /// [`Issued::to_wire`] and the record's warnings, without copying a token.
    pub fn into_wire(mut self) -> (String, ValidationReport) {
        let wire = match self.jwt.take() {
            Some(token) if self.format == Format::Jwt => token,
            // Without its token, `to_wire` writes the JSON.
            _ => self.to_wire(),
        };
        (wire, self.warnings)
    }
}

/// Why nothing was issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The record breaks the rules; the report lists every problem.
    #[error("the record is not a valid microcredential ({} error(s))", .0.errors.len())]
    Invalid(ValidationReport),
    /// The credential would not pass a JSON Schema (a mapping bug: refused, not signed).
    #[error("refused to sign: the credential fails the JSON Schema: {}", describe(.0))]
    Schema(Vec<SchemaViolation>),
    /// The credential's JSON-LD is not acceptable (refused, not signed).
    #[error("refused to sign: {0}")]
    JsonLd(JsonLdProblem),
    /// The key cannot sign in this format.
    #[error("{0}")]
    Key(String),
    /// The signing library failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

fn describe(v: &[SchemaViolation]) -> String {
    v.iter().take(5).map(|e| format!("{} {}", e.path, e.message)).collect::<Vec<_>>().join("; ")
}

/// Source of credential ids and salts (random in production, seeded in tests).
pub trait IdSource: Send {
    /// A fresh `urn:uuid:` (version 4).
    fn credential_id(&mut self) -> String;
    /// A fresh salt for the e-mail hash (128 bits, hex).
    fn salt(&mut self) -> String;
}

impl<R: RngCore + Send> IdSource for R {
    fn credential_id(&mut self) -> String {
        let mut b = [0u8; 16];
        self.fill_bytes(&mut b);
        format!("urn:uuid:{}", uuid::Builder::from_random_bytes(b).into_uuid())
    }
    fn salt(&mut self) -> String {
        let mut b = [0u8; 16];
        self.fill_bytes(&mut b);
        hex::encode(b)
    }
}

/// Validates a raw record and issues it.
pub async fn issue(
    record: &Value,
    key: &IssuerKey,
    clock: &dyn Clock,
    ids: &mut dyn IdSource,
    options: &IssueOptions,
) -> Result<Issued, IssueError> {
    let (record, warnings) = parse_record(record, clock).map_err(IssueError::Invalid)?;
    issue_record(&record, warnings, key, clock, ids, options).await
}

/// Builds the unsigned credential JSON of a validated record and checks it.
pub async fn build_checked(
    record: &Record,
    key: &IssuerKey,
    ids: &mut dyn IdSource,
    options: &IssueOptions,
) -> Result<Value, IssueError> {
    build(record, key, ids, options).map(|(_, json)| json)
}

/// [`build_checked`], with the typed credential the JSON was written from.
fn build(
    record: &Record,
    key: &IssuerKey,
    ids: &mut dyn IdSource,
    options: &IssueOptions,
) -> Result<(OpenBadgeCredential, Value), IssueError> {
    let inputs = MappingInputs {
        issuer_id: key.did().to_owned(),
        credential_id: options.credential_id.clone().unwrap_or_else(|| ids.credential_id()),
        email_salt: ids.salt(),
        valid_until: options.valid_until,
    };
    let mut credential = to_credential(record, &inputs);
    credential.credential_status = options.credential_status.clone();
    if let Some(base) = options.context_base_url.as_deref().map(|b| b.trim_end_matches('/')) {
        let context_url = format!("{base}{}", crate::jsonld::contexts::MICROCRED_V1_PATH);
        if crate::jsonld::contexts::canonical(&context_url).is_none() {
            crate::jsonld::contexts::add_alias(&context_url, crate::jsonld::contexts::MICROCRED_V1_URL);
        }
        crate::ob3::mapping::publish_extension_under(&mut credential, &context_url, base);
    }
    let json = serde_json::to_value(&credential).map_err(|e| IssueError::Signing(e.to_string()))?;
    let violations = schema::check(&json, true);
    if !violations.is_empty() {
        return Err(IssueError::Schema(violations));
    }
    jsonld::check_contexts(&json).map_err(IssueError::JsonLd)?;
    Ok((credential, json))
}

/// Issues an already validated record.
pub async fn issue_record(
    record: &Record,
    warnings: ValidationReport,
    key: &IssuerKey,
    clock: &dyn Clock,
    ids: &mut dyn IdSource,
    options: &IssueOptions,
) -> Result<Issued, IssueError> {
    // `json` is written from `typed`, so the fast paths can start from the typed
    // credential instead of reading the JSON back (`fastld::as_ours`).
    let (typed, mut json) = build(record, key, ids, options)?;
    let id = json.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    match options.format {
        Format::Ldp => {
            if key.alg() != KeyAlg::Ed25519 {
                return Err(IssueError::Key(
                    "eddsa-rdfc-2022 proofs need an Ed25519 key; use --format jwt for an RSA (RS256) key".into(),
                ));
            }
            let proof = proof::sign_typed(&typed, &json, key, clock.now()).await.map_err(|e| match e {
                proof::SignError::JsonLd(p) => IssueError::JsonLd(p),
                other => IssueError::Signing(other.to_string()),
            })?;
            if let Value::Object(o) = &mut json {
                // The 1EdTech schema wants `proof` as an array.
                o.insert("proof".into(), Value::Array(vec![proof]));
            }
            Ok(Issued { id, format: Format::Ldp, credential: json, jwt: None, warnings })
        }
        Format::Jwt => {
            // Every member of a credential the fast path can write is a defined term
            // (what `check_terms` decides through `fastld::covers` for any document).
            if fastld::emit::check(&typed).is_err() {
                jsonld::check_terms(&json).await.map_err(IssueError::JsonLd)?;
            }
            let Value::Object(map) = &json else {
                return Err(IssueError::Signing("credential is not an object".into()));
            };
            let token = jwt::sign(map, key).map_err(|e| IssueError::Signing(e.to_string()))?;
            Ok(Issued { id, format: Format::Jwt, credential: json, jwt: Some(token), warnings })
        }
    }
}

/// Issues a validated record in both representations of the same credential: JSON with
/// an eddsa-rdfc-2022 proof, and the OB 3.0 VC-JWT (`Issued::jwt`). `options.format` only
/// says which one [`Issued::to_wire`] returns. The key must be Ed25519.
pub async fn issue_record_both(
    record: &Record,
    warnings: ValidationReport,
    key: &IssuerKey,
    clock: &dyn Clock,
    ids: &mut dyn IdSource,
    options: &IssueOptions,
) -> Result<Issued, IssueError> {
    let ldp_options = IssueOptions { format: Format::Ldp, ..options.clone() };
    let mut issued = issue_record(record, warnings, key, clock, ids, &ldp_options).await?;
    let Value::Object(mut unsigned) = issued.credential.clone() else {
        return Err(IssueError::Signing("credential is not an object".into()));
    };
    unsigned.remove("proof");
    issued.jwt = Some(jwt::sign(&unsigned, key).map_err(|e| IssueError::Signing(e.to_string()))?);
    issued.format = options.format;
    Ok(issued)
}
