//! Every JSON-LD context this crate signs or verifies with, embedded at build time.
//! `contexts/index.json` lists the same URLs; a test keeps the two in sync.

/// URL of the W3C VC Data Model 2.0 context.
pub const CREDENTIALS_V2_URL: &str = "https://www.w3.org/ns/credentials/v2";
/// URL of the W3C VC Data Model 1.1 context (credentials of other issuers, verified only).
pub const CREDENTIALS_V1_URL: &str = "https://www.w3.org/2018/credentials/v1";
/// URL of the W3C VC 2.0 examples context (a single `@vocab`), which example and test
/// credentials use.
pub const CREDENTIALS_EXAMPLES_V2_URL: &str = "https://www.w3.org/ns/credentials/examples/v2";
/// URL of the Open Badges 3.0.3 context.
pub const OB_V3P0_URL: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// URL of the 1EdTech extensions context (defines `1EdTechJsonSchemaValidator2019`).
pub const OB_EXTENSIONS_URL: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
/// Canonical URL of our own microcredential extension context, version 1. Never edit a
/// published version: a changed mapping changes the signed RDF; publish v2 instead.
pub const MICROCRED_V1_URL: &str = "https://w3id.org/microcred/contexts/v1.jsonld";
/// Path of our extension context, version 1, under a context base URL
/// (`https://w3id.org`, or a deployment's `server.context_base_url`).
pub const MICROCRED_V1_PATH: &str = "/microcred/contexts/v1.jsonld";
/// Namespace of the terms our extension context defines.
pub const MICROCRED_VOCAB: &str = "https://w3id.org/microcred/vocab#";
/// URL of the Data Integrity v2 context.
pub const DATA_INTEGRITY_V2_URL: &str = "https://w3id.org/security/data-integrity/v2";
/// URL of the Multikey v1 context.
pub const MULTIKEY_V1_URL: &str = "https://w3id.org/security/multikey/v1";
/// URL of the DID v1 context.
pub const DID_V1_URL: &str = "https://www.w3.org/ns/did/v1";
/// URL of the JSON Web Key 2020 suite context (DID documents with `JsonWebKey` methods).
pub const JWS_2020_URL: &str = "https://w3id.org/security/suites/jws-2020/v1";

/// URL of our issuer trust list context ([`crate::trust::list`]).
pub const TRUST_V1_URL: &str = "https://w3id.org/microcred/contexts/trust-v1.jsonld";

/// `(URL, file name in contexts/, content)` of every embedded context.
pub const CONTEXTS: &[(&str, &str, &str)] = &[
    (CREDENTIALS_V2_URL, "credentials-v2.jsonld", include_str!("../../contexts/credentials-v2.jsonld")),
    (CREDENTIALS_V1_URL, "credentials-v1.jsonld", include_str!("../../contexts/credentials-v1.jsonld")),
    (OB_V3P0_URL, "ob-v3p0-context-3.0.3.json", include_str!("../../contexts/ob-v3p0-context-3.0.3.json")),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "ob-v3p0-context-3.0.2.json",
        include_str!("../../contexts/ob-v3p0-context-3.0.2.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "ob-v3p0-context-3.0.1.json",
        include_str!("../../contexts/ob-v3p0-context-3.0.1.json"),
    ),
    (OB_EXTENSIONS_URL, "ob-v3p0-extensions.json", include_str!("../../contexts/ob-v3p0-extensions.json")),
    (DATA_INTEGRITY_V2_URL, "data-integrity-v2.jsonld", include_str!("../../contexts/data-integrity-v2.jsonld")),
    (MULTIKEY_V1_URL, "multikey-v1.jsonld", include_str!("../../contexts/multikey-v1.jsonld")),
    (DID_V1_URL, "did-v1.jsonld", include_str!("../../contexts/did-v1.jsonld")),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        "credentials-status-v1.jsonld",
        include_str!("../../contexts/credentials-status-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "ed25519-2020-v1.jsonld",
        include_str!("../../contexts/ed25519-2020-v1.jsonld"),
    ),
    (JWS_2020_URL, "jws-2020-v1.jsonld", include_str!("../../contexts/jws-2020-v1.jsonld")),
    (
        CREDENTIALS_EXAMPLES_V2_URL,
        "credentials-examples-v2.jsonld",
        include_str!("../../contexts/credentials-examples-v2.jsonld"),
    ),
    (MICROCRED_V1_URL, "microcred-v1.jsonld", include_str!("../../contexts/microcred-v1.jsonld")),
    (TRUST_V1_URL, "microcred-trust-v1.jsonld", include_str!("../../contexts/microcred-trust-v1.jsonld")),
];

/// Our own contexts, which other URLs may publish byte for byte (a deployment's
/// `server.context_base_url`, another deployment of this service): see [`add_alias`].
pub const OWN_CONTEXTS: &[&str] = &[MICROCRED_V1_URL, TRUST_V1_URL];

/// Most aliases remembered; past that, a new one is not kept (it is fetched and checked
/// again next time).
const MAX_ALIASES: usize = 1024;

fn aliases() -> &'static std::sync::RwLock<std::collections::HashMap<String, &'static str>> {
    static A: std::sync::OnceLock<std::sync::RwLock<std::collections::HashMap<String, &'static str>>> =
        std::sync::OnceLock::new();
    A.get_or_init(Default::default)
}

/// Makes `url` another name of our own context `canonical` (one of [`OWN_CONTEXTS`]):
/// only for a URL that publishes exactly its content, as this deployment's
/// `server.context_base_url` does, or as a fetched document whose digest matched. The
/// context URL is not part of the signed RDF, so a credential naming either URL
/// canonicalizes the same. Returns whether it is (now) an alias.
pub fn add_alias(url: &str, canonical: &str) -> bool {
    let Some(canonical) = OWN_CONTEXTS.iter().copied().find(|c| *c == canonical) else { return false };
    if url == canonical || CONTEXTS.iter().any(|(u, _, _)| *u == url) {
        return url == canonical;
    }
    let Ok(mut map) = aliases().write() else { return false };
    if map.len() >= MAX_ALIASES && !map.contains_key(url) {
        return false;
    }
    map.insert(url.to_owned(), canonical);
    true
}

/// The shipped URL a context URL stands for: itself when shipped, the context it is an
/// alias of ([`add_alias`]), else `None`.
pub fn canonical(url: &str) -> Option<&'static str> {
    if let Some((u, _, _)) = CONTEXTS.iter().find(|(u, _, _)| *u == url) {
        return Some(u);
    }
    aliases().read().ok()?.get(url).copied()
}

/// `sha256-<base64>` (Subresource Integrity) of a shipped context's bytes.
pub fn sri(url: &str) -> Option<String> {
    use base64::Engine;
    use sha2::Digest;
    get(url).map(|c| format!("sha256-{}", base64::prelude::BASE64_STANDARD.encode(sha2::Sha256::digest(c.as_bytes()))))
}

/// The SHA-256 digest of the content of each of [`OWN_CONTEXTS`], with its URL.
pub fn own_digests() -> &'static [([u8; 32], &'static str)] {
    use sha2::Digest;
    static D: std::sync::OnceLock<Vec<([u8; 32], &'static str)>> = std::sync::OnceLock::new();
    D.get_or_init(|| {
        OWN_CONTEXTS.iter().filter_map(|u| get(u).map(|c| (sha2::Sha256::digest(c.as_bytes()).into(), *u))).collect()
    })
}

/// The embedded content of a context URL, if we ship it.
pub fn get(url: &str) -> Option<&'static str> {
    CONTEXTS.iter().find(|(u, _, _)| *u == url).map(|(_, _, c)| *c)
}
