//! Batch issuance through the API: many awards of one registered achievement (or many
//! inline records) in one request, all or nothing.
//!
//! Every award is validated first (in parallel); if any breaks a rule, the answer lists
//! every violation with its pointer into the request and nothing is issued. Then the
//! credentials are signed on all cores in chunks, each chunk stored in one transaction
//! with status slots reserved in bulk. If storing fails half-way, the chunks already
//! stored are deleted again: none of them was ever returned to the caller. The body is
//! kept as raw JSON slices, parsed one award at a time, so memory follows the chunk size
//! and the body size, not the number of credentials (see BENCHMARKS.md).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use tokio::runtime::Handle;

use rayon::prelude::*;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::credentials::{new_public_id, unknown_field};
use super::issuer_check::check_institution;
use super::{ServiceError, Services};
use crate::crypto::keys::IssuerKey;
use crate::domain::report::{FORMAT_RULE, Finding};
use crate::domain::{ValidationReport, parse_record};
use crate::issuance::{Format, IssueOptions, issue_record_both};
use crate::store::CredentialRow;

/// Awards signed and stored per step.
pub const CHUNK: usize = 512;
/// Findings listed in a refusal at most (the total is always given).
pub const MAX_LISTED: usize = 1000;

/// One credential of a batch.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// Position of the award in the request.
    pub index: usize,
    /// Public id (share URL, API).
    pub public_id: String,
    /// The credential's `id`.
    pub credential_id: String,
}

/// What a batch issued.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    /// The format each credential is returned in by default.
    pub format: Format,
    /// The achievement awarded, when the batch named one.
    pub achievement_id: Option<String>,
    /// The credentials, in request order.
    pub items: Vec<BatchItem>,
    /// Warnings, with pointers into the request (at most [`MAX_LISTED`]).
    pub warnings: Vec<Finding>,
    /// Number of warnings in all.
    pub warning_count: usize,
}

/// The request, read: the awards stay raw JSON slices of the body.
struct Envelope<'a> {
    format: Format,
    definition: Option<(String, Value)>,
    items: Vec<&'a RawValue>,
}

async fn read_envelope<'a>(s: &Services, slug: &str, body: &'a [u8]) -> Result<Envelope<'a>, ServiceError> {
    const ALLOWED: [&str; 4] = ["achievement_id", "awards", "records", "format"];
    let fields: HashMap<String, &'a RawValue> = serde_json::from_slice(body).map_err(|e| {
        ServiceError::BadRequest(format!(
            "the body must be a JSON object {{\"achievement_id\", \"awards\": [...]}} or {{\"records\": [...]}}: {e}"
        ))
    })?;
    let mut unknown: Vec<Finding> = fields
        .keys()
        .filter(|k| !ALLOWED.contains(&k.as_str()))
        .map(|k| unknown_field(k, &ALLOWED, "a batch"))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_by(|a, b| a.path.cmp(&b.path));
        return Err(ServiceError::Invalid(ValidationReport { valid: false, errors: unknown, warnings: vec![] }));
    }
    let format = match fields.get("format").map(|r| r.get()) {
        None | Some("null") | Some("\"ldp\"") => Format::Ldp,
        Some("\"jwt\"") => Format::Jwt,
        Some(other) => {
            return Err(ServiceError::BadRequest(format!(
                "format must be \"ldp\" or \"jwt\", not {}",
                other.chars().take(40).collect::<String>()
            )));
        }
    };
    let list = |name: &str| -> Result<Vec<&'a RawValue>, ServiceError> {
        let raw = fields.get(name).ok_or_else(|| ServiceError::BadRequest(format!("{name} is missing")))?;
        serde_json::from_str::<Vec<&'a RawValue>>(raw.get())
            .map_err(|_| ServiceError::BadRequest(format!("{name} must be an array")))
    };
    let (definition, items) = match (fields.get("achievement_id"), fields.contains_key("records")) {
        (Some(id), false) => {
            let id: String = serde_json::from_str(id.get())
                .map_err(|_| ServiceError::BadRequest("achievement_id must be a string".into()))?;
            let def = super::achievements::definition(s, slug, &id).await?;
            (Some((def.row.id.clone(), def.json.clone())), list("awards")?)
        }
        (None, true) if !fields.contains_key("awards") => (None, list("records")?),
        _ => {
            return Err(ServiceError::BadRequest(
                "send either {\"achievement_id\", \"awards\": [...]} (awards of a registered achievement) or \
                 {\"records\": [...]} (inline records), not both"
                    .into(),
            ));
        }
    };
    let max = s.settings.server.max_batch_awards;
    if items.is_empty() || items.len() > max {
        return Err(ServiceError::BadRequest(format!(
            "a batch has 1 to {max} awards, not {}; split larger batches",
            items.len()
        )));
    }
    Ok(Envelope { format, definition, items })
}

impl Envelope<'_> {
    /// The record of item `i` as JSON.
    fn record(&self, i: usize) -> Result<Value, String> {
        let item: Value = serde_json::from_str(self.items[i].get()).map_err(|e| e.to_string())?;
        Ok(match &self.definition {
            Some((_, def)) => json!({"microcredential": def, "award": item}),
            None => item,
        })
    }

    /// Where a finding of item `i` points in the request body.
    fn pointer(&self, i: usize, path: &str) -> String {
        match &self.definition {
            None => format!("/records/{i}{path}"),
            Some(_) => match path.strip_prefix("/award") {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/awards/{i}{rest}"),
                _ => format!("/awards/{i}"),
            },
        }
    }

    fn locate(&self, i: usize, mut f: Finding) -> Finding {
        if let (Some((id, _)), false) = (&self.definition, f.path.starts_with("/award")) {
            f.message = format!("achievement '{id}' at {}: {}", f.path, f.message);
        }
        f.path = self.pointer(i, &f.path);
        f
    }
}

/// Validates every item; returns the institutions they are awarded by, or every error.
fn validate_all(env: &Envelope<'_>, s: &Services) -> Result<(BTreeSet<String>, Vec<Finding>, usize), ServiceError> {
    let clock = s.clock.as_ref();
    let reports: Vec<Result<(String, ValidationReport), ValidationReport>> = (0..env.items.len())
        .into_par_iter()
        .map(|i| {
            let value = env.record(i).map_err(|e| ValidationReport {
                valid: false,
                errors: vec![Finding {
                    rule: FORMAT_RULE.into(),
                    code: "format.not_json".into(),
                    path: String::new(),
                    message: e,
                }],
                warnings: vec![],
            })?;
            parse_record(&value, clock).map(|(r, w)| (r.microcredential.institution.id.to_owned(), w))
        })
        .collect();
    let (mut errors, mut error_count) = (Vec::new(), 0usize);
    let (mut warnings, mut warning_count) = (Vec::new(), 0usize);
    let mut institutions = BTreeSet::new();
    for (i, r) in reports.into_iter().enumerate() {
        let (found, warned) = match r {
            Ok((institution, w)) => {
                institutions.insert(institution);
                (vec![], w.warnings)
            }
            Err(report) => (report.errors, report.warnings),
        };
        error_count += found.len();
        warning_count += warned.len();
        for f in found {
            if errors.len() < MAX_LISTED {
                errors.push(env.locate(i, f));
            }
        }
        for w in warned {
            if warnings.len() < MAX_LISTED {
                warnings.push(env.locate(i, w));
            }
        }
    }
    if error_count > 0 {
        if error_count > errors.len() {
            errors.push(Finding {
                rule: FORMAT_RULE.into(),
                code: "format.too_many_errors".into(),
                path: String::new(),
                message: format!("{} more violations not listed ({error_count} in all)", error_count - errors.len()),
            });
        }
        return Err(ServiceError::Invalid(ValidationReport { valid: false, errors, warnings }));
    }
    Ok((institutions, warnings, warning_count))
}

/// Issues a batch for institution `slug` from the raw request body.
pub async fn issue_batch(s: &Services, slug: &str, body: Bytes) -> Result<BatchOutcome, ServiceError> {
    // One batch at a time per process: a batch already uses every core.
    let _permit = s.batches.acquire().await.map_err(|_| ServiceError::Internal("batch gate closed".into()))?;
    let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
    let (s2, slug2, flag) = (s.clone(), slug.to_owned(), cancel.0.clone());
    let rt = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || run(&s2, &slug2, &body, &rt, &flag))
        .await
        .map_err(|e| ServiceError::Internal(format!("batch task failed: {e}")))?
}

/// Tells the worker to stop (and undo) when the request is dropped (timeout, client gone).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The whole batch, on a blocking thread (database calls go through `rt`).
fn run(s: &Services, slug: &str, body: &[u8], rt: &Handle, cancel: &AtomicBool) -> Result<BatchOutcome, ServiceError> {
    let env = rt.block_on(read_envelope(s, slug, body))?;
    let (institutions, warnings, warning_count) = validate_all(&env, s)?;
    for institution in &institutions {
        rt.block_on(check_institution(s, slug, institution))?;
    }
    let snapshot = rt.block_on(s.directory.snapshot())?;
    let key = snapshot
        .institutions
        .get(slug)
        .ok_or_else(|| ServiceError::Forbidden(format!("institution '{slug}' has no signing key")))?
        .active
        .clone();
    let mut items: Vec<BatchItem> = Vec::with_capacity(env.items.len());
    let result = sign_and_store(s, slug, &env, &key, rt, cancel, &mut items);
    if let Err(e) = result {
        if !items.is_empty() {
            let stored: Vec<String> = items.iter().map(|i| i.public_id.clone()).collect();
            if let Err(undo) = rt.block_on(s.store.delete_credentials(&stored)) {
                tracing::error!(error = %undo, count = stored.len(), "could not remove the credentials of a failed batch");
            }
        }
        return Err(e);
    }
    let achievement_id = env.definition.map(|(id, _)| id);
    Ok(BatchOutcome { format: env.format, achievement_id, items, warnings, warning_count })
}

fn sign_and_store(
    s: &Services,
    slug: &str,
    env: &Envelope<'_>,
    key: &IssuerKey,
    rt: &Handle,
    cancel: &AtomicBool,
    items: &mut Vec<BatchItem>,
) -> Result<(), ServiceError> {
    let n = env.items.len();
    let achievement_id = env.definition.as_ref().map(|(id, _)| id.clone());
    let mut start = 0;
    while start < n {
        if cancel.load(Ordering::Relaxed) {
            return Err(ServiceError::BadRequest("the request was abandoned before the batch was complete".into()));
        }
        let end = (start + CHUNK).min(n);
        let slots = rt.block_on(super::status::assign_many(s, slug, end - start))?;
        let issued_at = s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let rows: Vec<CredentialRow> = (start..end)
            .into_par_iter()
            .zip(slots.into_par_iter())
            .map(|(i, slot)| {
                let value = env.record(i).map_err(ServiceError::BadRequest)?;
                let (record, warnings) = parse_record(&value, s.clock.as_ref()).map_err(ServiceError::Invalid)?;
                let options = IssueOptions {
                    format: env.format,
                    credential_status: Some(slot.credential_status),
                    ..Default::default()
                };
                let mut rng = rand::rngs::OsRng;
                let issued = futures_executor::block_on(issue_record_both(
                    &record,
                    warnings,
                    key,
                    s.clock.as_ref(),
                    &mut rng,
                    &options,
                ))?;
                Ok(CredentialRow {
                    public_id: new_public_id(),
                    credential_id: issued.id.clone(),
                    slug: slug.to_owned(),
                    achievement_id: achievement_id.clone(),
                    format: env.format.as_str().into(),
                    ldp: serde_json::to_string(&issued.credential)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?,
                    jwt: issued.jwt.unwrap_or_default(),
                    issued_at: issued_at.clone(),
                    status_list: Some(slot.list_no),
                    status_index: Some(slot.index),
                    suspendable: slot.suspendable,
                    status: "active".into(),
                    status_changed_at: None,
                    status_reason: None,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        rt.block_on(s.store.insert_credentials(&rows))?;
        items.extend(rows.into_iter().enumerate().map(|(i, row)| BatchItem {
            index: start + i,
            public_id: row.public_id,
            credential_id: row.credential_id,
        }));
        start = end;
    }
    Ok(())
}
