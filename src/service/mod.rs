//! The issuer service's use cases, shared by the HTTP API and the CLI: institutions and
//! keys, API keys, achievement definitions and credential issuance. No HTTP here: errors
//! are typed, and the HTTP layer maps them to problem+json.

pub mod achievements;
pub mod apikeys;
pub mod batch;
pub mod credentials;
pub mod institutions;
pub mod issuer_check;
pub mod janitor;
pub mod keystore;
pub mod nonce;
pub mod oid4vci;
pub mod proof_of_possession;
pub mod status;
pub mod trust;
pub mod vcapi;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::ValidationReport;
use crate::issuance::IssueError;
use crate::store::{Store, StoreError};

/// Service failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The input breaks the microcredential rules.
    #[error("the record is not a valid microcredential")]
    Invalid(ValidationReport),
    /// Malformed or inconsistent input that is not a rule violation.
    #[error("{0}")]
    BadRequest(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing.
    #[error("{0} not found")]
    NotFound(String),
    /// A conflicting state (an idempotency key reused with another body, a duplicate).
    #[error("{0}")]
    Conflict(String),
    /// Issuance failed after validation (schema, JSON-LD, signing).
    #[error(transparent)]
    Issue(IssueError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Private key storage failed.
    #[error(transparent)]
    Keystore(#[from] keystore::KeystoreError),
    /// A key could not be used.
    #[error(transparent)]
    Key(#[from] crate::crypto::keys::KeyError),
    /// A bug or an unexpected failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<IssueError> for ServiceError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Invalid(r) => Self::Invalid(r),
            other => Self::Issue(other),
        }
    }
}

/// Everything the use cases need.
#[derive(Clone)]
pub struct Services {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Institutions and keys.
    pub directory: Arc<institutions::Directory>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Reserved status slots.
    pub slots: Arc<status::SlotPool>,
    /// Admits one batch issuance at a time (a batch uses every core).
    pub batches: Arc<tokio::sync::Semaphore>,
    /// Definitions already read.
    pub definitions: Arc<achievements::DefinitionCache>,
    /// Trust lists of other operators.
    pub trust_lists: Arc<trust::TrustLists>,
    /// Issues and checks OpenID4VCI nonces.
    pub nonces: Arc<nonce::NonceKey>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").field("base_url", &self.settings.base_url()).finish_non_exhaustive()
    }
}

impl Services {
    /// Connects the store, opens the keystore and prepares the institutions.
    pub async fn start(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, ServiceError> {
        let url = crate::store::DatabaseUrl::parse(settings.database.url.expose()).map_err(ServiceError::BadRequest)?;
        let store = crate::store::connect(&url).await?;
        Self::with_store(settings, store, clock).await
    }

    /// With an already connected store.
    pub async fn with_store(
        settings: Settings,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ServiceError> {
        // This deployment publishes our extension context at its context base URL.
        crate::jsonld::contexts::add_alias(
            &settings.extension_context_url(),
            crate::jsonld::contexts::MICROCRED_V1_URL,
        );
        let keystore = keystore::Keystore::new(&settings.keys)?;
        let directory = Arc::new(institutions::Directory::new(store.clone(), keystore, settings.base_url()));
        directory.ensure_startup(&settings, clock.as_ref()).await?;
        let policy = crate::status::fetch::FetchPolicy {
            allow_private: settings.status.fetch_allow_private,
            allow_http: settings.status.fetch_allow_http,
            ..Default::default()
        };
        let trust_lists = Arc::new(trust::TrustLists::start(&settings.trust, policy, clock.as_ref()).await?);
        let nonces = Arc::new(nonce::NonceKey::load(store.as_ref(), clock.now()).await?);
        Ok(Self {
            nonces,
            trust_lists,
            store,
            directory,
            clock,
            settings: Arc::new(settings),
            slots: Arc::default(),
            batches: Arc::new(tokio::sync::Semaphore::new(1)),
            definitions: Arc::default(),
        })
    }

    /// The public URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.base_url())
    }
}
