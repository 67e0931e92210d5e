//! Configuration: defaults, then an optional TOML file (`--config` or
//! `MICROCRED_CONFIG`), then environment variables `MICROCRED_SECTION__KEY` (and
//! `DATABASE_URL`). Unknown keys, in the file or the environment, are errors that name
//! the key. Tests build [`Settings`] in code.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A secret string: never printed by `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The value; handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// All settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct Settings {
    /// HTTP server.
    pub server: ServerSettings,
    /// Database.
    pub database: DatabaseSettings,
    /// Signing keys.
    pub keys: KeySettings,
    /// Logging.
    pub log: LogSettings,
    /// Revocation and suspension.
    pub status: StatusSettings,
    /// OpenID4VCI.
    pub oid4vci: Oid4vciSettings,
    /// The demo institution.
    pub demo: DemoSettings,
    /// Issuer trust: trust lists and their operators.
    pub trust: TrustSettings,
    /// Institutions to create at start if they do not exist yet.
    pub institutions: Vec<InstitutionSettings>,
}

/// `[demo]`. The demo institution (slug `demo`) signs with the PUBLIC demo key; it is
/// created only while no other institution exists.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DemoSettings {
    /// Let the demo institution keep issuing after a real institution was created (by
    /// default it stops: its credentials prove nothing). Env `MICROCRED_DEMO__KEEP_ISSUING`.
    /// Default `false`.
    pub keep_issuing: bool,
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Bind address. Env `MICROCRED_SERVER__HOST`. Default `127.0.0.1`.
    pub host: String,
    /// Port (0 picks a free one). Env `MICROCRED_SERVER__PORT`. Default `8080`.
    pub port: u16,
    /// Public base URL: share links, QR codes and did:web identifiers derive from it.
    /// Empty (the default) means `http://{host}:{port}`, with `localhost` for a
    /// loopback or unspecified host (see [`ServerSettings::derived_base_url`]). Env
    /// `MICROCRED_SERVER__BASE_URL`.
    pub base_url: String,
    /// Largest request body in bytes. Env `MICROCRED_SERVER__MAX_BODY_BYTES`. Default 1 MiB.
    pub max_body_bytes: usize,
    /// Request timeout in seconds. Env `MICROCRED_SERVER__REQUEST_TIMEOUT_SECS`. Default 30.
    pub request_timeout_secs: u64,
    /// Largest batch issuance body in bytes. Env `MICROCRED_SERVER__MAX_BATCH_BYTES`.
    /// Default 256 MiB.
    pub max_batch_bytes: usize,
    /// Most awards in one batch. Env `MICROCRED_SERVER__MAX_BATCH_AWARDS`. Default 100,000.
    pub max_batch_awards: usize,
    /// Timeout of a batch issuance in seconds. Env `MICROCRED_SERVER__BATCH_TIMEOUT_SECS`.
    /// Default 600.
    pub batch_timeout_secs: u64,
    /// How often, in seconds, expired offers, tokens, nonces and idempotency records and
    /// unfinished batches of stopped nodes are removed (also once at start-up). Env
    /// `MICROCRED_SERVER__JANITOR_SECS`. Default 60.
    pub janitor_secs: u64,
    /// How long an `Idempotency-Key` is remembered, in hours. Env
    /// `MICROCRED_SERVER__IDEMPOTENCY_HOURS`. Default 24.
    pub idempotency_hours: u64,
    /// Requests handled at once; more wait (their bodies unread) until one finishes, so
    /// memory stays bounded (at most this many bodies of `max_body_bytes`) whatever the
    /// number of connections. Env `MICROCRED_SERVER__MAX_CONCURRENT_REQUESTS`. Default 256.
    pub max_concurrent_requests: usize,
    /// PEM file with the TLS certificate chain (leaf first). With `tls_key` set too, the
    /// service serves HTTPS only (rustls), on the same port. Env `MICROCRED_SERVER__TLS_CERT`.
    pub tls_cert: Option<PathBuf>,
    /// PEM file with the TLS private key (PKCS#8, PKCS#1 or SEC1). Env
    /// `MICROCRED_SERVER__TLS_KEY`.
    pub tls_key: Option<PathBuf>,
    /// Base URL under which credentials name our extension context
    /// (`{context_base_url}/microcred/contexts/v1.jsonld`) and extension schema
    /// (`…/microcred/schemas/v1.json`); the service serves both there. Empty (the
    /// default) means `base_url`; `https://w3id.org` once the w3id redirect is registered
    /// (docs/w3id/README.md). Env `MICROCRED_SERVER__CONTEXT_BASE_URL`.
    pub context_base_url: String,
}

/// `[database]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://…`. Env `DATABASE_URL` or `MICROCRED_DATABASE__URL`.
    /// Default `sqlite://data/microcred.db`.
    pub url: Secret,
}

/// `[keys]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KeySettings {
    /// Directory for private key files (mode 0600) when keys are not kept in the
    /// database. Env `MICROCRED_KEYS__DIR`. Default `data/keys`.
    pub dir: PathBuf,
    /// Key-encryption key (32 bytes, base64): when set, new private keys are stored in
    /// the database, sealed with XChaCha20-Poly1305. Env `MICROCRED_KEYS__ENCRYPTION_KEY`.
    pub encryption_key: Option<Secret>,
    /// Demo key used for the demo institution when no institution exists.
    /// Env `MICROCRED_KEYS__DEMO_KEY`. Default `keys-example/demo-issuer.jwk`.
    pub demo_key: PathBuf,
}

/// `[status]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StatusSettings {
    /// Also give new credentials a suspension entry, making `credentialStatus` an array
    /// (valid VC 2.0, outside the strict OB 3.0 schema). Env `MICROCRED_STATUS__SUSPENSION`.
    pub suspension: bool,
    /// Validity of a signed status list credential, in hours (it is re-signed before it
    /// expires, and whenever a bit changes). Env `MICROCRED_STATUS__LIST_VALIDITY_HOURS`. Default 24.
    pub list_validity_hours: u64,
    /// `ttl` advertised in lists and their `Cache-Control` max-age, in seconds.
    /// Env `MICROCRED_STATUS__TTL_SECONDS`. Default 300.
    pub ttl_seconds: u64,
    /// Let verification fetch other issuers' lists from private/loopback addresses
    /// (closed networks, tests). Env `MICROCRED_STATUS__FETCH_ALLOW_PRIVATE`.
    pub fetch_allow_private: bool,
    /// Let verification fetch lists over plain http. Env `MICROCRED_STATUS__FETCH_ALLOW_HTTP`.
    pub fetch_allow_http: bool,
}

impl Default for StatusSettings {
    fn default() -> Self {
        Self {
            suspension: false,
            list_validity_hours: 24,
            ttl_seconds: 300,
            fetch_allow_private: false,
            fetch_allow_http: false,
        }
    }
}

/// `[trust]`: which trust-list operators the deployment trusts and which lists to load.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TrustSettings {
    /// Trust lists to load: file paths or https URLs (fetched with the status-list
    /// address rules). Env `MICROCRED_TRUST__LISTS` (comma-separated). Default none.
    #[serde(deserialize_with = "string_list")]
    pub lists: Vec<String>,
    /// DIDs of the operators whose lists are trusted (did:key, or did:web with its
    /// document in `anchor_documents`). Env `MICROCRED_TRUST__ANCHORS` (comma-separated).
    #[serde(deserialize_with = "string_list")]
    pub anchors: Vec<String>,
    /// DID document files of did:web anchors (never fetched). Env
    /// `MICROCRED_TRUST__ANCHOR_DOCUMENTS` (comma-separated).
    #[serde(deserialize_with = "string_list")]
    pub anchor_documents: Vec<String>,
    /// How often lists are loaded again, in seconds. Env `MICROCRED_TRUST__REFRESH_SECONDS`.
    /// Default 3600.
    pub refresh_seconds: u64,
}

impl Default for TrustSettings {
    fn default() -> Self {
        Self { lists: Vec::new(), anchors: Vec::new(), anchor_documents: Vec::new(), refresh_seconds: 3600 }
    }
}

/// A list given as a TOML array or as one comma-separated string (environment).
fn string_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        One(String),
        Many(Vec<String>),
    }
    Ok(match List::deserialize(d)? {
        List::One(s) => s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect(),
        List::Many(v) => v,
    })
}

/// `[oid4vci]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Oid4vciSettings {
    /// How long an offer (its pre-authorized code) is valid, in seconds.
    /// Env `MICROCRED_OID4VCI__OFFER_TTL_SECONDS`. Default 600 (10 minutes).
    pub offer_ttl_seconds: u64,
    /// Access-token lifetime in seconds. Env `MICROCRED_OID4VCI__TOKEN_TTL_SECONDS`. Default 600.
    pub token_ttl_seconds: u64,
    /// Nonce lifetime in seconds. Env `MICROCRED_OID4VCI__NONCE_TTL_SECONDS`. Default 300.
    pub nonce_ttl_seconds: u64,
    /// Wrong PINs before an offer's code is burnt. Env `MICROCRED_OID4VCI__MAX_TX_CODE_ATTEMPTS`. Default 5.
    pub max_tx_code_attempts: i64,
}

impl Default for Oid4vciSettings {
    fn default() -> Self {
        Self { offer_ttl_seconds: 600, token_ttl_seconds: 600, nonce_ttl_seconds: 300, max_tx_code_attempts: 5 }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `tracing` filter, e.g. `info,sqlx=warn`. Env `MICROCRED_LOG__FILTER` (or `RUST_LOG`).
    pub filter: String,
    /// JSON lines instead of text. Env `MICROCRED_LOG__JSON`.
    pub json: bool,
}

/// `[[institutions]]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InstitutionSettings {
    /// URL slug (`kuleuven`): its did:web is `did:web:{host}:issuers:{slug}`.
    pub slug: String,
    /// Which of the 18 institutions' records it awards (defaults to the slug when that
    /// is one of them).
    pub institution_id: Option<String>,
    /// Display name (defaults to the institution's official name).
    pub name: Option<String>,
    /// Homepage (defaults to the institution's homepage).
    pub url: Option<String>,
    /// `"web"` (default: `did:web:{host}:issuers:{slug}`) or `"key"` (the did:key of its
    /// one signing key). Fixed when the institution is created.
    #[serde(default)]
    pub did_method: crate::crypto::did::DidMethod,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            base_url: String::new(),
            max_body_bytes: 1 << 20,
            request_timeout_secs: 30,
            max_batch_bytes: 256 << 20,
            max_batch_awards: 100_000,
            batch_timeout_secs: 600,
            janitor_secs: 60,
            idempotency_hours: 24,
            max_concurrent_requests: 256,
            tls_cert: None,
            tls_key: None,
            context_base_url: String::new(),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self { url: Secret::new("sqlite://data/microcred.db") }
    }
}

impl Default for KeySettings {
    fn default() -> Self {
        Self { dir: "data/keys".into(), encryption_key: None, demo_key: "keys-example/demo-issuer.jwk".into() }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { filter: "info,sqlx=warn,tower_http=info".into(), json: false }
    }
}

/// Environment variables that set a key: `MICROCRED_` + this.
const ENV_KEYS: &[&str] = &[
    "SERVER__HOST",
    "SERVER__PORT",
    "SERVER__BASE_URL",
    "SERVER__MAX_BODY_BYTES",
    "SERVER__REQUEST_TIMEOUT_SECS",
    "SERVER__MAX_BATCH_BYTES",
    "SERVER__MAX_BATCH_AWARDS",
    "SERVER__BATCH_TIMEOUT_SECS",
    "SERVER__JANITOR_SECS",
    "SERVER__IDEMPOTENCY_HOURS",
    "SERVER__MAX_CONCURRENT_REQUESTS",
    "SERVER__TLS_CERT",
    "SERVER__TLS_KEY",
    "SERVER__CONTEXT_BASE_URL",
    "DATABASE__URL",
    "KEYS__DIR",
    "KEYS__ENCRYPTION_KEY",
    "KEYS__DEMO_KEY",
    "LOG__FILTER",
    "LOG__JSON",
    "STATUS__SUSPENSION",
    "STATUS__LIST_VALIDITY_HOURS",
    "STATUS__TTL_SECONDS",
    "STATUS__FETCH_ALLOW_PRIVATE",
    "STATUS__FETCH_ALLOW_HTTP",
    "OID4VCI__OFFER_TTL_SECONDS",
    "OID4VCI__TOKEN_TTL_SECONDS",
    "OID4VCI__NONCE_TTL_SECONDS",
    "OID4VCI__MAX_TX_CODE_ATTEMPTS",
    "DEMO__KEEP_ISSUING",
    "TRUST__LISTS",
    "TRUST__ANCHORS",
    "TRUST__ANCHOR_DOCUMENTS",
    "TRUST__REFRESH_SECONDS",
];

/// A configuration error naming the offending key or file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// Loads settings: defaults < file < environment.
pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let file = file
        .map(Path::to_path_buf)
        .or_else(|| env.iter().find(|(k, _)| k == "MICROCRED_CONFIG").map(|(_, v)| PathBuf::from(v)));
    load_from(file.as_deref(), &env)
}

/// [`load`] with an explicit environment (for tests).
pub fn load_from(file: Option<&Path>, env: &[(String, String)]) -> Result<Settings, ConfigError> {
    let mut tree = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
            text.parse::<toml::Table>()
                .map_err(|e| ConfigError(format!("config file {} is not valid TOML: {e}", path.display())))?
        }
        None => toml::Table::new(),
    };
    for (name, value) in env {
        let key = if name == "DATABASE_URL" {
            "DATABASE__URL"
        } else if let Some(k) = name.strip_prefix("MICROCRED_") {
            if k == "CONFIG" {
                continue;
            }
            if !ENV_KEYS.contains(&k) {
                return Err(ConfigError(format!(
                    "unknown environment variable {name}; settable keys are MICROCRED_{}",
                    ENV_KEYS.join(", MICROCRED_")
                )));
            }
            k
        } else {
            continue;
        };
        let mut parts = key.split("__");
        let (Some(section), Some(field)) = (parts.next(), parts.next()) else {
            continue;
        };
        let section = section.to_lowercase();
        let field = field.to_lowercase();
        let entry = tree.entry(section.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(t) = entry else {
            return Err(ConfigError(format!("config section [{section}] is not a table")));
        };
        t.insert(field, scalar(value));
    }
    let mut settings: Settings = toml::Value::Table(tree)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError(format!("configuration error: {}", e.message())))?;
    if settings.server.base_url.is_empty() && settings.server.port != 0 {
        settings.server.base_url = settings.server.derived_base_url(settings.server.port);
    }
    settings.check()?;
    Ok(settings)
}

/// Whether a host name or address is this machine only (or every address of it).
fn is_local_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

impl ServerSettings {
    /// The base URL when none is configured: `http://{host}:{port}`, where a
    /// loopback or unspecified host (`127.0.0.1`, `0.0.0.0`, `::1`, `::`) is written
    /// `localhost`, so that a browser on this machine can open the links.
    pub fn derived_base_url(&self, port: u16) -> String {
        let scheme = if self.tls_enabled() { "https" } else { "http" };
        let host = if is_local_host(&self.host) {
            "localhost".to_owned()
        } else if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{scheme}://{host}:{port}")
    }

    /// Whether HTTPS is configured (both `tls_cert` and `tls_key`).
    pub fn tls_enabled(&self) -> bool {
        self.tls_cert.is_some() && self.tls_key.is_some()
    }
}

/// Why share links, QR codes and DIDs would not reach the service: `base_url` names
/// this machine but another port than the one listened on, or this machine while the
/// service listens on another address only. `None` when they agree, or when `base_url`
/// names another host (a reverse proxy is then expected in front).
pub fn base_url_mismatch(base_url: &str, bound: std::net::SocketAddr) -> Option<String> {
    let url = url::Url::parse(base_url).ok()?;
    let host = url.host_str()?;
    if !is_local_host(host) {
        return None;
    }
    let port = url.port_or_known_default()?;
    if port != bound.port() {
        return Some(format!(
            "server.base_url {base_url} names port {port} but the service listens on {bound}: share links, QR codes and DIDs will not reach it; set MICROCRED_SERVER__BASE_URL (or leave it unset to derive it)"
        ));
    }
    if !bound.ip().is_loopback() && !bound.ip().is_unspecified() {
        return Some(format!(
            "server.base_url {base_url} names this machine's loopback address but the service listens on {bound} only; set MICROCRED_SERVER__BASE_URL to the address clients use"
        ));
    }
    None
}

/// An environment value as TOML: integers and booleans typed, everything else text.
fn scalar(v: &str) -> toml::Value {
    if let Ok(i) = v.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(b) = v.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(v.to_owned())
    }
}

impl Settings {
    /// Checks values that types cannot.
    pub fn check(&self) -> Result<(), ConfigError> {
        // An empty base URL is derived from the bound address at start (port 0).
        if !self.server.base_url.is_empty() {
            let base = url::Url::parse(&self.server.base_url)
                .map_err(|e| ConfigError(format!("server.base_url '{}' is not a URL: {e}", self.server.base_url)))?;
            if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
                return Err(ConfigError(format!(
                    "server.base_url '{}' must be an http(s) URL with a host",
                    self.server.base_url
                )));
            }
        }
        if self.server.tls_cert.is_some() != self.server.tls_key.is_some() {
            return Err(ConfigError(
                "server.tls_cert and server.tls_key go together: set both (PEM files) to serve HTTPS, or neither"
                    .into(),
            ));
        }
        if !self.server.context_base_url.is_empty() {
            let base = url::Url::parse(&self.server.context_base_url).map_err(|e| {
                ConfigError(format!("server.context_base_url '{}' is not a URL: {e}", self.server.context_base_url))
            })?;
            if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
                return Err(ConfigError(format!(
                    "server.context_base_url '{}' must be an http(s) URL with a host",
                    self.server.context_base_url
                )));
            }
        }
        crate::store::DatabaseUrl::parse(self.database.url.expose())
            .map_err(|e| ConfigError(format!("database.url: {e}")))?;
        for i in &self.institutions {
            crate::service::institutions::check_slug(&i.slug).map_err(|e| ConfigError(format!("institutions: {e}")))?;
        }
        Ok(())
    }

    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.server.base_url.trim_end_matches('/')
    }

    /// The base URL of our extension context and schema, without a trailing slash:
    /// `server.context_base_url`, else [`Settings::base_url`].
    pub fn context_base_url(&self) -> &str {
        match self.server.context_base_url.trim_end_matches('/') {
            "" => self.base_url(),
            set => set,
        }
    }

    /// The URL credentials name our extension context by.
    pub fn extension_context_url(&self) -> String {
        format!("{}{}", self.context_base_url(), crate::jsonld::contexts::MICROCRED_V1_PATH)
    }

    /// The URL credentials name our extension schema by.
    pub fn extension_schema_url(&self) -> String {
        format!("{}{}", self.context_base_url(), crate::ob3::EXTENSION_SCHEMA_PATH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    /// Every `MICROCRED_SECTION__KEY` the README names is settable (it named six server
    /// keys that were refused as unknown).
    #[test]
    fn every_environment_variable_the_readme_names_is_accepted() {
        let readme = include_str!("../README.md");
        let mut named = 0;
        for (i, _) in readme.match_indices("MICROCRED_") {
            let name: String = readme[i + "MICROCRED_".len()..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.contains("__") || name == "SECTION__KEY" {
                continue;
            }
            named += 1;
            assert!(ENV_KEYS.contains(&name.as_str()), "README names MICROCRED_{name}, which is not settable");
        }
        assert!(named > 20, "the README's configuration table was found ({named} names)");
    }

    #[test]
    fn the_base_url_follows_the_host_and_port_unless_it_is_set() {
        let cases = [
            (vec![], "http://localhost:8080", "defaults"),
            (vec![("MICROCRED_SERVER__PORT", "9000")], "http://localhost:9000", "only the port"),
            (
                vec![("MICROCRED_SERVER__HOST", "0.0.0.0"), ("MICROCRED_SERVER__PORT", "9000")],
                "http://localhost:9000",
                "every address",
            ),
            (vec![("MICROCRED_SERVER__HOST", "192.0.2.7")], "http://192.0.2.7:8080", "one address"),
            (vec![("MICROCRED_SERVER__HOST", "::1")], "http://localhost:8080", "IPv6 loopback"),
            (vec![("MICROCRED_SERVER__HOST", "2001:db8::1")], "http://[2001:db8::1]:8080", "IPv6"),
            (
                vec![("MICROCRED_SERVER__PORT", "9000"), ("MICROCRED_SERVER__BASE_URL", "https://badges.example.be")],
                "https://badges.example.be",
                "set explicitly",
            ),
            (vec![("MICROCRED_SERVER__PORT", "0")], "", "port 0: derived once bound"),
        ];
        for (vars, want, why) in cases {
            let s = load_from(None, &env(&vars)).expect("loads");
            assert_eq!(s.server.base_url, want, "{why}");
        }
    }

    #[test]
    fn a_base_url_that_misses_the_listening_address_is_reported() {
        let at = |s: &str| s.parse::<std::net::SocketAddr>().expect("addr");
        let cases = [
            ("http://localhost:8080", "127.0.0.1:8080", false, "agree"),
            ("http://localhost:8080", "0.0.0.0:8080", false, "every address"),
            ("http://localhost:8080", "127.0.0.1:9000", true, "other port"),
            ("http://127.0.0.1", "127.0.0.1:8080", true, "default port 80"),
            ("http://localhost:8080", "192.0.2.7:8080", true, "loopback named, other address bound"),
            ("https://badges.example.be", "127.0.0.1:9000", false, "a proxy in front"),
        ];
        for (base, bound, warns, why) in cases {
            assert_eq!(base_url_mismatch(base, at(bound)).is_some(), warns, "{why}");
        }
        let msg = base_url_mismatch("http://localhost:8080", at("127.0.0.1:9000")).expect("warns");
        assert!(msg.contains("MICROCRED_SERVER__BASE_URL") && msg.contains("8080") && msg.contains("9000"), "{msg}");
    }

    #[test]
    fn defaults_need_no_file_and_no_environment() {
        let s = load_from(None, &[]).expect("defaults");
        let mut want = Settings::default();
        want.server.base_url = "http://localhost:8080".into();
        assert_eq!(s, want);
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.database.url.expose(), "sqlite://data/microcred.db");
    }

    #[test]
    fn the_environment_overrides_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("c.toml");
        std::fs::write(
            &f,
            "[server]\nport = 9000\nbase_url = \"https://badges.example.be\"\n[[institutions]]\nslug = \"kuleuven\"\n",
        )
        .expect("write");
        let s = load_from(Some(&f), &env(&[("MICROCRED_SERVER__PORT", "9100"), ("DATABASE_URL", "postgres://u@h/db")]))
            .expect("load");
        assert_eq!(s.server.port, 9100);
        assert_eq!(s.server.base_url, "https://badges.example.be");
        assert_eq!(s.database.url.expose(), "postgres://u@h/db");
        assert_eq!(s.institutions[0].slug, "kuleuven");
    }

    #[test]
    fn the_demo_stops_issuing_unless_configured_otherwise() {
        assert!(!load_from(None, &[]).expect("defaults").demo.keep_issuing);
        let s = load_from(None, &env(&[("MICROCRED_DEMO__KEEP_ISSUING", "true")])).expect("env");
        assert!(s.demo.keep_issuing);
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[demo]\nkeep_issuing = true\n").expect("write");
        assert!(load_from(Some(&f), &[]).expect("file").demo.keep_issuing);
        std::fs::write(&f, "[demo]\nkeep_issueing = true\n").expect("write");
        let e = load_from(Some(&f), &[]).expect_err("unknown key").to_string();
        assert!(e.contains("keep_issueing"), "{e}");
    }

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[server]\nprot = 9000\n").expect("write");
        let e = load_from(Some(&f), &[]).expect_err("unknown key").to_string();
        assert!(e.contains("prot"), "{e}");
        let e = load_from(None, &env(&[("MICROCRED_SERVER__PROT", "1")])).expect_err("unknown env").to_string();
        assert!(e.contains("MICROCRED_SERVER__PROT"), "{e}");
        std::fs::write(&f, "[sever]\nport = 1\n").expect("write");
        let e = load_from(Some(&f), &[]).expect_err("unknown section").to_string();
        assert!(e.contains("sever"), "{e}");
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let mut s = Settings::default();
        s.database.url = Secret::new("postgres://user:hunter2@db/x");
        s.keys.encryption_key = Some(Secret::new("c2VjcmV0"));
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("c2VjcmV0"));
    }
}
