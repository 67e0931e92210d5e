//! Batch issuance through the API: many awards of one registered achievement (or many
//! inline records) in one request, all or nothing, even across a crash.
//!
//! A request is admitted (one batch at a time per process) before its body is read, so
//! concurrent batch requests cannot hold more than one body in memory. Every award is
//! validated first (in parallel); if any breaks a rule, the answer lists the violations
//! with their pointers into the request and nothing is issued. Then a `pending` batch row
//! is stored, the credentials are signed on all cores in chunks, each chunk stored in one
//! transaction (status slots reserved in bulk) under that batch, and one `UPDATE` commits
//! the batch: only then are its credentials visible (share page, API, status changes).
//! If storing fails half-way or the client leaves, the batch is removed; if the process
//! dies, the janitor removes it once its heartbeat is older than [`BATCH_LEASE`] (at the
//! next start-up or sooner). Status indexes of a removed batch are never handed out
//! again. With `Idempotency-Key`, a repeated request answers the committed batch; a
//! batch can be looked up by id. The body is kept as raw JSON slices, parsed one award
//! at a time, so memory follows the chunk size and the body size, not the number of
//! credentials (see BENCHMARKS.md).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use tokio::sync::OwnedSemaphorePermit;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::credentials::{check_idempotency_key, new_public_id, unknown_field};
use super::issuer_check::check_institution;
use super::{ServiceError, Services};
use crate::crypto::keys::IssuerKey;
use crate::domain::report::{FORMAT_RULE, Finding};
use crate::domain::{ValidationReport, parse_record};
use crate::issuance::{Format, IssueOptions, issue_record_both};
use crate::store::{BatchRow, BatchStart, CredentialRow};

/// Awards signed and stored per step.
pub const CHUNK: usize = 512;
/// Findings listed in a refusal at most (the total is always given).
pub const MAX_LISTED: usize = 1000;
/// A running batch renews its heartbeat this often (and with every chunk it stores).
pub const HEARTBEAT: Duration = Duration::from_secs(3);
/// A pending batch whose heartbeat is older than this belongs to a stopped node: the
/// janitor removes it with its credentials, and so does a request that sends its
/// `Idempotency-Key` again.
pub const BATCH_LEASE: Duration = Duration::from_secs(15);

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
    /// The batch id (`GET /api/v1/batches/{id}`).
    pub id: String,
    /// `true` when an earlier request with the same `Idempotency-Key` issued it.
    pub replayed: bool,
    /// `false` while the batch is still being issued (look-ups only).
    pub committed: bool,
    /// When it was committed.
    pub committed_at: Option<String>,
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

/// Waits for this process's batch slot. Take it before reading the request body, so
/// that waiting requests hold no body in memory.
pub async fn admit(s: &Services) -> Result<OwnedSemaphorePermit, ServiceError> {
    s.batches.clone().acquire_owned().await.map_err(|_| ServiceError::Internal("batch gate closed".into()))
}

/// Issues a batch for institution `slug` from the raw request body, holding the slot
/// from [`admit`].
pub async fn issue_batch(
    s: &Services,
    slug: &str,
    body: Bytes,
    idempotency_key: Option<&str>,
    permit: OwnedSemaphorePermit,
) -> Result<BatchOutcome, ServiceError> {
    if let Some(k) = idempotency_key {
        check_idempotency_key(k)?;
    }
    let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
    let (s2, slug2, flag) = (s.clone(), slug.to_owned(), cancel.0.clone());
    let key = idempotency_key.map(str::to_owned);
    let rt = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let out = run(&s2, &slug2, &body, key.as_deref(), &rt, &flag);
        // The body goes before the slot: the next batch's body is read only then.
        drop(body);
        drop(permit);
        out
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("batch task failed: {e}")))?
}

/// A batch of institution `slug`, with its credentials once committed.
pub async fn lookup(s: &Services, slug: &str, id: &str) -> Result<BatchOutcome, ServiceError> {
    let row = s.store.get_batch(slug, id).await?.ok_or_else(|| {
        ServiceError::NotFound(format!("batch '{}' of this institution", id.chars().take(40).collect::<String>()))
    })?;
    outcome_of(s, &row, false).await
}

async fn outcome_of(s: &Services, row: &BatchRow, replayed: bool) -> Result<BatchOutcome, ServiceError> {
    let items = if row.committed {
        s.store
            .batch_items(&row.id)
            .await?
            .into_iter()
            .map(|(index, public_id, credential_id)| BatchItem {
                index: usize::try_from(index).unwrap_or_default(),
                public_id,
                credential_id,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(BatchOutcome {
        id: row.id.clone(),
        replayed,
        committed: row.committed,
        committed_at: row.committed_at.clone(),
        format: if row.format == "jwt" { Format::Jwt } else { Format::Ldp },
        achievement_id: row.achievement_id.clone(),
        items,
        warnings: Vec::new(),
        warning_count: usize::try_from(row.warning_count).unwrap_or_default(),
    })
}

/// Removes a pending batch whose node stopped sending heartbeats (it crashed half-way),
/// so that the client's retry with the same key can issue it; `true` if removed.
async fn removed_if_stale(s: &Services, seen: &BatchRow) -> Result<bool, ServiceError> {
    if seen.committed {
        return Ok(false);
    }
    let before = s.clock.now() - chrono::Duration::from_std(BATCH_LEASE).unwrap_or(chrono::Duration::MAX);
    let removed =
        s.store.remove_stale_batch(&seen.id, &before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).await?;
    if removed {
        tracing::info!(batch = %seen.id, "removed an unfinished batch of a stopped node for its retry");
    }
    Ok(removed)
}

/// The answer to a repeated `Idempotency-Key`: the committed batch, or why not.
async fn replay(s: &Services, seen: &BatchRow, hash: &str) -> Result<BatchOutcome, ServiceError> {
    if seen.request_hash.as_deref() != Some(hash) {
        return Err(ServiceError::Conflict(
            "this Idempotency-Key was already used with a different request body; use a new key for a new batch".into(),
        ));
    }
    if !seen.committed {
        return Err(ServiceError::Conflict(format!(
            "the batch {} with this Idempotency-Key is still being issued; send the request again when it is done",
            seen.id
        )));
    }
    outcome_of(s, seen, true).await
}

/// Tells the worker to stop (and undo) when the request is dropped (timeout, client gone).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The whole batch, on a blocking thread (database calls go through `rt`).
fn run(
    s: &Services,
    slug: &str,
    body: &[u8],
    idempotency_key: Option<&str>,
    rt: &Handle,
    cancel: &AtomicBool,
) -> Result<BatchOutcome, ServiceError> {
    let hash = hex::encode(Sha256::digest(body));
    if let Some(k) = idempotency_key
        && let Some(seen) = rt.block_on(s.store.find_batch_by_key(slug, k))?
        && !rt.block_on(removed_if_stale(s, &seen))?
    {
        return rt.block_on(replay(s, &seen, &hash));
    }
    let env = rt.block_on(read_envelope(s, slug, body))?;
    let (institutions, warnings, warning_count) = validate_all(&env, s)?;
    for institution in &institutions {
        rt.block_on(check_institution(s, slug, institution))?;
    }
    let snapshot = rt.block_on(s.directory.snapshot())?;
    let key = snapshot.issuing(slug)?.active.clone();
    let now = || s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let batch = BatchRow {
        id: new_public_id(),
        slug: slug.to_owned(),
        committed: false,
        format: env.format.as_str().into(),
        achievement_id: env.definition.as_ref().map(|(id, _)| id.clone()),
        item_count: env.items.len() as i64,
        warning_count: 0,
        idem_key: idempotency_key.map(str::to_owned),
        request_hash: Some(hash.clone()),
        created_at: now(),
        committed_at: None,
    };
    if let BatchStart::KeyTaken(seen) = rt.block_on(s.store.start_batch(&batch, &now()))? {
        // Another request holds the key: the same batch, or one whose node died.
        if !rt.block_on(removed_if_stale(s, &seen))? {
            return rt.block_on(replay(s, &seen, &hash));
        }
        if let BatchStart::KeyTaken(seen) = rt.block_on(s.store.start_batch(&batch, &now()))? {
            return rt.block_on(replay(s, &seen, &hash));
        }
    }
    // While the batch runs, its heartbeat tells other nodes' janitors it is alive.
    let heartbeat = {
        let (store, clock, id) = (s.store.clone(), s.clock.clone(), batch.id.clone());
        AbortOnDrop(rt.spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            tick.tick().await;
            loop {
                tick.tick().await;
                let at = clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                if let Err(e) = store.batch_heartbeat(&id, &at).await {
                    tracing::warn!(error = %e, batch = %id, "could not renew a batch's heartbeat");
                }
            }
        }))
    };
    let mut items: Vec<BatchItem> = Vec::with_capacity(env.items.len());
    let mut result = sign_and_store(s, slug, &batch.id, &env, &key, rt, cancel, &mut items);
    drop(heartbeat);
    let committed_at = now();
    if result.is_ok() {
        result = match rt.block_on(s.store.commit_batch(&batch.id, warning_count as i64, &committed_at)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ServiceError::Internal(format!(
                "batch {} was removed before it could be committed (no heartbeat for {} s)",
                batch.id,
                BATCH_LEASE.as_secs()
            ))),
            Err(e) => Err(e.into()),
        };
    }
    if let Err(e) = result {
        match rt.block_on(s.store.abandon_batch(&batch.id)) {
            Ok(n) => tracing::info!(batch = %batch.id, removed = n, "removed the credentials of an unfinished batch"),
            Err(undo) => tracing::error!(
                error = %undo,
                batch = %batch.id,
                "could not remove an unfinished batch; it stays invisible and the janitor will remove it"
            ),
        }
        return Err(e);
    }
    let achievement_id = env.definition.map(|(id, _)| id);
    Ok(BatchOutcome {
        id: batch.id,
        replayed: false,
        committed: true,
        committed_at: Some(committed_at),
        format: env.format,
        achievement_id,
        items,
        warnings,
        warning_count,
    })
}

/// Stops a background task when dropped (a batch's heartbeat, the janitor).
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[allow(clippy::too_many_arguments)]
fn sign_and_store(
    s: &Services,
    slug: &str,
    batch_id: &str,
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
            // As in the CLI's batches: one generator seeded by the system per piece of work.
            .map_init(StdRng::from_entropy, |rng, (i, slot)| {
                let value = env.record(i).map_err(ServiceError::BadRequest)?;
                let (record, warnings) = parse_record(&value, s.clock.as_ref()).map_err(ServiceError::Invalid)?;
                let options = IssueOptions {
                    format: env.format,
                    context_base_url: Some(s.settings.context_base_url().to_owned()),
                    credential_status: Some(slot.credential_status),
                    ..Default::default()
                };
                let issued = futures_executor::block_on(issue_record_both(
                    &record,
                    warnings,
                    key,
                    s.clock.as_ref(),
                    rng,
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
        let at = s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        rt.block_on(s.store.insert_batch_credentials(batch_id, start as i64, &rows, &at))?;
        items.extend(rows.into_iter().enumerate().map(|(i, row)| BatchItem {
            index: start + i,
            public_id: row.public_id,
            credential_id: row.credential_id,
        }));
        start = end;
    }
    Ok(())
}
