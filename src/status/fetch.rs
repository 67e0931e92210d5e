//! Fetching other issuers' status list credentials over HTTPS with strict limits: a
//! timeout, a size cap, no private, loopback or link-local addresses (unless
//! configured, for tests and closed networks), and redirects followed by hand so every
//! hop is checked the same way. The checked address is the one connected to, so DNS
//! rebinding cannot slip past the check.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Fetch limits.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Whole-request timeout per hop.
    pub timeout: Duration,
    /// Largest body.
    pub max_bytes: usize,
    /// Allow `http://` (tests, closed networks).
    pub allow_http: bool,
    /// Allow private, loopback and link-local addresses.
    pub allow_private: bool,
    /// Redirect hops followed.
    pub max_redirects: usize,
    /// How long a fetched list is reused.
    pub cache_for: Duration,
    /// Hosts allowed even on private addresses (an internal status service).
    pub trusted_hosts: Vec<String>,
    /// Most bytes of fetched documents kept in the cache (the oldest go first): the
    /// cache is bounded by size, not by a number of entries, so large answers from
    /// hostile hosts cannot pile up.
    pub cache_bytes: usize,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_bytes: 1 << 20,
            allow_http: false,
            allow_private: false,
            max_redirects: 3,
            cache_for: Duration::from_secs(300),
            trusted_hosts: Vec::new(),
            cache_bytes: 8 << 20,
        }
    }
}

/// Why a list could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Not an acceptable URL.
    #[error("status list URL refused: {0}")]
    Refused(String),
    /// Network trouble, timeouts, HTTP errors.
    #[error("status list could not be fetched: {0}")]
    Failed(String),
    /// Not JSON, or too large.
    #[error("status list is not usable: {0}")]
    Unusable(String),
}

/// Whether an address is off-limits by default: anything but a globally reachable
/// unicast address (every IANA special-purpose block, multicast, IPv4 inside IPv6
/// judged by the IPv4 address); see [`super::address`].
pub fn is_internal(ip: IpAddr) -> bool {
    super::address::is_internal(ip)
}

/// Fetched documents by URL, as the bytes received (never the parsed tree, which takes
/// 40-90 times as much memory: issue 27); bounded by [`FetchPolicy::cache_bytes`].
#[derive(Debug, Default)]
struct Cache {
    entries: HashMap<String, (Instant, Arc<[u8]>)>,
    bytes: usize,
}

impl Cache {
    fn insert(&mut self, url: &str, body: Arc<[u8]>, budget: usize, ttl: Duration) {
        let size = body.len();
        if size > budget / 4 {
            return; // never let one answer take most of the cache
        }
        if let Some((_, old)) = self.entries.remove(url) {
            self.bytes -= old.len();
        }
        // Expired entries first, then the oldest, until the new one fits.
        let expired: Vec<String> =
            self.entries.iter().filter(|(_, (at, _))| at.elapsed() >= ttl).map(|(k, _)| k.clone()).collect();
        for k in expired {
            if let Some((_, b)) = self.entries.remove(&k) {
                self.bytes -= b.len();
            }
        }
        while self.bytes + size > budget {
            let Some(oldest) = self.entries.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some((_, b)) = self.entries.remove(&oldest) {
                self.bytes -= b.len();
            }
        }
        self.bytes += size;
        self.entries.insert(url.to_owned(), (Instant::now(), body));
    }
}

/// How many fetches (with their parsing) run at once, across all requests: each may hold
/// a body of up to [`FetchPolicy::max_bytes`] and its parsed tree.
pub const MAX_CONCURRENT_FETCHES: usize = 8;

/// An upper bound on the number of JSON values in `body`, from its structure alone
/// (objects and arrays opened, commas, outside strings, plus one): checked before the
/// body is parsed, so a body of a million tiny values is refused without building them.
pub fn json_values_bound(body: &[u8]) -> usize {
    let (mut n, mut in_string, mut escaped) = (1usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' | b',' => n += 1,
                _ => {}
            }
        }
    }
    n
}

/// An HTTP status-list fetcher with a cache bounded by bytes, one fetch per URL at a time
/// (concurrent requests for one list wait for the first), and at most
/// [`MAX_CONCURRENT_FETCHES`] fetches in flight.
#[derive(Debug)]
pub struct Fetcher {
    policy: FetchPolicy,
    cache: Mutex<Cache>,
    permits: tokio::sync::Semaphore,
    inflight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Fetcher {
    /// With a policy.
    pub fn new(policy: FetchPolicy) -> Self {
        Self {
            policy,
            cache: Mutex::new(Cache::default()),
            permits: tokio::sync::Semaphore::new(MAX_CONCURRENT_FETCHES),
            inflight: Mutex::new(HashMap::new()),
        }
    }

    /// Bytes of fetched documents held in the cache now.
    pub fn cached_bytes(&self) -> usize {
        self.cache.lock().map(|c| c.bytes).unwrap_or_default()
    }

    /// Fetches (or reuses) a status list credential: at most
    /// [`crate::jsonld::MAX_VALUES`] JSON values, judged before parsing.
    pub async fn fetch(&self, url: &str) -> Result<Value, FetchError> {
        self.fetch_limited(url, crate::jsonld::MAX_VALUES).await
    }

    /// [`Fetcher::fetch`] with another budget of JSON values (trust lists are larger).
    pub async fn fetch_limited(&self, url: &str, max_values: usize) -> Result<Value, FetchError> {
        let body = self.body(url).await?;
        let values = json_values_bound(&body);
        if values > max_values {
            return Err(FetchError::Unusable(format!(
                "the document has more than {max_values} JSON values ({values} by its structure); it is not parsed"
            )));
        }
        serde_json::from_slice(&body).map_err(|e| FetchError::Unusable(format!("not JSON: {e}")))
    }

    /// The body at `url`, from the cache or fetched: one fetch per URL at a time.
    async fn body(&self, url: &str) -> Result<Arc<[u8]>, FetchError> {
        if let Some(b) = self.cached(url) {
            return Ok(b);
        }
        let gate = self
            .inflight
            .lock()
            .map(|mut m| m.entry(url.to_owned()).or_insert_with(|| Arc::new(tokio::sync::Mutex::new(()))).clone())
            .map_err(|_| FetchError::Failed("the fetcher's lock is poisoned".into()))?;
        let result = async {
            let _one = gate.lock().await;
            // Another request may have fetched it while this one waited.
            if let Some(b) = self.cached(url) {
                return Ok(b);
            }
            let _permit =
                self.permits.acquire().await.map_err(|_| FetchError::Failed("the fetcher is shut down".into()))?;
            let body: Arc<[u8]> = self.fetch_bytes(url).await?.into();
            if let Ok(mut cache) = self.cache.lock() {
                cache.insert(url, body.clone(), self.policy.cache_bytes, self.policy.cache_for);
            }
            Ok(body)
        }
        .await;
        if let Ok(mut m) = self.inflight.lock()
            && m.get(url).is_some_and(|g| Arc::strong_count(g) <= 2)
        {
            m.remove(url);
        }
        result
    }

    fn cached(&self, url: &str) -> Option<Arc<[u8]>> {
        let cache = self.cache.lock().ok()?;
        let (at, b) = cache.entries.get(url)?;
        (at.elapsed() < self.policy.cache_for).then(|| b.clone())
    }

    /// Fetches a document's bytes with the same rules, uncached (JSON-LD contexts of
    /// other deployments, compared by digest: [`crate::jsonld::remote`]).
    pub async fn fetch_bytes(&self, start: &str) -> Result<Vec<u8>, FetchError> {
        let mut url =
            url::Url::parse(start).map_err(|e| FetchError::Refused(format!("'{start}' is not a URL: {e}")))?;
        for _ in 0..=self.policy.max_redirects {
            let addr = self.check(&url).await?;
            let host = url.host_str().unwrap_or_default().to_owned();
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.policy.timeout)
                .resolve(&host, addr)
                .build()
                .map_err(|e| FetchError::Failed(e.to_string()))?;
            let mut res = client
                .get(url.clone())
                .header("accept", "application/vc+ld+json, application/vc, application/ld+json, application/json")
                .send()
                .await
                .map_err(|e| FetchError::Failed(e.to_string()))?;
            if res.status().is_redirection() {
                let location = res
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| FetchError::Failed("redirect without Location".into()))?;
                url = url.join(location).map_err(|e| FetchError::Refused(format!("bad redirect: {e}")))?;
                continue;
            }
            if !res.status().is_success() {
                return Err(FetchError::Failed(format!("HTTP {}", res.status())));
            }
            if res.content_length().is_some_and(|n| n > self.policy.max_bytes as u64) {
                return Err(FetchError::Unusable(format!("larger than {} bytes", self.policy.max_bytes)));
            }
            let mut body = Vec::new();
            while let Some(chunk) = res.chunk().await.map_err(|e| FetchError::Failed(e.to_string()))? {
                body.extend_from_slice(&chunk);
                if body.len() > self.policy.max_bytes {
                    return Err(FetchError::Unusable(format!("larger than {} bytes", self.policy.max_bytes)));
                }
            }
            return Ok(body);
        }
        Err(FetchError::Failed(format!("more than {} redirects", self.policy.max_redirects)))
    }

    /// Checks scheme and resolved address of one hop; returns the address to connect to.
    async fn check(&self, url: &url::Url) -> Result<SocketAddr, FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if self.policy.allow_http => {}
            other => return Err(FetchError::Refused(format!("scheme '{other}' (only https)"))),
        }
        let host = url.host_str().ok_or_else(|| FetchError::Refused("no host".into()))?;
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> =
            tokio::net::lookup_host((host.trim_start_matches('[').trim_end_matches(']'), port))
                .await
                .map_err(|e| FetchError::Failed(format!("cannot resolve {host}: {e}")))?
                .collect();
        let first = *addrs.first().ok_or_else(|| FetchError::Failed(format!("{host} has no address")))?;
        if !self.policy.allow_private
            && !self.policy.trusted_hosts.iter().any(|h| h == host)
            && let Some(bad) = addrs.iter().find(|a| is_internal(a.ip()))
        {
            return Err(FetchError::Refused(format!("{host} resolves to {}, a private or loopback address", bad.ip())));
        }
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_bounded_by_bytes_whatever_the_number_of_answers() {
        let (budget, ttl) = (4 << 20, Duration::from_secs(300));
        let mut c = Cache::default();
        let half_mib = |_| -> Arc<[u8]> { vec![b' '; 1 << 20 >> 1].into() };
        for i in 0..100 {
            c.insert(&format!("https://h/{i}"), half_mib(i), budget, ttl);
            assert!(c.bytes <= budget, "{} bytes after {i}", c.bytes);
        }
        assert_eq!(c.entries.len(), 8, "the newest 512 KiB answers that fit in 4 MiB");
        assert!(c.entries.contains_key("https://h/99") && !c.entries.contains_key("https://h/0"));
        // One answer larger than a quarter of the budget is not kept at all.
        c.insert("https://h/big", vec![0u8; (budget / 4) + 1].into(), budget, ttl);
        assert!(!c.entries.contains_key("https://h/big"));
        // Replacing an entry does not count it twice.
        let before = c.bytes;
        c.insert("https://h/99", half_mib(0), budget, ttl);
        assert_eq!(c.bytes, before);
        // What is counted is what is held: the bytes.
        assert_eq!(c.bytes, c.entries.values().map(|(_, b)| b.len()).sum::<usize>());
    }

    #[test]
    fn the_number_of_values_is_bounded_from_the_structure_before_parsing() {
        for (text, at_least) in
            [("[]", 1), ("[1,2,3]", 4), (r#"{"a":1,"b":[true,null]}"#, 5), (r#"{"a":"x,y,[z]{","b":"\\\",["}"#, 3)]
        {
            let real = {
                fn count(v: &Value) -> usize {
                    1 + match v {
                        Value::Array(a) => a.iter().map(count).sum(),
                        Value::Object(o) => o.values().map(count).sum(),
                        _ => 0,
                    }
                }
                count(&serde_json::from_str(text).expect("json"))
            };
            let bound = json_values_bound(text.as_bytes());
            assert!(bound >= real && bound >= at_least && bound <= real + 2, "{text}: {bound} for {real}");
        }
        let bomb = format!("[{}0]", "0,".repeat(100_000));
        assert!(json_values_bound(bomb.as_bytes()) > crate::jsonld::MAX_VALUES);
    }

    /// A one-route HTTP server on 127.0.0.1 answering every request with `response`.
    async fn serve(response: String) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(response.as_bytes()).await;
            }
        });
        port
    }

    /// Issue 27: a status list of 400,000 tiny values (800 KB, 30-90 MB parsed) is refused
    /// from its structure, before parsing; the cache holds its bytes, not a tree; 64
    /// concurrent requests for it make one fetch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_list_of_many_tiny_values_is_refused_unparsed_and_fetched_once() {
        let body = format!("[{}0]", "0,".repeat(400_000));
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (served, counter) = (body.clone(), hits.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{served}", served.len());
                tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let _ = sock.write_all(answer.as_bytes()).await;
                });
            }
        });
        let policy = FetchPolicy { allow_http: true, allow_private: true, ..FetchPolicy::default() };
        let f = Arc::new(Fetcher::new(policy));
        let url = format!("http://127.0.0.1:{port}/list");
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (f, url) = (f.clone(), url.clone());
                tokio::spawn(async move { f.fetch(&url).await })
            })
            .collect();
        for t in tasks {
            let r = t.await.expect("task");
            assert!(matches!(&r, Err(FetchError::Unusable(m)) if m.contains("more than 1000 JSON values")), "{r:?}");
        }
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1, "one fetch for 64 concurrent requests");
        assert_eq!(f.cached_bytes(), body.len(), "the cache holds the bytes received, nothing parsed");
    }

    #[tokio::test]
    async fn a_redirect_to_a_private_address_is_refused_even_from_a_trusted_host() {
        let target = serve("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".into()).await;
        let hop = serve(format!(
            "HTTP/1.1 302 Found\r\nlocation: http://localhost:{target}/list\r\ncontent-length: 0\r\n\r\n"
        ))
        .await;
        let policy =
            FetchPolicy { allow_http: true, trusted_hosts: vec!["127.0.0.1".into()], ..FetchPolicy::default() };
        let f = Fetcher::new(policy.clone());
        let err = f.fetch(&format!("http://127.0.0.1:{hop}/start")).await.expect_err("redirect to loopback");
        assert!(matches!(err, FetchError::Refused(ref m) if m.contains("private or loopback")), "{err}");
        // Directly, the trusted host is fetched.
        assert_eq!(
            Fetcher::new(policy).fetch(&format!("http://127.0.0.1:{target}/list")).await.expect("fetch"),
            serde_json::json!({})
        );
    }

    #[tokio::test]
    async fn oversized_bodies_and_non_json_are_unusable() {
        let big = serve(format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{}", 2 << 20, "x".repeat(1000))).await;
        let policy = FetchPolicy { allow_http: true, allow_private: true, ..FetchPolicy::default() };
        assert!(matches!(
            Fetcher::new(policy.clone()).fetch(&format!("http://127.0.0.1:{big}/")).await,
            Err(FetchError::Unusable(_))
        ));
        let html = serve("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n<html".into()).await;
        assert!(matches!(
            Fetcher::new(policy).fetch(&format!("http://127.0.0.1:{html}/")).await,
            Err(FetchError::Unusable(_))
        ));
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(is_internal(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["1.1.1.1", "193.190.0.1", "2001:4860:4860::8888"] {
            assert!(!is_internal(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[tokio::test]
    async fn private_loopback_and_plain_http_urls_are_refused_before_any_request() {
        let f = Fetcher::new(FetchPolicy::default());
        for url in [
            "https://127.0.0.1/status/1",
            "https://localhost/status/1",
            "https://[::1]/s",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/s",
        ] {
            assert!(matches!(f.fetch(url).await, Err(FetchError::Refused(_))), "{url}");
        }
        assert!(matches!(f.fetch("http://example.org/s").await, Err(FetchError::Refused(_))));
        assert!(matches!(f.fetch("file:///etc/passwd").await, Err(FetchError::Refused(_))));
        assert!(matches!(f.fetch("not a url").await, Err(FetchError::Refused(_))));
    }
}
