//! Issuing through the service: from a registered definition plus an award, or from an
//! inline record; idempotent with `Idempotency-Key`; stored durably in both
//! representations (Data Integrity JSON and VC-JWT) before the caller hears of it.

use std::collections::BTreeMap;

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::issuer_check::check_institution;
use super::{ServiceError, Services};
use crate::domain::report::{FORMAT_RULE, Finding};
use crate::domain::{ValidationReport, parse_record};
use crate::issuance::{Format, IssueOptions, issue_record_both};
use crate::store::{CredentialRow, IdempotencyRow, InsertOutcome};

/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The result of an issuance request.
#[derive(Debug, Clone)]
pub struct IssueOutcome {
    /// The stored credential.
    pub row: CredentialRow,
    /// `true` when an earlier request with the same idempotency key produced it.
    pub replayed: bool,
    /// Warnings of the record.
    pub warnings: ValidationReport,
}

/// 128 random bits, base64url: the credential's unguessable public id. Ids starting with
/// `-` or `_` are drawn again, so an id never looks like an option on a command line
/// (`microcred revoke -K…` would be refused by the argument parser); that costs well under
/// a tenth of a bit of the 128.
pub fn new_public_id() -> String {
    loop {
        let mut b = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut b);
        let id = BASE64_URL_SAFE_NO_PAD.encode(b);
        if id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return id;
        }
    }
}

/// Whether a public id has the shape we hand out (so junk never reaches the database).
pub fn is_public_id(s: &str) -> bool {
    s.len() == 22 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let m: BTreeMap<&String, Value> = o.iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(m.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// SHA-256 of the body with object keys sorted, so reordered JSON is the same request.
pub fn request_hash(body: &Value) -> String {
    hex::encode(Sha256::digest(sorted(body).to_string().as_bytes()))
}

/// The finding for a member `key` of a request body that is none of `allowed`; `what`
/// names the body ("with achievement_id the body", "a batch").
pub(crate) fn unknown_field(key: &str, allowed: &[&str], what: &str) -> Finding {
    Finding {
        rule: FORMAT_RULE.into(),
        code: "format.unknown_field".into(),
        path: format!("/{}", crate::domain::report::escape_token(key)),
        message: format!(
            "Unknown field '{}'; {what} has: {}.",
            key.chars().take(60).collect::<String>(),
            allowed.join(", ")
        ),
    }
}

fn unknown_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ServiceError> {
    let errors: Vec<Finding> = body
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| unknown_field(k, allowed, "with achievement_id the body"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(ValidationReport { valid: false, errors, warnings: vec![] }))
    }
}

/// A request body read: the record to issue, the definition it came from, the format.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The record JSON (pointers in findings refer into the request body).
    pub record: Value,
    /// The definition it awards, if any.
    pub achievement_id: Option<String>,
    /// The format the caller wants back.
    pub format: Format,
}

/// Reads an issuance body: `{"achievement_id", "award", "format"?}` or an inline record
/// `{"microcredential", "award", "format"?}`.
pub async fn prepare(s: &Services, slug: &str, body: &Value) -> Result<Prepared, ServiceError> {
    let Value::Object(map) = body else {
        return Err(ServiceError::BadRequest(
            "the body must be a JSON object: {\"achievement_id\", \"award\"} or an inline record".into(),
        ));
    };
    let format = match map.get("format") {
        None | Some(Value::Null) => Format::Ldp,
        Some(Value::String(f)) if f == "ldp" => Format::Ldp,
        Some(Value::String(f)) if f == "jwt" => Format::Jwt,
        Some(other) => {
            return Err(ServiceError::BadRequest(format!("format must be \"ldp\" or \"jwt\", not {other}")));
        }
    };
    let (record, achievement_id) = match map.get("achievement_id") {
        Some(id) => {
            unknown_fields(map, &["achievement_id", "award", "format", "tx_code"])?;
            let id = id.as_str().ok_or_else(|| ServiceError::BadRequest("achievement_id must be a string".into()))?;
            let def = super::achievements::definition(s, slug, id).await?;
            (
                json!({"microcredential": def.json.clone(), "award": map.get("award").cloned().unwrap_or(Value::Null)}),
                Some(def.row.id.clone()),
            )
        }
        None => {
            let mut record = map.clone();
            record.remove("format");
            record.remove("tx_code");
            (Value::Object(record), None)
        }
    };
    Ok(Prepared { record, achievement_id, format })
}

/// Refuses an `Idempotency-Key` that is empty, too long or not visible ASCII.
pub fn check_idempotency_key(k: &str) -> Result<(), ServiceError> {
    if k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServiceError::BadRequest(format!(
            "Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} visible ASCII characters"
        )));
    }
    Ok(())
}

/// Issues a credential for institution `slug` from a request body (see [`prepare`]).
pub async fn issue(
    s: &Services,
    slug: &str,
    body: &Value,
    idempotency_key: Option<&str>,
) -> Result<IssueOutcome, ServiceError> {
    if let Some(k) = idempotency_key {
        check_idempotency_key(k)?;
    }
    let hash = request_hash(body);
    if let Some(k) = idempotency_key
        && let Some(seen) = s.store.find_idempotency(slug, k).await?
    {
        return replay(s, &seen, &hash).await;
    }
    let prepared = prepare(s, slug, body).await?;
    let public_id = new_public_id();
    let idem = idempotency_key.map(|k| IdempotencyRow {
        slug: slug.to_owned(),
        key: k.to_owned(),
        request_hash: hash.clone(),
        public_id: public_id.clone(),
        created_at: s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    match issue_prepared(s, slug, &prepared, &public_id, idem.as_ref()).await? {
        (row, InsertOutcome::Inserted, warnings) => Ok(IssueOutcome { row, replayed: false, warnings }),
        (_, InsertOutcome::KeyTaken(seen), _) => replay(s, &seen, &hash).await,
    }
}

/// Validates, signs (both representations, with a status entry) and stores a prepared
/// record under `public_id`.
pub async fn issue_prepared(
    s: &Services,
    slug: &str,
    prepared: &Prepared,
    public_id: &str,
    idem: Option<&IdempotencyRow>,
) -> Result<(CredentialRow, InsertOutcome, ValidationReport), ServiceError> {
    let (record, warnings) = parse_record(&prepared.record, s.clock.as_ref()).map_err(ServiceError::Invalid)?;
    check_institution(s, slug, record.microcredential.institution.id).await?;
    let snapshot = s.directory.snapshot().await?;
    let entry = snapshot.issuing(slug)?;
    let key = entry.active.clone();
    let clock = s.clock.clone();
    let slot = super::status::assign(s, slug).await?;
    let options = IssueOptions {
        format: prepared.format,
        context_base_url: Some(s.settings.context_base_url().to_owned()),
        credential_status: Some(slot.credential_status.clone()),
        ..Default::default()
    };
    // Canonicalisation and signing are CPU-bound: keep them off the async workers.
    let issued = crate::cpu::run(move |_| {
        let mut rng = rand::rngs::OsRng;
        futures_executor::block_on(issue_record_both(&record, warnings, &key, clock.as_ref(), &mut rng, &options))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("signing task failed: {e}")))??;
    let row = CredentialRow {
        public_id: public_id.to_owned(),
        credential_id: issued.id.clone(),
        slug: slug.to_owned(),
        achievement_id: prepared.achievement_id.clone(),
        format: prepared.format.as_str().into(),
        ldp: serde_json::to_string(&issued.credential).map_err(|e| ServiceError::Internal(e.to_string()))?,
        jwt: issued.jwt.clone().unwrap_or_default(),
        issued_at: s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        status_list: Some(slot.list_no),
        status_index: Some(slot.index),
        suspendable: slot.suspendable,
        status: "active".into(),
        status_changed_at: None,
        status_reason: None,
    };
    let outcome = s.store.insert_credential(&row, idem).await?;
    Ok((row, outcome, issued.warnings))
}

async fn replay(s: &Services, seen: &IdempotencyRow, hash: &str) -> Result<IssueOutcome, ServiceError> {
    if seen.request_hash != hash {
        return Err(ServiceError::Conflict(
            "this Idempotency-Key was already used with a different request body; use a new key for a new request"
                .into(),
        ));
    }
    let row = s
        .store
        .get_credential(&seen.public_id)
        .await?
        .ok_or_else(|| ServiceError::Internal("idempotent credential vanished".into()))?;
    Ok(IssueOutcome { row, replayed: true, warnings: ValidationReport { valid: true, ..Default::default() } })
}

/// A credential of an institution, for its API. Another institution's credential is
/// "not found", so its existence is not revealed.
pub async fn get_own(s: &Services, slug: &str, public_id: &str) -> Result<CredentialRow, ServiceError> {
    let row = get_public(s, public_id).await?;
    if row.slug != slug {
        return Err(ServiceError::NotFound(format!("credential '{public_id}' of this institution")));
    }
    Ok(row)
}

/// A credential by public id, for anyone.
pub async fn get_public(s: &Services, public_id: &str) -> Result<CredentialRow, ServiceError> {
    if !is_public_id(public_id) {
        return Err(ServiceError::NotFound(format!("credential '{}'", public_id.chars().take(40).collect::<String>())));
    }
    s.store.get_credential(public_id).await?.ok_or_else(|| ServiceError::NotFound(format!("credential '{public_id}'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_are_22_characters_and_never_start_like_an_option() {
        let ids: Vec<String> = (0..10_000).map(|_| new_public_id()).collect();
        assert!(ids.iter().all(|id| is_public_id(id)));
        assert!(ids.iter().all(|id| id.starts_with(|c: char| c.is_ascii_alphanumeric())));
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }
}
