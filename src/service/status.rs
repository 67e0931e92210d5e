//! Revocation and suspension for the service: random, never-reused status slots
//! reserved in batches, the entries new credentials carry, status list credentials
//! signed by the institution's key (re-signed only when a bit changed or the signed one
//! nears its end), status changes with an append-only audit log, and the status source
//! verification uses (our own lists from the store; others over HTTPS).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use rand::Rng;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::{ServiceError, Services};
use crate::crypto::proof;
use crate::status::bitstring::{Bitstring, LIST_SIZE};
use crate::status::check::{HttpStatusLists, ListDoc, StatusSource};
use crate::status::entry::{Purpose, entry_json, list_credential};
use crate::status::fetch::{FetchError, FetchPolicy};
use crate::store::{AuditRow, Selector, StatusAction, StatusChange, StatusChangeOutcome};

/// A list is closed for new slots at this fill (random probing stays cheap below it).
pub const MAX_FILL: i64 = (LIST_SIZE as i64) * 9 / 10;
/// Slots reserved per database round trip (reserved slots a restart leaves unused are
/// simply never handed out; lists have room to spare).
const BATCH: usize = 256;

/// Reserved but not yet used slots, per institution.
#[derive(Debug, Default)]
pub struct SlotPool {
    slots: Mutex<HashMap<String, Vec<(i64, i64)>>>,
}

/// A slot and the `credentialStatus` value for it.
#[derive(Debug, Clone)]
pub struct Assigned {
    /// List number.
    pub list_no: i64,
    /// Index.
    pub index: i64,
    /// `credentialStatus`: one revocation entry, or [revocation, suspension].
    pub credential_status: Value,
    /// Whether a suspension entry is included.
    pub suspendable: bool,
}

/// The URL of a status list.
pub fn list_url(s: &Services, slug: &str, purpose: Purpose, list_no: i64) -> String {
    s.url(&format!("/issuers/{slug}/status/{}/{list_no}", purpose.as_str()))
}

/// Takes a fresh slot for a new credential of `slug`.
pub async fn assign(s: &Services, slug: &str) -> Result<Assigned, ServiceError> {
    let (list_no, index) = take_slot(s, slug).await?;
    Ok(assigned(s, slug, list_no, index))
}

fn assigned(s: &Services, slug: &str, list_no: i64, index: i64) -> Assigned {
    let revocation = entry_json(&list_url(s, slug, Purpose::Revocation, list_no), Purpose::Revocation, index as usize);
    let suspendable = s.settings.status.suspension;
    let credential_status = if suspendable {
        Value::Array(vec![
            revocation,
            entry_json(&list_url(s, slug, Purpose::Suspension, list_no), Purpose::Suspension, index as usize),
        ])
    } else {
        revocation
    };
    Assigned { list_no, index, credential_status, suspendable }
}

/// Takes `n` fresh slots at once (a batch), reserved in a few database round trips.
pub async fn assign_many(s: &Services, slug: &str, n: usize) -> Result<Vec<Assigned>, ServiceError> {
    let empty = Bitstring::zeroed(LIST_SIZE).encode();
    let mut got: Vec<(i64, i64)> = Vec::with_capacity(n);
    for _ in 0..16 {
        if got.len() >= n {
            break;
        }
        let want = n - got.len();
        let candidates: Vec<i64> = {
            let mut rng = rand::thread_rng();
            (0..want * 2 + 16).map(|_| rng.gen_range(0..LIST_SIZE as i64)).collect()
        };
        got.extend(s.store.reserve_status_slots(slug, LIST_SIZE as i64, MAX_FILL, &candidates, want, &empty).await?);
    }
    if got.len() < n {
        return Err(ServiceError::Internal(format!("only {} of {n} status slots could be reserved", got.len())));
    }
    Ok(got.into_iter().map(|(list_no, index)| assigned(s, slug, list_no, index)).collect())
}

async fn take_slot(s: &Services, slug: &str) -> Result<(i64, i64), ServiceError> {
    let mut pool = s.slots.slots.lock().await;
    let free = pool.entry(slug.to_owned()).or_default();
    if free.is_empty() {
        let empty = Bitstring::zeroed(LIST_SIZE).encode();
        for _ in 0..8 {
            let candidates: Vec<i64> = {
                let mut rng = rand::thread_rng();
                (0..BATCH * 4).map(|_| rng.gen_range(0..LIST_SIZE as i64)).collect()
            };
            let mut got =
                s.store.reserve_status_slots(slug, LIST_SIZE as i64, MAX_FILL, &candidates, BATCH, &empty).await?;
            // Hand them out in random order, not in the order found.
            got.reverse();
            free.extend(got);
            if !free.is_empty() {
                break;
            }
        }
    }
    free.pop().ok_or_else(|| ServiceError::Internal("no free status slot could be reserved".into()))
}

/// A signed status list credential ready to serve, with its ETag.
#[derive(Debug, Clone)]
pub struct ServedList {
    /// The JSON text.
    pub body: String,
    /// Strong ETag (quoted).
    pub etag: String,
}

fn etag(body: &str) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(body.as_bytes()))[..32])
}

/// The signed status list credential at `/issuers/{slug}/status/{purpose}/{list_no}`,
/// re-signed only when a bit changed or the stored one ends within a quarter of its validity.
pub async fn served_list(s: &Services, slug: &str, purpose: Purpose, list_no: i64) -> Result<ServedList, ServiceError> {
    let row = s
        .store
        .get_status_list(slug, list_no, purpose.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("status list {slug}/{}/{list_no}", purpose.as_str())))?;
    let now = s.clock.now();
    let validity = chrono::Duration::hours(s.settings.status.list_validity_hours.max(1) as i64);
    let fresh = row.signed_version == Some(row.version)
        && row
            .signed_until
            .as_deref()
            .and_then(|u| chrono::DateTime::parse_from_rfc3339(u).ok())
            .is_some_and(|u| u.with_timezone(&chrono::Utc) - now > validity / 4);
    if let (true, Some(body)) = (fresh, row.signed.clone()) {
        return Ok(ServedList { etag: etag(&body), body });
    }
    let snapshot = s.directory.snapshot().await?;
    let entry =
        snapshot.institutions.get(slug).ok_or_else(|| ServiceError::NotFound(format!("institution '{slug}'")))?;
    let bits = Bitstring::decode(&row.bits).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let url = list_url(s, slug, purpose, list_no);
    let mut doc =
        list_credential(&url, &entry.did, purpose, &bits, now, validity, s.settings.status.ttl_seconds * 1000);
    let key = entry.active.clone();
    let unsigned = doc.clone();
    let p = crate::cpu::run(move |_| futures_executor::block_on(proof::sign(&unsigned, &key, now)))
        .await
        .map_err(|e| ServiceError::Internal(format!("signing task failed: {e}")))?
        .map_err(|e| ServiceError::Internal(format!("signing the status list failed: {e}")))?;
    doc["proof"] = p;
    let body = serde_json::to_string(&doc).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let until = doc["validUntil"].as_str().unwrap_or_default().to_owned();
    // If a bit changed meanwhile, this copy is not kept; the next request signs again.
    s.store.save_signed_status_list(slug, list_no, purpose.as_str(), row.version, &body, &until).await?;
    Ok(ServedList { etag: etag(&body), body })
}

/// Revokes, suspends or reinstates; one transaction, audited.
pub async fn change(
    s: &Services,
    slug: &str,
    selector: Selector,
    action: StatusAction,
    actor: &str,
    reason: Option<String>,
    bulk: bool,
) -> Result<StatusChangeOutcome, ServiceError> {
    if let Some(r) = &reason
        && r.chars().count() > 1000
    {
        return Err(ServiceError::BadRequest("reason is longer than 1000 characters".into()));
    }
    let change = StatusChange {
        slug: slug.to_owned(),
        selector,
        action,
        actor: actor.to_owned(),
        reason,
        at: s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        skip_done: bulk,
    };
    let out = s.store.change_status(&change).await.map_err(|e| match e {
        crate::store::StoreError::NotFound(m) => ServiceError::NotFound(m),
        crate::store::StoreError::Conflict(m) => ServiceError::Conflict(m),
        other => ServiceError::Store(other),
    })?;
    tracing::info!(
        slug,
        action = action.as_str(),
        changed = out.changed.len(),
        unchanged = out.unchanged.len(),
        actor,
        "status change"
    );
    Ok(out)
}

/// The audit log of an institution.
pub async fn audit(s: &Services, slug: &str, limit: i64, offset: i64) -> Result<Vec<AuditRow>, ServiceError> {
    Ok(s.store.list_audit(slug, limit.clamp(1, 1000), offset.max(0)).await?)
}

/// Status lists for verification: our own from the store, others over HTTPS.
pub struct ServiceStatusLists {
    services: Services,
    remote: HttpStatusLists,
}

impl std::fmt::Debug for ServiceStatusLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceStatusLists").finish_non_exhaustive()
    }
}

impl ServiceStatusLists {
    /// For a service.
    pub fn new(services: Services) -> Arc<Self> {
        let st = &services.settings.status;
        let policy = FetchPolicy {
            allow_private: st.fetch_allow_private,
            allow_http: st.fetch_allow_http,
            ..FetchPolicy::default()
        };
        Arc::new(Self { services, remote: HttpStatusLists::new(policy) })
    }

    /// The fetcher of other issuers' lists (its address rules also apply to other
    /// deployments' contexts: [`crate::jsonld::remote`]).
    pub fn fetcher(&self) -> &crate::status::fetch::Fetcher {
        &self.remote.0
    }

    fn own(&self, url: &str) -> Option<(String, Purpose, i64)> {
        let rest = url.strip_prefix(&self.services.url("/issuers/"))?;
        let mut parts = rest.split('/');
        let (slug, status, purpose, list, end) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next());
        (status == "status" && end.is_none()).then_some(())?;
        Some((slug.to_owned(), Purpose::parse(purpose)?, list.parse().ok()?))
    }
}

/// Status lists for a verification running on the CPU pool: our own lists from the store
/// (a local read), other issuers' lists only when fetched beforehand. Any other URL is
/// noted and answered "not fetched yet", so no pool thread ever waits on the network; the
/// caller fetches the noted lists on the async runtime and verifies again.
#[derive(Debug)]
pub struct PooledStatusLists {
    inner: Arc<ServiceStatusLists>,
    fetched: HashMap<String, Result<ListDoc, FetchError>>,
    missing: std::sync::Mutex<Vec<String>>,
}

impl PooledStatusLists {
    /// Over the service's lists, with other issuers' lists fetched so far.
    pub fn new(inner: Arc<ServiceStatusLists>, fetched: HashMap<String, Result<ListDoc, FetchError>>) -> Self {
        Self { inner, fetched, missing: std::sync::Mutex::default() }
    }

    /// The lists asked for that were neither ours nor fetched.
    pub fn missing(&self) -> Vec<String> {
        self.missing.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl StatusSource for PooledStatusLists {
    async fn list(&self, url: &str) -> Result<ListDoc, FetchError> {
        if self.inner.own(url).is_some() {
            return self.inner.list(url).await;
        }
        if let Some(done) = self.fetched.get(url) {
            return done.clone();
        }
        if let Ok(mut m) = self.missing.lock() {
            m.push(url.to_owned());
        }
        Err(FetchError::Failed(format!("{url} was not fetched before verification")))
    }
}

#[async_trait]
impl StatusSource for ServiceStatusLists {
    async fn list(&self, url: &str) -> Result<ListDoc, FetchError> {
        let Some((slug, purpose, list_no)) = self.own(url) else {
            return self.remote.list(url).await;
        };
        let row = self
            .services
            .store
            .get_status_list(&slug, list_no, purpose.as_str())
            .await
            .map_err(|e| FetchError::Failed(format!("status store unavailable: {e}")))?
            .ok_or_else(|| FetchError::Failed(format!("no status list at {url}")))?;
        let bits = Bitstring::decode(&row.bits).map_err(|e| FetchError::Unusable(e.to_string()))?;
        let issuer = match self.services.directory.snapshot().await {
            Ok(snap) => snap.did_of(&slug).map_or_else(|| self.services.directory.did(&slug), str::to_owned),
            Err(e) => return Err(FetchError::Failed(format!("institution directory unavailable: {e}"))),
        };
        Ok(ListDoc::Trusted { issuer, purpose, bits })
    }
}
