//! Our own contexts published under another deployment's URL. A credential of another
//! deployment of this service names our extension context under that deployment's
//! `server.context_base_url`; this verifier ships the context, not that URL. Before
//! verifying, each context URL it neither ships nor knows is fetched once with the
//! status-list rules (https only unless configured, no private addresses, size limit,
//! timeouts, redirects checked hop by hop: [`crate::status::fetch`]), and becomes an
//! alias of one of our own contexts ([`contexts::add_alias`]) only when its bytes have
//! the SHA-256 digest of a version we ship. Anything else stays unknown and the
//! credential fails `context.unknown`, as before: nothing fetched is ever used as a
//! context itself.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::Digest;

use super::contexts;
use crate::status::fetch::Fetcher;

/// Unknown context URLs fetched for one verification at most.
const MAX_FETCHES: usize = 4;
/// How long a URL whose content did not match (or could not be fetched) is not asked
/// again.
const MISS_TTL: Duration = Duration::from_secs(300);
/// Most bytes of URLs remembered as misses (the oldest go first).
const MISS_BYTES: usize = 256 << 10;

/// URLs recently fetched without a match, bounded by their total length.
#[derive(Debug, Default)]
struct Misses {
    at: HashMap<String, Instant>,
    bytes: usize,
}

impl Misses {
    fn fresh(&self, url: &str) -> bool {
        self.at.get(url).is_some_and(|t| t.elapsed() < MISS_TTL)
    }

    fn insert(&mut self, url: &str) {
        if let Some(_old) = self.at.remove(url) {
            self.bytes -= url.len();
        }
        self.at.retain(|k, t| {
            let keep = t.elapsed() < MISS_TTL;
            if !keep {
                self.bytes -= k.len();
            }
            keep
        });
        while self.bytes + url.len() > MISS_BYTES {
            let Some(oldest) = self.at.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone()) else { break };
            self.at.remove(&oldest);
            self.bytes -= oldest.len();
        }
        self.bytes += url.len();
        self.at.insert(url.to_owned(), Instant::now());
    }
}

fn misses() -> &'static Mutex<Misses> {
    static M: std::sync::OnceLock<Mutex<Misses>> = std::sync::OnceLock::new();
    M.get_or_init(Default::default)
}

/// Which of our own contexts `bytes` is, by SHA-256.
pub fn matching_own_context(bytes: &[u8]) -> Option<&'static str> {
    let digest: [u8; 32] = sha2::Sha256::digest(bytes).into();
    contexts::own_digests().iter().find(|(d, _)| *d == digest).map(|(_, url)| *url)
}

/// The context URLs of a credential or presentation given as text (JSON, or a compact
/// JWT whose payload is read without checking it: only to know what to fetch) that
/// are neither shipped nor known aliases.
pub fn unknown_context_urls(text: &str) -> Vec<String> {
    let t = text.trim();
    let doc: Option<Value> = if t.starts_with('{') {
        serde_json::from_str(t).ok()
    } else {
        use base64::Engine;
        t.split('.')
            .nth(1)
            .and_then(|p| base64::prelude::BASE64_URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
    };
    let mut out = Vec::new();
    if let Some(doc) = doc {
        collect(&doc, 0, &mut out);
    }
    out
}

fn collect(doc: &Value, depth: usize, out: &mut Vec<String>) {
    let Some(o) = doc.as_object() else { return };
    if depth > 3 {
        return;
    }
    for u in super::values(o.get("@context")).iter().filter_map(Value::as_str) {
        if contexts::canonical(u).is_none() && !out.iter().any(|x| x == u) {
            out.push(u.to_owned());
        }
    }
    // A VC-JWT 1.1 `vc` claim, the credentials of a presentation.
    for key in ["vc", "vp", "verifiableCredential"] {
        match o.get(key) {
            Some(Value::Array(a)) => a.iter().for_each(|v| collect(v, depth + 1, out)),
            Some(v) => collect(v, depth + 1, out),
            None => {}
        }
    }
}

/// Learns the context URLs `text` names that publish one of our own contexts (see the
/// module documentation). Returns the URLs that became aliases.
pub async fn learn(text: &str, fetcher: &Fetcher) -> Vec<String> {
    let mut learnt = Vec::new();
    let candidates = unknown_context_urls(text);
    let fresh_miss = |url: &str| misses().lock().map(|m| m.fresh(url)).unwrap_or(true);
    let to_fetch = candidates
        .into_iter()
        .filter(|u| (u.starts_with("https://") || u.starts_with("http://")) && !fresh_miss(u))
        .take(MAX_FETCHES);
    for url in to_fetch {
        let matched = match fetcher.fetch_bytes(&url).await {
            Ok(bytes) => matching_own_context(&bytes),
            Err(e) => {
                tracing::debug!(%url, error = %e, "context not fetched");
                None
            }
        };
        match matched {
            Some(own) if contexts::add_alias(&url, own) => {
                tracing::info!(%url, same_as = own, "a context URL publishes one of our contexts");
                learnt.push(url);
            }
            _ => {
                if let Ok(mut m) = misses().lock() {
                    m.insert(&url);
                }
            }
        }
    }
    learnt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bytes_of_a_shipped_version_match() {
        let ours = contexts::get(contexts::MICROCRED_V1_URL).unwrap_or_default();
        assert_eq!(matching_own_context(ours.as_bytes()), Some(contexts::MICROCRED_V1_URL));
        // The same JSON with one more space is another document.
        assert_eq!(matching_own_context(format!("{ours} ").as_bytes()), None);
        assert_eq!(matching_own_context(b"{}"), None);
    }

    #[test]
    fn unknown_urls_are_found_in_credentials_presentations_and_jwts() {
        let vc = serde_json::json!({"@context": [contexts::CREDENTIALS_V2_URL, "https://a.example/microcred/contexts/v1.jsonld", {"x": "y"}]});
        assert_eq!(unknown_context_urls(&vc.to_string()), ["https://a.example/microcred/contexts/v1.jsonld"]);
        let vp = serde_json::json!({"@context": contexts::CREDENTIALS_V2_URL, "verifiableCredential": [vc]});
        assert_eq!(unknown_context_urls(&vp.to_string()).len(), 1);
        use base64::Engine;
        let payload = base64::prelude::BASE64_URL_SAFE_NO_PAD.encode(vc.to_string());
        assert_eq!(unknown_context_urls(&format!("eyJhbGciOiJFZERTQSJ9.{payload}.sig")).len(), 1);
        assert!(unknown_context_urls("not a credential").is_empty());
    }

    #[test]
    fn misses_are_bounded_by_bytes() {
        let mut m = Misses::default();
        for i in 0..100_000 {
            m.insert(&format!("https://h.example/{i}"));
            assert!(m.bytes <= MISS_BYTES);
        }
        assert!(m.fresh("https://h.example/99999") && !m.fresh("https://h.example/0"));
    }
}
