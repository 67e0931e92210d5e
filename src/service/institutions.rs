//! Institutions (issuer profiles) and their keys: creation, key rotation, did:web DID
//! documents and OB 3.0 Profiles, and the in-memory directory the service signs and
//! resolves with. A rotated-out key stays in the DID document, so every credential it
//! signed keeps verifying.
//!
//! An institution created with `did_method = "key"` signs as the did:key of its key
//! instead: verifiers that resolve only did:key (the W3C test suites, some wallets) need
//! nothing of ours. Its DID *is* its key, so it has exactly one: a rotation would be a
//! new issuer (another DID, status lists signed by someone else than the credentials
//! they list), and is refused. A compromised did:key institution is retired by marking
//! its key compromised and creating a new institution.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::RwLock;

use super::ServiceError;
use super::keystore::{Keystore, Stored};
use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::did::{DidDocument, DidMethod, Resolver, did_document};
use crate::crypto::keys::{IssuerKey, KeyAlg};
use crate::domain::Institution;
use crate::jsonld::contexts::{CREDENTIALS_V2_URL, OB_V3P0_URL};
use crate::store::{InstitutionRow, KeyRow, Store};
use crate::trust::{KeyLife, Names, TrustEntry, TrustRegistry};

/// Slug of the zero-setup demo institution.
pub const DEMO_SLUG: &str = "demo";
/// How long a loaded directory is trusted before it is re-read (other nodes may rotate).
const REFRESH: Duration = Duration::from_secs(30);

/// Checks a slug: lowercase letters, digits and dashes, 1-63 characters.
pub fn check_slug(slug: &str) -> Result<(), String> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if ok { Ok(()) } else { Err(format!("slug '{slug}' must be 1-63 lowercase letters, digits or dashes")) }
}

/// What the log says when the demo institution is created: with the public demo key,
/// or with a throw-away key when that file could not be read.
pub fn demo_mode_message(public_key: bool, demo_key: &std::path::Path) -> String {
    if public_key {
        format!(
            "DEMO MODE: created institution '{DEMO_SLUG}' signing with the PUBLIC demo key from {}. \
             Credentials it signs prove nothing. Configure [[institutions]] and never use keys-example/ in production.",
            demo_key.display()
        )
    } else {
        format!(
            "DEMO MODE: created institution '{DEMO_SLUG}' signing with a throw-away key ({} could not be read); \
             it is kept in the key store like any other. Configure [[institutions]] for real credentials.",
            demo_key.display()
        )
    }
}

/// `did:web:{host}[%3Aport][:path…]:issuers:{slug}` for a base URL.
pub fn did_web(base_url: &str, slug: &str) -> String {
    let url = url::Url::parse(base_url).ok();
    let host = url.as_ref().and_then(|u| u.host_str()).unwrap_or("localhost");
    let mut did = format!("did:web:{host}");
    if let Some(port) = url.as_ref().and_then(url::Url::port) {
        did.push_str(&format!("%3A{port}"));
    }
    for seg in url.as_ref().and_then(|u| u.path_segments()).into_iter().flatten().filter(|s| !s.is_empty()) {
        did.push(':');
        did.push_str(seg);
    }
    format!("{did}:issuers:{slug}")
}

/// The DID of a verification method id (`did:key:z…#z…` → `did:key:z…`).
fn key_did(kid: &str) -> String {
    kid.split_once('#').map_or(kid, |(did, _)| did).to_owned()
}

/// A loaded institution.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The stored row.
    pub row: InstitutionRow,
    /// Its DID.
    pub did: String,
    /// The key that signs from now on.
    pub active: Arc<IssuerKey>,
    /// Its DID document (every key, retired ones included).
    pub document: DidDocument,
}

/// Everything needed to sign and resolve, loaded from the store.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// By slug.
    pub institutions: HashMap<String, Entry>,
    /// Resolves our own did:web issuers (and did:key) offline.
    pub resolver: Resolver,
    /// Our own recognised institutions (the demo never counts) and our keys' lifetimes.
    pub trust: TrustRegistry,
}

impl Snapshot {
    /// The slug of the institution that signs as `did` (did:web or did:key).
    pub fn slug_of(&self, did: &str) -> Option<&str> {
        self.institutions.values().find(|e| e.did == did).map(|e| e.row.slug.as_str())
    }

    /// The DID an institution signs as now.
    pub fn did_of(&self, slug: &str) -> Option<&str> {
        self.institutions.get(slug).map(|e| e.did.as_str())
    }

    /// The institution that is to sign a new credential, and its key: `Forbidden` when it
    /// has none, `Conflict` (with the way out) when its active key was reported
    /// compromised. A credential signed with it would fail verification at once
    /// (issue 27: the service answered 201 with such credentials).
    pub fn issuing(&self, slug: &str) -> Result<&Entry, ServiceError> {
        let entry = self
            .institutions
            .get(slug)
            .ok_or_else(|| ServiceError::Forbidden(format!("institution '{slug}' has no signing key")))?;
        let kid = entry.active.verification_method();
        if let Some(since) = self.trust.key_life(kid).and_then(|l| l.compromised_since) {
            let way_out = match entry.row.did_method {
                DidMethod::Web => format!(
                    "rotate it first (POST /api/v1/institutions/{slug}/keys/rotate, or `microcred keys rotate --institution {slug}`); the new key signs from then on"
                ),
                DidMethod::Key => format!(
                    "a did:key institution cannot rotate (its DID is the key): create a new institution (did:web can rotate) and issue from it; '{slug}' keeps serving the credentials it issued"
                ),
            };
            return Err(ServiceError::Conflict(format!(
                "institution '{slug}' cannot issue: its active key {kid} was reported compromised since {since}, and credentials signed with it would not verify; {way_out}"
            )));
        }
        Ok(entry)
    }
}

/// The institution directory.
#[derive(Debug)]
pub struct Directory {
    store: Arc<dyn Store>,
    keystore: Keystore,
    base_url: String,
    cache: RwLock<Option<(Instant, Arc<Snapshot>)>>,
}

/// A new institution.
#[derive(Debug, Clone)]
pub struct NewInstitution {
    /// Slug.
    pub slug: String,
    /// One of the 18 ids, or `None` for "any" (the demo only).
    pub institution_id: Option<String>,
    /// Name (defaults from the registry).
    pub name: Option<String>,
    /// Homepage (defaults from the registry).
    pub url: Option<String>,
    /// did:web (default) or did:key.
    pub did_method: DidMethod,
}

impl Directory {
    /// A directory over a store.
    pub fn new(store: Arc<dyn Store>, keystore: Keystore, base_url: &str) -> Self {
        Self { store, keystore, base_url: base_url.trim_end_matches('/').to_owned(), cache: RwLock::new(None) }
    }

    /// The did:web of a slug (what a did:web institution signs as).
    pub fn did(&self, slug: &str) -> String {
        did_web(&self.base_url, slug)
    }

    /// The DID an institution signs as: its did:web, or for a did:key institution the
    /// did:key of its key (`None` while it has none).
    pub fn did_of_row(&self, row: &InstitutionRow, keys: &[KeyRow]) -> Option<String> {
        match row.did_method {
            DidMethod::Web => Some(self.did(&row.slug)),
            DidMethod::Key => keys.iter().rev().find(|k| k.status == "active").or(keys.last()).map(|k| key_did(&k.kid)),
        }
    }

    /// The DID a stored institution signs as (reads its keys for a did:key institution).
    pub async fn did_for(&self, row: &InstitutionRow) -> Result<String, ServiceError> {
        match row.did_method {
            DidMethod::Web => Ok(self.did(&row.slug)),
            DidMethod::Key => {
                let keys = self.store.list_keys(&row.slug).await?;
                self.did_of_row(row, &keys)
                    .ok_or_else(|| ServiceError::Internal(format!("institution '{}' has no key", row.slug)))
            }
        }
    }

    /// Forgets the cached snapshot (after a change).
    pub async fn invalidate(&self) {
        *self.cache.write().await = None;
    }

    /// The current snapshot, reloading when stale.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, ServiceError> {
        if let Some((at, snap)) = self.cache.read().await.as_ref()
            && at.elapsed() < REFRESH
        {
            return Ok(snap.clone());
        }
        let snap = Arc::new(self.load().await?);
        *self.cache.write().await = Some((Instant::now(), snap.clone()));
        Ok(snap)
    }

    async fn load(&self) -> Result<Snapshot, ServiceError> {
        let mut snap = Snapshot::default();
        let (mut recognised, mut lives) = (Vec::new(), HashMap::new());
        for row in self.store.list_institutions().await? {
            let keys = self.store.list_keys(&row.slug).await?;
            for k in &keys {
                let time = |t: Option<&str>| {
                    t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&chrono::Utc))
                };
                let life = KeyLife {
                    created_at: time(Some(&k.created_at)),
                    retired_at: time(k.retired_at.as_deref()),
                    compromised_since: time(k.compromised_since.as_deref()),
                };
                lives.insert(k.kid.clone(), life);
            }
            // A did:web institution is one DID; a did:key institution is the DID of each
            // key it ever had (one, as it cannot rotate).
            let dids: Vec<String> = match row.did_method {
                DidMethod::Web => vec![self.did(&row.slug)],
                DidMethod::Key => keys.iter().map(|k| key_did(&k.kid)).collect(),
            };
            if let Some(id) = row.institution_id.as_deref().filter(|_| row.slug != DEMO_SLUG) {
                let en = crate::trust::flemish(id).map_or_else(|| row.name.clone(), |(n, _)| n.en);
                for did in &dids {
                    recognised.push(TrustEntry {
                        did: did.clone(),
                        institution_id: Some(id.to_owned()),
                        names: Names { nl: row.name.clone(), en: en.clone() },
                        url: row.url.clone(),
                        valid_from: None,
                        valid_until: None,
                        source: "deployment".into(),
                    });
                }
            }
            let Some(did) = self.did_of_row(&row, &keys) else {
                tracing::warn!(slug = %row.slug, "institution has no key; it cannot issue");
                continue;
            };
            let public: Vec<(String, ssi::JWK)> = keys
                .iter()
                .filter_map(|k| serde_json::from_str::<ssi::JWK>(&k.public_jwk).ok().map(|j| (k.kid.clone(), j)))
                .collect();
            let document = did_document(&did, &public);
            let Some(active) = keys.iter().rev().find(|k| k.status == "active") else {
                tracing::warn!(slug = %row.slug, "institution has no active key; it cannot issue");
                continue;
            };
            let key = self.keystore.open(&active.kid, active.secret.as_deref(), active.key_file.as_deref())?;
            if row.did_method == DidMethod::Web {
                // A did:key resolves from itself.
                snap.resolver.add_document(document.clone());
            }
            snap.institutions.insert(row.slug.clone(), Entry { row, did, active: Arc::new(key), document });
        }
        snap.trust = TrustRegistry::new(recognised, lives);
        Ok(snap)
    }

    /// Creates an institution with its first Ed25519 key (`Conflict` if it exists).
    pub async fn create(&self, new: NewInstitution, clock: &dyn Clock) -> Result<InstitutionRow, ServiceError> {
        check_slug(&new.slug).map_err(ServiceError::BadRequest)?;
        let known = match &new.institution_id {
            Some(id) => Some(Institution::by_id(id).ok_or_else(|| {
                ServiceError::BadRequest(format!("institution_id '{id}' is not one of the 18 Flemish institutions"))
            })?),
            None => None,
        };
        let row = InstitutionRow {
            slug: new.slug.clone(),
            institution_id: new.institution_id.clone(),
            name: new.name.or_else(|| known.map(|k| k.name.to_owned())).unwrap_or_else(|| new.slug.clone()),
            url: new.url.or_else(|| known.map(|k| k.url.to_owned())).unwrap_or_else(|| self.base_url.clone()),
            created_at: clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            did_method: new.did_method,
        };
        self.store.insert_institution(&row).await?;
        self.add_key(&row, IssuerKey::generate(KeyAlg::Ed25519)?, clock).await?;
        Ok(row)
    }

    /// Marks a key compromised since `since` (an admin action, audited): signatures dated
    /// from then on fail verification (`key.compromised`); the key stays in the DID
    /// document so that earlier credentials keep verifying. `key` is the full key id or
    /// its fragment (`key-1`).
    pub async fn mark_compromised(
        &self,
        slug: &str,
        key: &str,
        since: chrono::DateTime<chrono::Utc>,
        actor: &str,
        reason: Option<&str>,
        clock: &dyn Clock,
    ) -> Result<KeyRow, ServiceError> {
        let Some(row) = self.store.get_institution(slug).await? else {
            return Err(ServiceError::NotFound(format!("institution '{slug}'")));
        };
        if since > clock.now() {
            return Err(ServiceError::BadRequest(
                "since must not be in the future: report a compromise once it happened".into(),
            ));
        }
        let kid = match (key.contains('#'), row.did_method) {
            (true, _) => key.to_owned(),
            (false, DidMethod::Web) => format!("{}#{key}", self.did(slug)),
            // The fragment of a did:key method is its multibase key: find it among the keys.
            (false, DidMethod::Key) => {
                let keys = self.store.list_keys(slug).await?;
                keys.iter()
                    .find(|k| k.kid.rsplit_once('#').is_some_and(|(_, f)| f == key))
                    .map(|k| k.kid.clone())
                    .ok_or_else(|| ServiceError::NotFound(format!("key '{key}' of institution '{slug}'")))?
            }
        };
        let ts = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if !self.store.mark_key_compromised(slug, &kid, &ts(since), actor, reason, &ts(clock.now())).await? {
            return Err(ServiceError::NotFound(format!("key '{key}' of institution '{slug}'")));
        }
        self.invalidate().await;
        let keys = self.store.list_keys(slug).await?;
        keys.into_iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| ServiceError::Internal(format!("key {kid} vanished after marking it")))
    }

    /// Generates a new signing key; the old ones are retired but stay in the DID document.
    /// A did:key institution cannot rotate (`Conflict`): its DID is its key.
    pub async fn rotate(&self, slug: &str, clock: &dyn Clock) -> Result<KeyRow, ServiceError> {
        let Some(row) = self.store.get_institution(slug).await? else {
            return Err(ServiceError::NotFound(format!("institution '{slug}'")));
        };
        if row.did_method == DidMethod::Key {
            return Err(ServiceError::Conflict(format!(
                "institution '{slug}' signs as the did:key of its key, so its key cannot be rotated: a new key \
                 would be a new issuer DID, and the credentials already issued would no longer match their \
                 status lists. To stop using the key, report it compromised; to issue with a new key, create \
                 a new institution (did_method \"web\" can rotate)"
            )));
        }
        self.add_key(&row, IssuerKey::generate(KeyAlg::Ed25519)?, clock).await
    }

    async fn add_key(&self, row: &InstitutionRow, key: IssuerKey, clock: &dyn Clock) -> Result<KeyRow, ServiceError> {
        let slug = row.slug.as_str();
        let kid = match row.did_method {
            DidMethod::Web => format!("{}#key-{}", self.did(slug), self.store.next_key_number(slug).await?),
            DidMethod::Key => {
                let mut jwk = key.public_jwk();
                jwk.key_id = None;
                ssi::dids::DIDKey::generate_url(&jwk).map_err(|e| ServiceError::Internal(e.to_string()))?.to_string()
            }
        };
        let mut jwk: ssi::JWK =
            serde_json::from_str(&key.to_private_json()).map_err(|e| ServiceError::Internal(e.to_string()))?;
        jwk.key_id = Some(kid.clone());
        let key = IssuerKey::from_jwk(jwk)?;
        let stored = self.keystore.store(slug, &kid, &key)?;
        let (secret, key_file) = match stored {
            Stored::Sealed(s) => (Some(s), None),
            Stored::File(f) => (None, Some(f)),
        };
        let mut public = key.public_jwk();
        public.key_id = None;
        let now = clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let row = KeyRow {
            kid,
            slug: slug.to_owned(),
            alg: "Ed25519".into(),
            public_jwk: serde_json::to_string(&public).map_err(|e| ServiceError::Internal(e.to_string()))?,
            secret,
            key_file,
            status: "active".into(),
            created_at: now.clone(),
            retired_at: None,
            compromised_since: None,
        };
        self.store.rotate_key(&row, &now).await?;
        self.invalidate().await;
        tracing::info!(slug, kid = %row.kid, "new signing key");
        Ok(row)
    }

    /// Creates the institutions of the configuration that do not exist yet; with none
    /// configured and none stored, creates the demo institution with the demo key.
    pub async fn ensure_startup(&self, settings: &Settings, clock: &dyn Clock) -> Result<(), ServiceError> {
        for i in &settings.institutions {
            if self.store.get_institution(&i.slug).await?.is_none() {
                let institution_id =
                    i.institution_id.clone().or_else(|| Institution::by_id(&i.slug).map(|k| k.id.to_owned()));
                if institution_id.is_none() {
                    return Err(ServiceError::BadRequest(format!(
                        "institution '{}': set institution_id to one of the 18 Flemish institutions",
                        i.slug
                    )));
                }
                self.create(
                    NewInstitution {
                        slug: i.slug.clone(),
                        institution_id,
                        name: i.name.clone(),
                        url: i.url.clone(),
                        did_method: i.did_method,
                    },
                    clock,
                )
                .await?;
                tracing::info!(slug = %i.slug, did_method = %i.did_method, "institution created from configuration");
            } else if let Some(row) = self.store.get_institution(&i.slug).await?
                && row.did_method != i.did_method
            {
                return Err(ServiceError::BadRequest(format!(
                    "institution '{}' was created with did_method \"{}\", the configuration says \"{}\": the DID \
                     method is fixed at creation (credentials name the DID); configure \"{}\" or use another slug",
                    i.slug, row.did_method, i.did_method, row.did_method
                )));
            }
        }
        if self.store.list_institutions().await?.is_empty() {
            self.create_demo(settings, clock).await?;
        }
        Ok(())
    }

    async fn create_demo(&self, settings: &Settings, clock: &dyn Clock) -> Result<(), ServiceError> {
        let row = InstitutionRow {
            slug: DEMO_SLUG.into(),
            institution_id: None,
            name: "microcred demo issuer (not for production)".into(),
            url: self.base_url.clone(),
            created_at: clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            did_method: DidMethod::Web,
        };
        self.store.insert_institution(&row).await?;
        let (key, public) = match IssuerKey::load(&settings.keys.demo_key) {
            Ok(k) => (k, true),
            Err(e) => {
                tracing::warn!(error = %e, "demo key not found; generating a throw-away key instead");
                (IssuerKey::generate(KeyAlg::Ed25519)?, false)
            }
        };
        self.add_key(&row, key, clock).await?;
        tracing::warn!("{}", demo_mode_message(public, &settings.keys.demo_key));
        Ok(())
    }

    /// The OB 3.0 Profile of an institution.
    pub fn profile(&self, entry: &Entry) -> Value {
        json!({
            "@context": [CREDENTIALS_V2_URL, OB_V3P0_URL],
            "id": entry.did,
            "type": ["Profile"],
            "name": entry.row.name,
            "url": entry.row.url,
            "address": {
                "type": ["Address"],
                "addressCountry": crate::domain::institution::COUNTRY_NAME,
                "addressCountryCode": crate::domain::institution::COUNTRY_CODE,
                "addressRegion": crate::domain::institution::REGION,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_encodes_port_and_path() {
        assert_eq!(did_web("http://localhost:8080", "demo"), "did:web:localhost%3A8080:issuers:demo");
        assert_eq!(did_web("https://badges.example.be", "kuleuven"), "did:web:badges.example.be:issuers:kuleuven");
        assert_eq!(did_web("https://example.be/microcred/", "ugent"), "did:web:example.be:microcred:issuers:ugent");
    }

    #[test]
    fn the_demo_log_names_the_key_really_used() {
        let path = std::path::Path::new("keys-example/demo-issuer.jwk");
        let public = demo_mode_message(true, path);
        assert!(public.contains("PUBLIC demo key") && public.contains("keys-example/demo-issuer.jwk"), "{public}");
        let fresh = demo_mode_message(false, path);
        assert!(fresh.contains("throw-away key") && !fresh.contains("PUBLIC"), "{fresh}");
    }

    #[test]
    fn slugs_are_checked() {
        for ok in ["demo", "kuleuven", "ku-leuven-2"] {
            assert!(check_slug(ok).is_ok(), "{ok}");
        }
        for bad in ["", "KU", "a b", "-x", "a/b", &"x".repeat(64)] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }
}
