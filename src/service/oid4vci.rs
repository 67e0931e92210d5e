//! OpenID for Verifiable Credential Issuance 1.0, issuer side, pre-authorized code flow
//! (<https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html>), with the
//! draft-13 credential request beside it for wallets of that generation
//! (<https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0-13.html>): offers
//! for an award (single-use code, expiry, optional PIN), the token, nonce and credential
//! endpoints, and the metadata. The credential is signed at request time with the
//! holder's DID as `credentialSubject.id`, recorded and status-listed like any other.

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use chrono::{Duration, SecondsFormat};
use rand::{Rng, RngCore};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::credentials::{IssueOutcome, Prepared, issue_prepared, new_public_id, prepare};
use super::{ServiceError, Services};
use crate::domain::parse_record;
use crate::issuance::Format;
use crate::jsonld::contexts::{CREDENTIALS_V2_URL, OB_V3P0_URL};
use crate::store::{OfferRow, Redeemed};

/// Grant type of the pre-authorized code flow.
pub const PRE_AUTH_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// Configuration id of the Data Integrity credential.
pub const LDP_CONFIG: &str = "OpenBadgeCredential_ldp_vc";
/// Configuration id of the VC-JWT credential.
pub const JWT_CONFIG: &str = "OpenBadgeCredential_jwt_vc_json";
/// Proof JWT `typ`.
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";

/// An OAuth/OID4VCI error response (`{"error", "error_description"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// HTTP status.
    pub status: u16,
    /// Spec error code (`invalid_grant`, `invalid_proof`, …).
    pub error: &'static str,
    /// For a human.
    pub description: String,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self { status, error, description: description.into() }
    }
    fn grant(d: impl Into<String>) -> Self {
        Self::new(400, "invalid_grant", d)
    }
    fn proof(d: impl Into<String>) -> Self {
        Self::new(400, "invalid_proof", d)
    }
}

impl From<ServiceError> for OAuthError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(r) => {
                let first = r.errors.first().map(|f| format!("{} {}", f.code, f.message)).unwrap_or_default();
                Self::new(400, "invalid_credential_request", format!("the award no longer passes the rules: {first}"))
            }
            ServiceError::Store(crate::store::StoreError::Unavailable(_)) => {
                Self::new(503, "temporarily_unavailable", "the database is unavailable")
            }
            ServiceError::Store(crate::store::StoreError::NulInText(_)) => {
                Self::new(400, "invalid_request", "the request holds a NUL character, which no value may contain")
            }
            other => {
                tracing::error!(error = %other, "OID4VCI credential request failed");
                Self::new(500, "server_error", "the credential could not be issued; try again later")
            }
        }
    }
}

fn now_str(s: &Services) -> String {
    s.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn later(s: &Services, secs: u64) -> String {
    (s.clock.now() + Duration::seconds(secs as i64)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    BASE64_URL_SAFE_NO_PAD.encode(b)
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The credential issuer identifier (the base URL).
pub fn issuer_id(s: &Services) -> String {
    s.settings.base_url().to_owned()
}

fn display() -> Value {
    json!([
        {"name": "Vlaamse microcredentials", "locale": "nl", "description": "Microcredentials van het Vlaamse hoger onderwijs"},
        {"name": "Flemish microcredentials", "locale": "en", "description": "Microcredentials of Flemish higher education"},
    ])
}

fn credential_display(s: &Services) -> Value {
    let logo = s.url("/static/logo.svg");
    json!([
        {"name": "Microcredential", "locale": "nl", "logo": {"uri": logo, "alt_text": "Microcredential-logo"}, "background_color": "#1d3557", "text_color": "#ffffff"},
        {"name": "Microcredential", "locale": "en", "logo": {"uri": logo, "alt_text": "Microcredential logo"}, "background_color": "#1d3557", "text_color": "#ffffff"},
    ])
}

/// Credential issuer metadata (`/.well-known/openid-credential-issuer`).
pub fn issuer_metadata(s: &Services) -> Value {
    let types = json!(["VerifiableCredential", "OpenBadgeCredential"]);
    let binding = json!(["did:key", "did:jwk", "jwk"]);
    let proofs = json!({"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}});
    let issuer = issuer_id(s);
    json!({
        "credential_issuer": issuer,
        "credential_endpoint": s.url("/oid4vci/credential"),
        "nonce_endpoint": s.url("/oid4vci/nonce"),
        "display": display(),
        "credential_configurations_supported": {
            LDP_CONFIG: {
                "format": "ldp_vc",
                "scope": "OpenBadgeCredential",
                "credential_definition": {"@context": [CREDENTIALS_V2_URL, OB_V3P0_URL, s.settings.extension_context_url()], "type": types},
                "cryptographic_binding_methods_supported": binding,
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "proof_types_supported": proofs,
                "credential_metadata": {"display": credential_display(s)},
                "display": credential_display(s),
            },
            JWT_CONFIG: {
                "format": "jwt_vc_json",
                "scope": "OpenBadgeCredential",
                "credential_definition": {"type": types},
                "cryptographic_binding_methods_supported": binding,
                "credential_signing_alg_values_supported": ["EdDSA"],
                "proof_types_supported": proofs,
                "credential_metadata": {"display": credential_display(s)},
                "display": credential_display(s),
            },
        },
    })
}

/// OAuth authorization server metadata (`/.well-known/oauth-authorization-server`).
pub fn authorization_server_metadata(s: &Services) -> Value {
    json!({
        "issuer": issuer_id(s),
        "token_endpoint": s.url("/oid4vci/token"),
        "grant_types_supported": [PRE_AUTH_GRANT],
        "pre-authorized_grant_anonymous_access_supported": true,
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
    })
}

/// A created offer.
#[derive(Clone)]
pub struct CreatedOffer {
    /// The stored offer.
    pub row: OfferRow,
    /// The credential offer object.
    pub offer: Value,
    /// `openid-credential-offer://?credential_offer_uri=…`.
    pub offer_uri: String,
    /// The PIN to deliver out of band (shown once).
    pub tx_code: Option<String>,
}

impl std::fmt::Debug for CreatedOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedOffer")
            .field("row", &self.row)
            .field("tx_code", &self.tx_code.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// The `openid-credential-offer://` URI of an offer.
pub fn offer_uri(s: &Services, id: &str) -> String {
    let by_ref: String =
        url::form_urlencoded::byte_serialize(s.url(&format!("/oid4vci/offers/{id}")).as_bytes()).collect();
    format!("openid-credential-offer://?credential_offer_uri={by_ref}")
}

/// The credential offer object of a stored offer.
pub fn offer_object(s: &Services, row: &OfferRow) -> Value {
    let mut grant = Map::new();
    if let Some(code) = &row.pre_auth_code {
        grant.insert("pre-authorized_code".into(), code.clone().into());
    }
    if row.tx_code_hash.is_some() {
        grant.insert(
            "tx_code".into(),
            json!({"length": 6, "input_mode": "numeric", "description": "Voer de pincode in die u van uw instelling ontving / Enter the PIN your institution sent you"}),
        );
    }
    json!({
        "credential_issuer": issuer_id(s),
        "credential_configuration_ids": [row.configuration_id],
        "grants": {PRE_AUTH_GRANT: grant},
    })
}

/// Creates an offer for an award: the body is that of issuance (`{achievement_id, award}`
/// or an inline record, `format`), plus `tx_code` (default `true`: a 6-digit PIN).
pub async fn create_offer(s: &Services, slug: &str, body: &Value) -> Result<CreatedOffer, ServiceError> {
    let prepared = prepare(s, slug, body).await?;
    let (record, _) = parse_record(&prepared.record, s.clock.as_ref()).map_err(ServiceError::Invalid)?;
    super::issuer_check::check_institution(s, slug, record.microcredential.institution.id).await?;
    let with_pin = match body.get("tx_code") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ServiceError::BadRequest("tx_code must be true or false".into())),
    };
    let tx_code = with_pin.then(|| format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000)));
    let row = OfferRow {
        id: random_token(16),
        slug: slug.to_owned(),
        achievement_id: prepared.achievement_id.clone(),
        record: serde_json::to_string(&prepared.record).map_err(|e| ServiceError::Internal(e.to_string()))?,
        configuration_id: if prepared.format == Format::Jwt { JWT_CONFIG } else { LDP_CONFIG }.into(),
        pre_auth_code: Some(random_token(32)),
        tx_code_hash: tx_code.as_deref().map(sha256),
        tx_attempts: 0,
        created_at: now_str(s),
        expires_at: later(s, s.settings.oid4vci.offer_ttl_seconds),
        code_used_at: None,
        token_hash: None,
        token_expires_at: None,
        public_id: None,
    };
    s.store.insert_offer(&row).await?;
    Ok(CreatedOffer { offer: offer_object(s, &row), offer_uri: offer_uri(s, &row.id), tx_code, row })
}

/// The offer behind a credential_offer_uri; expired offers are gone.
pub async fn offer_for_wallet(s: &Services, id: &str) -> Result<Value, ServiceError> {
    let row = s
        .store
        .get_offer(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("offer '{}'", id.chars().take(40).collect::<String>())))?;
    if row.expires_at <= now_str(s) {
        return Err(ServiceError::NotFound("offer (it expired)".into()));
    }
    Ok(offer_object(s, &row))
}

/// The token endpoint (pre-authorized code grant).
pub async fn token(s: &Services, form: &std::collections::HashMap<String, String>) -> Result<Value, OAuthError> {
    match form.get("grant_type").map(String::as_str) {
        Some(PRE_AUTH_GRANT) => {}
        Some(other) => {
            return Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                format!("grant_type '{}' is not supported", other.chars().take(60).collect::<String>()),
            ));
        }
        None => return Err(OAuthError::new(400, "invalid_request", "grant_type is required")),
    }
    let code = form
        .get("pre-authorized_code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OAuthError::new(400, "invalid_request", "pre-authorized_code is required"))?;
    let token = random_token(32);
    let expires = s.settings.oid4vci.token_ttl_seconds;
    let redeemed = s
        .store
        .redeem_offer_code(
            code,
            // `user_pin` is the name before draft 13 (some wallets still send both).
            form.get("tx_code").or_else(|| form.get("user_pin")).map(|t| sha256(t)).as_deref(),
            &now_str(s),
            &sha256(&token),
            &later(s, expires),
            s.settings.oid4vci.max_tx_code_attempts,
        )
        .await
        .map_err(ServiceError::from)?;
    match redeemed {
        Redeemed::Ok(_) => {
            // Draft-13 wallets take their first `c_nonce` from the token response (1.0
            // wallets ask the nonce endpoint and ignore these two members).
            let c_nonce = fresh_nonce(s).await?;
            Ok(json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": expires,
                "c_nonce": c_nonce,
                "c_nonce_expires_in": s.settings.oid4vci.nonce_ttl_seconds,
            }))
        }
        Redeemed::Unknown => Err(OAuthError::grant("the pre-authorized code is not valid")),
        Redeemed::Used => Err(OAuthError::grant("the pre-authorized code was already used")),
        Redeemed::Expired => Err(OAuthError::grant("the offer has expired; ask your institution for a new one")),
        Redeemed::TxCodeMissing => {
            Err(OAuthError::new(400, "invalid_request", "this offer needs the transaction code (PIN) you received"))
        }
        Redeemed::WrongTxCode => Err(OAuthError::grant("the transaction code (PIN) is wrong")),
    }
}

/// A new `c_nonce`: self-validating (see [`super::nonce`]), so handing it out stores nothing.
async fn fresh_nonce(s: &Services) -> Result<String, OAuthError> {
    let ttl = s.settings.oid4vci.nonce_ttl_seconds;
    let expires = s.clock.now() + Duration::seconds(ttl.min(86_400 * 365) as i64);
    Ok(s.nonces.issue(expires))
}

/// Uses a nonce once: `false` if it is not ours, expired, or used before.
async fn use_nonce(s: &Services, nonce: &str) -> Result<bool, OAuthError> {
    match s.nonces.check(nonce, s.clock.now()) {
        Ok(expires) => Ok(s
            .store
            .use_nonce(nonce, &expires.to_rfc3339_opts(SecondsFormat::Secs, true))
            .await
            .map_err(ServiceError::from)?),
        Err(_) => Ok(false),
    }
}

/// The nonce endpoint.
pub async fn nonce(s: &Services) -> Result<Value, OAuthError> {
    Ok(json!({"c_nonce": fresh_nonce(s).await?}))
}

/// Which generation of the specification a credential request follows, told by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RequestShape {
    /// OpenID4VCI 1.0 (and drafts 14–15): `credential_configuration_id`; the proof's
    /// `nonce` is required (the issuer has a nonce endpoint, §8.2).
    V1,
    /// Draft 13: `format` + `credential_definition`; the proof's `nonce` is OPTIONAL and
    /// "MUST be present when the Wallet received a server-provided c_nonce" (§7.2.1.1),
    /// which the issuer cannot tell apart, so a proof without one is accepted (the offer
    /// still yields one credential only; the proof's audience and age are checked).
    Draft13,
}

/// The configuration a credential request asks for, and the request's shape.
fn requested_configuration(body: &Value, offered: &str) -> Result<RequestShape, OAuthError> {
    if let Some(id) = body.get("credential_configuration_id") {
        let id = id.as_str().ok_or_else(|| {
            OAuthError::new(400, "invalid_credential_request", "credential_configuration_id must be a string")
        })?;
        if id != offered {
            return Err(OAuthError::new(
                400,
                "unknown_credential_configuration",
                format!("this offer is for {offered}"),
            ));
        }
        return Ok(RequestShape::V1);
    }
    let Some(format) = body.get("format") else {
        return Err(OAuthError::new(
            400,
            "invalid_credential_request",
            "credential_configuration_id is required (or, as in draft 13, format and credential_definition)",
        ));
    };
    let config = match format.as_str() {
        Some("ldp_vc") => LDP_CONFIG,
        Some("jwt_vc_json") => JWT_CONFIG,
        _ => {
            return Err(OAuthError::new(400, "unsupported_credential_format", "format must be ldp_vc or jwt_vc_json"));
        }
    };
    if config != offered {
        return Err(OAuthError::new(
            400,
            "unsupported_credential_format",
            format!("this offer is for {offered}, not format {}", format.as_str().unwrap_or_default()),
        ));
    }
    let types = body
        .pointer("/credential_definition/type")
        .and_then(Value::as_array)
        .ok_or_else(|| OAuthError::new(400, "invalid_credential_request", "credential_definition.type is required"))?;
    if !types.iter().any(|t| t == "OpenBadgeCredential") {
        return Err(OAuthError::new(
            400,
            "unsupported_credential_type",
            "credential_definition.type must include OpenBadgeCredential",
        ));
    }
    Ok(RequestShape::Draft13)
}

/// The credential endpoint: checks the access token and the key proof, then issues the
/// offer's credential to the holder's DID.
pub async fn credential(s: &Services, bearer: Option<&str>, body: &Value) -> Result<Value, OAuthError> {
    let token = bearer
        .ok_or_else(|| OAuthError::new(401, "invalid_token", "send the access token as Authorization: Bearer"))?;
    let offer = s
        .store
        .offer_by_token(&sha256(token))
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(|| OAuthError::new(401, "invalid_token", "the access token is not valid"))?;
    if offer.token_expires_at.as_deref().is_none_or(|t| t <= now_str(s).as_str()) {
        return Err(OAuthError::new(401, "invalid_token", "the access token has expired"));
    }
    let shape = requested_configuration(body, &offer.configuration_id)?;
    let jwt = proof_jwt(body)?;
    let holder = super::proof_of_possession::verify(jwt, &issuer_id(s), s.clock.now()).map_err(OAuthError::proof)?;
    let nonce_needed = shape == RequestShape::V1 || !holder.nonce.is_empty();
    if nonce_needed && !use_nonce(s, &holder.nonce).await? {
        return Err(match shape {
            RequestShape::V1 => OAuthError::new(
                400,
                "invalid_nonce",
                "the nonce is unknown, used or expired; get a fresh one from the nonce endpoint",
            ),
            // Draft 13 has no `invalid_nonce`: a proof not bound to our nonce is invalid.
            RequestShape::Draft13 => {
                OAuthError::proof("the proof nonce is unknown, used or expired; use the c_nonce of the token response")
            }
        });
    }
    let public_id = new_public_id();
    if !s.store.claim_offer(&offer.id, &public_id).await.map_err(ServiceError::from)? {
        return Err(OAuthError::new(
            400,
            "invalid_credential_request",
            "the credential of this offer was already issued",
        ));
    }
    let mut record: Value = serde_json::from_str(&offer.record).map_err(|e| ServiceError::Internal(e.to_string()))?;
    record["award"]["learner"]["learner_id"] = holder.did.clone().into();
    let format = if offer.configuration_id == JWT_CONFIG { Format::Jwt } else { Format::Ldp };
    let prepared = Prepared { record, achievement_id: offer.achievement_id.clone(), format };
    let issued = issue_prepared(s, &offer.slug, &prepared, &public_id, None).await;
    let (row, _, _) = match issued {
        Ok(x) => x,
        Err(e) => {
            return Err(e.into());
        }
    };
    let outcome = IssueOutcome { row, replayed: false, warnings: Default::default() };
    tracing::info!(slug = %offer.slug, public_id = %outcome.row.public_id, "credential issued over OpenID4VCI");
    let credential = if format == Format::Jwt {
        Value::String(outcome.row.jwt.clone())
    } else {
        serde_json::from_str(&outcome.row.ldp).map_err(|e| ServiceError::Internal(e.to_string()))?
    };
    Ok(match shape {
        RequestShape::V1 => json!({"credentials": [{"credential": credential}]}),
        // Draft 13 §7.3: one `credential`, and a fresh `c_nonce` for a later request.
        RequestShape::Draft13 => json!({
            "credential": credential,
            "c_nonce": fresh_nonce(s).await?,
            "c_nonce_expires_in": s.settings.oid4vci.nonce_ttl_seconds,
        }),
    })
}

/// The proof JWT of a credential request (`proofs.jwt[0]`, or the older `proof.jwt`).
fn proof_jwt(body: &Value) -> Result<&str, OAuthError> {
    if let Some(proofs) = body.get("proofs") {
        let list = proofs
            .get("jwt")
            .and_then(Value::as_array)
            .ok_or_else(|| OAuthError::proof("proofs must have a jwt list"))?;
        return match list.as_slice() {
            [one] => one.as_str().ok_or_else(|| OAuthError::proof("the proof must be a JWT string")),
            [] => Err(OAuthError::proof("no proof JWT given")),
            _ => Err(OAuthError::new(
                400,
                "invalid_credential_request",
                "one proof per request: this offer is for one credential",
            )),
        };
    }
    if let Some(p) = body.get("proof") {
        if p.get("proof_type").and_then(Value::as_str) != Some("jwt") {
            return Err(OAuthError::proof("proof_type must be jwt"));
        }
        return p.get("jwt").and_then(Value::as_str).ok_or_else(|| OAuthError::proof("proof.jwt is missing"));
    }
    Err(OAuthError::proof("a key proof is required: proofs.jwt"))
}
