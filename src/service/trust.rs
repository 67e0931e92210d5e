//! The deployment's trust lists: loaded at start (a list that is refused stops the start
//! with the reason: a configuration error is better found at once), refreshed every
//! `trust.refresh_seconds` (a refresh that fails keeps the last good list until that
//! list's own `validUntil`, and says why in the log), and merged with the deployment's own
//! institutions into the registry verification reads.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::RwLock;

use super::ServiceError;
use crate::clock::Clock;
use crate::config::TrustSettings;
use crate::crypto::did::{DidDocument, Resolver};
use crate::status::fetch::{FetchPolicy, Fetcher};
use crate::trust::list::{self, TrustList};
use crate::trust::{TrustEntry, TrustRegistry, layer};

/// What the loaded lists contribute.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Entries by DID.
    pub layer: Arc<HashMap<String, TrustEntry>>,
    /// DID documents from the entries' assertion keys.
    pub documents: Arc<Vec<DidDocument>>,
    /// The lists: source, id, operator, valid until, number of entries.
    pub lists: Vec<ListInfo>,
    /// The earliest `validUntil` of the lists (their entries are dropped after it).
    pub expires: Option<DateTime<Utc>>,
}

/// One loaded list, for the admin view and the log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListInfo {
    /// File path or URL.
    pub source: String,
    /// The list credential's id.
    pub id: String,
    /// Its operator.
    pub operator: String,
    /// Until when.
    pub valid_until: Option<DateTime<Utc>>,
    /// How many issuers it lists.
    pub entries: usize,
}

/// The trust lists of a deployment.
#[derive(Debug)]
pub struct TrustLists {
    settings: TrustSettings,
    anchor_docs: Resolver,
    fetcher: Fetcher,
    state: RwLock<(Instant, Loaded)>,
}

impl TrustLists {
    /// Loads every configured list once; `Err` names the list and why it was refused.
    pub async fn start(settings: &TrustSettings, policy: FetchPolicy, clock: &dyn Clock) -> Result<Self, ServiceError> {
        let mut anchor_docs = Resolver::new();
        for path in &settings.anchor_documents {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ServiceError::BadRequest(format!("trust.anchor_documents: cannot read {path}: {e}")))?;
            let doc: DidDocument = serde_json::from_str(&text).map_err(|e| {
                ServiceError::BadRequest(format!("trust.anchor_documents: {path} is not a DID document: {e}"))
            })?;
            anchor_docs.add_document(doc);
        }
        if !settings.lists.is_empty() && settings.anchors.is_empty() {
            return Err(ServiceError::BadRequest(
                "trust.lists is set but trust.anchors is empty: name the DIDs of the operators whose lists you trust"
                    .into(),
            ));
        }
        let me = Self {
            settings: settings.clone(),
            anchor_docs,
            fetcher: Fetcher::new(policy),
            state: RwLock::new((Instant::now(), Loaded::default())),
        };
        let loaded = me.load_all(clock).await.map_err(ServiceError::BadRequest)?;
        for l in &loaded.lists {
            tracing::info!(source = %l.source, id = %l.id, operator = %l.operator, entries = l.entries, "trust list loaded");
        }
        *me.state.write().await = (Instant::now(), loaded);
        Ok(me)
    }

    async fn read(&self, source: &str) -> Result<Value, String> {
        if source.starts_with("https://") || source.starts_with("http://") {
            // A trust list of up to 10,000 entries, a dozen values each.
            self.fetcher
                .fetch_limited(source, 16 * crate::trust::list::MAX_ENTRIES)
                .await
                .map_err(|e| format!("trust list {source}: {e}"))
        } else {
            let text = tokio::fs::read_to_string(source)
                .await
                .map_err(|e| format!("trust list {source}: cannot read it: {e}"))?;
            serde_json::from_str(&text).map_err(|e| format!("trust list {source}: not JSON: {e}"))
        }
    }

    async fn load_all(&self, clock: &dyn Clock) -> Result<Loaded, String> {
        let mut entries = Vec::new();
        let mut documents = Vec::new();
        let mut lists = Vec::new();
        for source in &self.settings.lists {
            let doc = self.read(source).await?;
            let l: TrustList = list::verify(&doc, &self.settings.anchors, &self.anchor_docs, clock)
                .await
                .map_err(|e| format!("trust list {source} refused: {e}"))?;
            lists.push(ListInfo {
                source: source.clone(),
                id: l.id.clone(),
                operator: l.operator.clone(),
                valid_until: l.valid_until,
                entries: l.entries.len(),
            });
            entries.extend(l.entries);
            documents.extend(l.documents);
        }
        let expires = lists.iter().filter_map(|l| l.valid_until).min();
        Ok(Loaded { layer: Arc::new(layer(entries)), documents: Arc::new(documents), lists, expires })
    }

    /// The current lists, reloaded when older than `refresh_seconds`; entries of lists
    /// past their `validUntil` are dropped.
    pub async fn current(&self, clock: &dyn Clock) -> Loaded {
        if self.settings.lists.is_empty() {
            return Loaded::default();
        }
        let refresh = Duration::from_secs(self.settings.refresh_seconds.max(1));
        let (at, loaded) = self.state.read().await.clone();
        let loaded = if at.elapsed() >= refresh {
            match self.load_all(clock).await {
                Ok(fresh) => {
                    *self.state.write().await = (Instant::now(), fresh.clone());
                    fresh
                }
                Err(e) => {
                    tracing::warn!(error = %e, "trust list refresh failed; keeping the last good lists until they expire");
                    self.state.write().await.0 = Instant::now();
                    loaded
                }
            }
        } else {
            loaded
        };
        if loaded.expires.is_some_and(|t| t < clock.now()) {
            tracing::warn!("a trust list has expired and could not be refreshed: its issuers are no longer recognised");
            return Loaded { lists: loaded.lists, ..Loaded::default() };
        }
        loaded
    }

    /// The registry for a verification: our own institutions first, then the lists.
    pub async fn registry(
        &self,
        own: &TrustRegistry,
        resolver: &Resolver,
        clock: &dyn Clock,
    ) -> (TrustRegistry, Option<Resolver>) {
        let loaded = self.current(clock).await;
        if loaded.layer.is_empty() {
            return (own.clone(), None);
        }
        let registry = own.clone().with_layer(loaded.layer.clone());
        let resolver = (!loaded.documents.is_empty()).then(|| {
            let mut r = resolver.clone();
            for d in loaded.documents.iter() {
                if !r.knows(&d.id) {
                    r.add_document(d.clone());
                }
            }
            r
        });
        (registry, resolver)
    }

    /// The DCC issuer-registry document of the recognised issuers (the deployment's own
    /// institutions only: lists of other operators are theirs to publish).
    pub fn dcc_registry(own: &TrustRegistry, now: DateTime<Utc>) -> Value {
        let mut entries = serde_json::Map::new();
        for e in own.entries() {
            entries.insert(
                e.did.clone(),
                serde_json::json!({"name": e.names.en, "url": e.url, "location": "Flanders, Belgium"}),
            );
        }
        let ts = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        serde_json::json!({"meta": {"created": ts, "updated": ts}, "entries": entries})
    }
}
