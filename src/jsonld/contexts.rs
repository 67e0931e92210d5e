//! Every JSON-LD context this crate signs or verifies with, embedded at build time.
//! `contexts/index.json` lists the same URLs; a test keeps the two in sync.

/// URL of the W3C VC Data Model 2.0 context.
pub const CREDENTIALS_V2_URL: &str = "https://www.w3.org/ns/credentials/v2";
/// URL of the W3C VC Data Model 1.1 context (credentials of other issuers, verified only).
pub const CREDENTIALS_V1_URL: &str = "https://www.w3.org/2018/credentials/v1";
/// URL of the W3C VC 2.0 examples context (a single `@vocab`), which example and test
/// credentials use.
pub const CREDENTIALS_EXAMPLES_V2_URL: &str = "https://www.w3.org/ns/credentials/examples/v2";
/// URL of the VC 2.0 undefined-terms context: one `@vocab`
/// (`https://www.w3.org/ns/credentials/undefined-term#`) that a document which uses terms
/// no context defines must name last (VC 2.0 §4.3). Verified with a warning, never signed.
pub const UNDEFINED_TERMS_V2_URL: &str = "https://www.w3.org/ns/credentials/undefined-terms/v2";
/// The namespace the undefined-terms context maps every undefined term to.
pub const UNDEFINED_TERM_VOCAB: &str = "https://www.w3.org/ns/credentials/undefined-term#";
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

/// URL of the W3C CCG Status List 2021 context (`StatusList2021Entry` in VC 1.1
/// credentials, as the Digital Credentials Consortium's issuers write them).
pub const STATUS_LIST_2021_URL: &str = "https://w3id.org/vc/status-list/2021/v1";

/// URL of our issuer trust list context ([`crate::trust::list`]).
pub const TRUST_V1_URL: &str = "https://w3id.org/microcred/contexts/trust-v1.jsonld";
/// Our issuer trust list context, version 2: per-entry `validFrom`/`validUntil` (new
/// lists name it; lists naming version 1 keep verifying).
pub const TRUST_V2_URL: &str = "https://w3id.org/microcred/contexts/trust-v2.jsonld";

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
        STATUS_LIST_2021_URL,
        "vc-status-list-2021-v1.jsonld",
        include_str!("../../contexts/vc-status-list-2021-v1.jsonld"),
    ),
    (
        CREDENTIALS_EXAMPLES_V2_URL,
        "credentials-examples-v2.jsonld",
        include_str!("../../contexts/credentials-examples-v2.jsonld"),
    ),
    (
        UNDEFINED_TERMS_V2_URL,
        "credentials-undefined-terms-v2.jsonld",
        include_str!("../../contexts/credentials-undefined-terms-v2.jsonld"),
    ),
    (MICROCRED_V1_URL, "microcred-v1.jsonld", include_str!("../../contexts/microcred-v1.jsonld")),
    (TRUST_V1_URL, "microcred-trust-v1.jsonld", include_str!("../../contexts/microcred-trust-v1.jsonld")),
    (TRUST_V2_URL, "microcred-trust-v2.jsonld", include_str!("../../contexts/microcred-trust-v2.jsonld")),
];

/// Our own contexts, which other URLs may publish byte for byte (a deployment's
/// `server.context_base_url`, another deployment of this service): see [`add_alias`].
pub const OWN_CONTEXTS: &[&str] = &[MICROCRED_V1_URL, TRUST_V1_URL, TRUST_V2_URL];

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

/// The contexts whose file in `contexts/` is, byte for byte, the document published at
/// their URL: ours (we publish them), the VC 2.0 context (its SHA-256 is the one VC 2.0
/// §B.1 publishes, `59955ced…2734`), the VC 2.0 examples and undefined-terms contexts. A `relatedResource`
/// digest of one of these is judged against our copy; the other copies are re-serialised
/// by their npm packages (same JSON, other bytes), so their digests cannot be judged.
pub const BYTE_EXACT: &[&str] = &[
    CREDENTIALS_V2_URL,
    CREDENTIALS_EXAMPLES_V2_URL,
    UNDEFINED_TERMS_V2_URL,
    MICROCRED_V1_URL,
    TRUST_V1_URL,
    TRUST_V2_URL,
];

/// Checks the digests a `relatedResource` gives for `url` (VC 2.0 §5.3) when we hold the
/// published bytes of that resource ([`BYTE_EXACT`]): `digestSRI` (`sha256-`, `sha384-`
/// or `sha512-` and base64) and `digestMultibase` (a SHA-256, bare or with its multihash
/// header `0x12 0x20`). `Err` names the digest that does not match; other resources are
/// not loaded, so their digests pass unjudged.
pub fn check_related_digests(url: &str, sri: Option<&str>, multibase: Option<&str>) -> Result<(), String> {
    use base64::Engine;
    use sha2::Digest;
    // Under its own URL or an alias (our context under a deployment's `context_base_url`).
    let shipped = canonical(url).filter(|u| BYTE_EXACT.contains(u));
    let Some(content) = shipped.and_then(get) else { return Ok(()) };
    if let Some(sri) = sri {
        let want = match sri.split_once('-') {
            Some(("sha256", b64)) => Some((sha2::Sha256::digest(content.as_bytes()).to_vec(), b64)),
            Some(("sha384", b64)) => Some((sha2::Sha384::digest(content.as_bytes()).to_vec(), b64)),
            Some(("sha512", b64)) => Some((sha2::Sha512::digest(content.as_bytes()).to_vec(), b64)),
            _ => None,
        };
        match want {
            Some((digest, b64)) if base64::prelude::BASE64_STANDARD.encode(&digest) == b64 => {}
            _ => return Err(format!("digestSRI does not match the content of {url}")),
        }
    }
    if let Some(mb) = multibase {
        let digest = sha2::Sha256::digest(content.as_bytes()).to_vec();
        let ok = multibase::decode(mb).is_ok_and(|(_, bytes)| {
            bytes == digest || (bytes.len() == 34 && bytes[..2] == [0x12, 0x20] && bytes[2..] == digest[..])
        });
        if !ok {
            return Err(format!("digestMultibase does not match the content of {url} (SHA-256)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vc2_context_is_the_published_document_byte_for_byte() {
        use sha2::Digest;
        let vc2 = get(CREDENTIALS_V2_URL).unwrap_or_default();
        // VC Data Model 2.0 §B.1 "Base Context": the SHA2-256 digest of the base context file.
        assert_eq!(
            hex::encode(sha2::Sha256::digest(vc2.as_bytes())),
            "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
        );
        // It defines no @vocab: undefined terms stay undefined (safe mode refuses them).
        let v: serde_json::Value = serde_json::from_str(vc2).unwrap_or_default();
        assert!(v["@context"].get("@vocab").is_none());
    }

    #[test]
    fn related_digests_are_judged_only_for_byte_exact_copies() {
        use base64::Engine;
        use sha2::Digest;
        let vc2 = get(CREDENTIALS_V2_URL).unwrap_or_default();
        let sri = format!("sha384-{}", base64::prelude::BASE64_STANDARD.encode(sha2::Sha384::digest(vc2.as_bytes())));
        let raw = multibase::encode(multibase::Base::Base64Url, sha2::Sha256::digest(vc2.as_bytes()));
        assert_eq!(check_related_digests(CREDENTIALS_V2_URL, Some(&sri), Some(&raw)), Ok(()));
        // The digest of an earlier draft of the context (another document) is refused.
        let draft = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k";
        assert!(check_related_digests(CREDENTIALS_V2_URL, None, Some(draft)).is_err());
        assert!(check_related_digests(CREDENTIALS_V2_URL, Some("sha384-AAAA"), None).is_err());
        assert!(check_related_digests(CREDENTIALS_V2_URL, Some("md5-AAAA"), None).is_err());
        // A re-serialised copy or an unknown resource: not judged.
        assert_eq!(check_related_digests(DATA_INTEGRITY_V2_URL, None, Some(draft)), Ok(()));
        assert_eq!(check_related_digests("https://example.edu/a", Some("sha384-AAAA"), None), Ok(()));
    }
}
