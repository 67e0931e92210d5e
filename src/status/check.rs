//! Where verification gets status lists from: the issuer's own store (trusted), a
//! fetch over HTTPS (verified like any credential), files given on the command line, or
//! nowhere (then a credential with a status entry has "status unknown", never "valid").

use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::Value;

use super::bitstring::Bitstring;
use super::entry::Purpose;
use super::fetch::{FetchError, FetchPolicy, Fetcher};

/// A status list as obtained.
#[derive(Debug, Clone)]
pub enum ListDoc {
    /// From our own store: no signature to check.
    Trusted {
        /// The issuer DID of the list.
        issuer: String,
        /// What its bits mean.
        purpose: Purpose,
        /// The bits.
        bits: Bitstring,
    },
    /// A `BitstringStatusListCredential` whose proof, issuer and validity must be checked.
    Signed(Value),
}

/// A source of status lists.
#[async_trait]
pub trait StatusSource: Send + Sync {
    /// The list published at `url`.
    async fn list(&self, url: &str) -> Result<ListDoc, FetchError>;
}

/// No status lists at all.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoStatusLists;

#[async_trait]
impl StatusSource for NoStatusLists {
    async fn list(&self, url: &str) -> Result<ListDoc, FetchError> {
        Err(FetchError::Failed(format!("no status list source is configured to fetch {url}")))
    }
}

/// Fetches over HTTPS with [`FetchPolicy`] limits.
#[derive(Debug)]
pub struct HttpStatusLists(pub Fetcher);

impl HttpStatusLists {
    /// With a policy.
    pub fn new(policy: FetchPolicy) -> Self {
        Self(Fetcher::new(policy))
    }
}

#[async_trait]
impl StatusSource for HttpStatusLists {
    async fn list(&self, url: &str) -> Result<ListDoc, FetchError> {
        self.0.fetch(url).await.map(ListDoc::Signed)
    }
}

/// Status list credentials given up front (CLI `--status-list FILE`), by their `id`; other
/// URLs go to the fallback.
pub struct GivenStatusLists {
    /// By URL.
    pub lists: HashMap<String, Value>,
    /// Anything else.
    pub fallback: Box<dyn StatusSource>,
}

impl std::fmt::Debug for GivenStatusLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GivenStatusLists")
            .field("lists", &self.lists.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl StatusSource for GivenStatusLists {
    async fn list(&self, url: &str) -> Result<ListDoc, FetchError> {
        match self.lists.get(url) {
            Some(v) => Ok(ListDoc::Signed(v.clone())),
            None => self.fallback.list(url).await,
        }
    }
}
