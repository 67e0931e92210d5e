//! Issuer identifiers: `did:key` and `did:jwk` (resolved locally from the identifier
//! itself) and `did:web` (resolved only from DID documents this process was given: our
//! own issuers, never over the network). Spec: DID Core 1.0, did:key 0.7, did:web,
//! did:jwk (<https://github.com/quartzjer/did-jwk/blob/main/spec.md>).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ssi::JWK;
use ssi::jwk::Params;

use crate::jsonld::contexts::{DID_V1_URL, JWS_2020_URL, MULTIKEY_V1_URL};

/// How an institution names itself: `did:web` under the deployment's base URL (the
/// default; its keys can be rotated behind one stable DID), or the `did:key` of its
/// signing key, which any verifier resolves without a network (the W3C test suites
/// resolve nothing else) but which is the key itself: a did:key institution keeps one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DidMethod {
    /// `did:web:{host}:issuers:{slug}`.
    #[default]
    Web,
    /// `did:key:z6Mk…` of the institution's (only) key.
    Key,
}

impl DidMethod {
    /// `web` or `key`, as stored and configured.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Key => "key",
        }
    }
}

impl std::fmt::Display for DidMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DidMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "web" => Ok(Self::Web),
            "key" => Ok(Self::Key),
            other => Err(format!("did_method '{other}' must be \"web\" or \"key\"")),
        }
    }
}

/// A DID document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DidDocument {
    /// JSON-LD contexts.
    #[serde(rename = "@context", default)]
    pub context: Vec<String>,
    /// The DID.
    pub id: String,
    /// Keys.
    #[serde(default)]
    pub verification_method: Vec<VerificationMethod>,
    /// Keys that may sign credentials.
    #[serde(default)]
    pub assertion_method: Vec<String>,
    /// Keys that may authenticate as the DID.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<String>,
}

/// A verification method: `Multikey` (Ed25519) or `JsonWebKey2020` (RSA).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMethod {
    /// `did…#fragment`.
    pub id: String,
    /// `Multikey` or `JsonWebKey2020`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The DID.
    pub controller: String,
    /// Multikey encoding of an Ed25519 key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_multibase: Option<String>,
    /// JWK encoding (RSA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_jwk: Option<Value>,
}

/// Why a key could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// Not a DID URL with a fragment.
    #[error("'{0}' is not a DID URL naming a key (did:…#…)")]
    NotADidUrl(String),
    /// A DID method we do not resolve.
    #[error("DID method of '{0}' is not supported (did:key, did:jwk and did:web are)")]
    UnsupportedMethod(String),
    /// A did:web we have no document for (documents are never fetched).
    #[error("no DID document is known for {0}; did:web is resolved only for this issuer's own institutions")]
    UnknownDid(String),
    /// The document has no such key.
    #[error("the DID document of {did} has no verification method {id}")]
    NoSuchKey {
        /// DID.
        did: String,
        /// Method id.
        id: String,
    },
    /// The key may not sign credentials.
    #[error("key {0} is not listed under assertionMethod, so it may not sign credentials")]
    NotAssertionMethod(String),
    /// The key material is unusable.
    #[error("key {id} is malformed: {reason}")]
    BadKey {
        /// Method id.
        id: String,
        /// Cause.
        reason: String,
    },
}

/// A resolved public key.
#[derive(Debug, Clone)]
pub struct ResolvedKey {
    /// Method id.
    pub id: String,
    /// Controller DID.
    pub controller: String,
    /// Public key.
    pub jwk: JWK,
}

/// `z` + base58btc(multicodec ed25519-pub ‖ key), the Multikey form of an Ed25519 key.
pub fn ed25519_multibase(jwk: &JWK) -> Option<String> {
    match &jwk.params {
        Params::OKP(p) if p.curve == "Ed25519" => {
            let enc = ssi::multicodec::MultiEncodedBuf::encode_bytes(ssi::multicodec::ED25519_PUB, &p.public_key.0);
            Some(multibase::encode(multibase::Base::Base58Btc, enc.as_bytes()))
        }
        _ => None,
    }
}

/// Decodes a Multikey `publicKeyMultibase` (or a did:key method-specific id).
pub fn jwk_from_multibase(mb: &str) -> Result<JWK, String> {
    // Multikey and did:key write base58-btc (`z…`) only: another base would make a second
    // name (another DID) for the same key.
    if !mb.starts_with('z') {
        return Err(format!(
            "'{}' is not base58-btc multibase (starting with 'z'), as Multikey and did:key require",
            mb.chars().take(20).collect::<String>()
        ));
    }
    let (_, bytes) = multibase::decode(mb).map_err(|e| e.to_string())?;
    let enc = ssi::multicodec::MultiEncoded::new(&bytes).map_err(|e| e.to_string())?;
    JWK::from_multicodec(enc).map_err(|e| e.to_string())
}

/// The public key a `did:jwk` names (its method-specific id is the base64url JWK).
pub fn jwk_from_did_jwk(did: &str) -> Result<JWK, String> {
    use base64::Engine;
    let b64 = did.strip_prefix("did:jwk:").ok_or("not a did:jwk")?;
    let bytes = base64::prelude::BASE64_URL_SAFE_NO_PAD.decode(b64).map_err(|_| "the did:jwk is not base64url")?;
    let jwk: JWK = serde_json::from_slice(&bytes).map_err(|_| "the did:jwk does not hold a JWK")?;
    if jwk.to_public() != jwk {
        return Err("a did:jwk must not contain private key material".into());
    }
    Ok(jwk)
}

/// Whether two JWKs are the same public key (whatever `kid`, `alg` or `use` say).
pub fn same_key(a: &JWK, b: &JWK) -> bool {
    a.to_public().params == b.to_public().params
}

/// The verification method describing a key, for DID documents.
pub fn verification_method(id: &str, controller: &str, public: &JWK) -> VerificationMethod {
    let mut jwk = public.to_public();
    jwk.key_id = None;
    jwk.algorithm = None;
    match ed25519_multibase(&jwk) {
        Some(mb) => VerificationMethod {
            id: id.to_owned(),
            type_: "Multikey".into(),
            controller: controller.to_owned(),
            public_key_multibase: Some(mb),
            public_key_jwk: None,
        },
        None => VerificationMethod {
            id: id.to_owned(),
            type_: "JsonWebKey2020".into(),
            controller: controller.to_owned(),
            public_key_multibase: None,
            public_key_jwk: serde_json::to_value(&jwk).ok(),
        },
    }
}

/// A DID document listing `keys` (`(method id, public key)`), all allowed to sign
/// credentials. Retired keys stay listed so old credentials keep verifying.
pub fn did_document(did: &str, keys: &[(String, JWK)]) -> DidDocument {
    DidDocument {
        context: vec![DID_V1_URL.into(), MULTIKEY_V1_URL.into(), JWS_2020_URL.into()],
        id: did.to_owned(),
        verification_method: keys.iter().map(|(id, jwk)| verification_method(id, did, jwk)).collect(),
        assertion_method: keys.iter().map(|(id, _)| id.clone()).collect(),
        authentication: keys.iter().map(|(id, _)| id.clone()).collect(),
    }
}

/// Resolves verification methods offline.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    web: HashMap<String, DidDocument>,
}

impl Resolver {
    /// A resolver that knows did:key only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a DID document (a did:web of one of our issuers).
    pub fn with_document(mut self, doc: DidDocument) -> Self {
        self.web.insert(doc.id.clone(), doc);
        self
    }

    /// Whether a did:web document is known.
    pub fn knows(&self, did: &str) -> bool {
        self.web.contains_key(did)
    }

    /// Adds a DID document in place.
    pub fn add_document(&mut self, doc: DidDocument) {
        self.web.insert(doc.id.clone(), doc);
    }

    /// Adds a document whose keys a trust list pins: they win. If a document for the same
    /// DID is already known (given on the command line, say) and lists an assertion key
    /// the pinned one does not, that is refused: a forged DID document must not add keys
    /// to a DID a trust list vouches for. `Err` says which key.
    pub fn pin_document(&mut self, pinned: DidDocument) -> Result<(), String> {
        if let Some(given) = self.web.get(&pinned.id) {
            let theirs = Self::assertion_keys(&pinned);
            for (id, jwk) in Self::assertion_keys(given) {
                if !theirs.iter().any(|(_, k)| same_key(k, &jwk)) {
                    return Err(format!(
                        "the DID document given for {} lists the assertion key {id}, which the trust list does not pin for that DID; the trust list's keys are the DID's keys: drop the conflicting DID document",
                        pinned.id
                    ));
                }
            }
        }
        self.web.insert(pinned.id.clone(), pinned);
        Ok(())
    }

    /// The assertion keys of a document that resolve (id, public key).
    fn assertion_keys(doc: &DidDocument) -> Vec<(String, JWK)> {
        let one = Resolver::new().with_document(doc.clone());
        doc.assertion_method
            .iter()
            .map(|a| if a.starts_with('#') { format!("{}{a}", doc.id) } else { a.clone() })
            .filter_map(|id| one.resolve_assertion_key(&id).ok().map(|k| (id, k.jwk)))
            .collect()
    }

    /// Resolves a verification method that is to sign credentials (assertionMethod).
    pub fn resolve_assertion_key(&self, vm_id: &str) -> Result<ResolvedKey, ResolveError> {
        let (did, fragment) = vm_id.split_once('#').ok_or_else(|| ResolveError::NotADidUrl(vm_id.to_owned()))?;
        if !did.starts_with("did:") || fragment.is_empty() {
            return Err(ResolveError::NotADidUrl(vm_id.to_owned()));
        }
        let bad = |reason: String| ResolveError::BadKey { id: vm_id.to_owned(), reason };
        if let Some(msid) = did.strip_prefix("did:key:") {
            if fragment != msid {
                return Err(ResolveError::NoSuchKey { did: did.to_owned(), id: vm_id.to_owned() });
            }
            let jwk = jwk_from_multibase(msid).map_err(bad)?;
            return Ok(ResolvedKey { id: vm_id.to_owned(), controller: did.to_owned(), jwk });
        }
        if did.starts_with("did:jwk:") {
            // The one verification method of a did:jwk is `#0`.
            if fragment != "0" {
                return Err(ResolveError::NoSuchKey { did: did.to_owned(), id: vm_id.to_owned() });
            }
            let jwk = jwk_from_did_jwk(did).map_err(bad)?;
            return Ok(ResolvedKey { id: vm_id.to_owned(), controller: did.to_owned(), jwk });
        }
        if !did.starts_with("did:web:") {
            return Err(ResolveError::UnsupportedMethod(did.to_owned()));
        }
        let doc = self.web.get(did).ok_or_else(|| ResolveError::UnknownDid(did.to_owned()))?;
        let vm = doc
            .verification_method
            .iter()
            .find(|m| m.id == vm_id || m.id == format!("#{fragment}"))
            .ok_or_else(|| ResolveError::NoSuchKey { did: did.to_owned(), id: vm_id.to_owned() })?;
        if !doc.assertion_method.iter().any(|a| a == vm_id || *a == format!("#{fragment}")) {
            return Err(ResolveError::NotAssertionMethod(vm_id.to_owned()));
        }
        let jwk = match (&vm.public_key_multibase, &vm.public_key_jwk) {
            (Some(mb), _) => jwk_from_multibase(mb).map_err(bad)?,
            (None, Some(j)) => serde_json::from_value::<JWK>(j.clone()).map_err(|e| bad(e.to_string()))?,
            (None, None) => return Err(bad("no publicKeyMultibase or publicKeyJwk".into())),
        };
        if jwk.to_public() != jwk {
            return Err(bad("a DID document must not contain private key material".into()));
        }
        Ok(ResolvedKey { id: vm_id.to_owned(), controller: did.to_owned(), jwk })
    }
}

impl Resolver {
    /// The assertion key of `did` that is `jwk` (a VC-JWT that carries its key in the
    /// `jwk` header): the did:key or did:jwk of that very key, or a key its did:web
    /// document lists under assertionMethod. `None` when the DID has no such key.
    pub fn issuer_key_matching(&self, did: &str, jwk: &JWK) -> Result<Option<ResolvedKey>, ResolveError> {
        if let Some(msid) = did.strip_prefix("did:key:") {
            let key = self.resolve_assertion_key(&format!("{did}#{msid}"))?;
            return Ok(same_key(&key.jwk, jwk).then_some(key));
        }
        if did.starts_with("did:jwk:") {
            let key = self.resolve_assertion_key(&format!("{did}#0"))?;
            return Ok(same_key(&key.jwk, jwk).then_some(key));
        }
        if !did.starts_with("did:web:") {
            return Err(ResolveError::UnsupportedMethod(did.to_owned()));
        }
        let doc = self.web.get(did).ok_or_else(|| ResolveError::UnknownDid(did.to_owned()))?;
        for a in &doc.assertion_method {
            let id = if a.starts_with('#') { format!("{did}{a}") } else { a.clone() };
            if let Ok(key) = self.resolve_assertion_key(&id)
                && same_key(&key.jwk, jwk)
            {
                return Ok(Some(key));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::{IssuerKey, KeyAlg};

    #[test]
    fn did_key_resolves_to_the_same_public_key() {
        let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
        let r = Resolver::new().resolve_assertion_key(key.verification_method()).expect("resolve");
        let mut want = key.public_jwk();
        want.key_id = None;
        want.algorithm = None;
        assert_eq!(r.jwk, want);
        assert_eq!(r.controller, key.did());
        // Issue 26: the same key in another multibase is another DID, refused.
        let msid = key.did().trim_start_matches("did:key:");
        let (_, bytes) = multibase::decode(msid).expect("base58");
        for base in [multibase::Base::Base64Url, multibase::Base::Base32Lower, multibase::Base::Base16Lower] {
            let alias = multibase::encode(base, &bytes);
            let vm = format!("did:key:{alias}#{alias}");
            assert!(matches!(Resolver::new().resolve_assertion_key(&vm), Err(ResolveError::BadKey { .. })), "{vm}");
        }
    }

    #[test]
    fn did_jwk_resolves_its_one_key_and_a_jwk_is_matched_to_its_issuer() {
        use base64::Engine;
        let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
        let mut public = key.public_jwk();
        public.key_id = None;
        public.algorithm = None;
        let text = serde_json::to_string(&public).expect("json");
        let did = format!("did:jwk:{}", base64::prelude::BASE64_URL_SAFE_NO_PAD.encode(text));
        let r = Resolver::new();
        let k = r.resolve_assertion_key(&format!("{did}#0")).expect("did:jwk");
        assert!(same_key(&k.jwk, &public));
        assert!(matches!(r.resolve_assertion_key(&format!("{did}#1")), Err(ResolveError::NoSuchKey { .. })));
        assert!(matches!(r.resolve_assertion_key("did:jwk:!!#0"), Err(ResolveError::BadKey { .. })));
        // A private JWK is no identifier.
        let secret = serde_json::to_string(key.secret_jwk()).expect("json");
        let leaky = format!("did:jwk:{}#0", base64::prelude::BASE64_URL_SAFE_NO_PAD.encode(secret));
        assert!(matches!(r.resolve_assertion_key(&leaky), Err(ResolveError::BadKey { .. })));
        // The header key must be the issuer's own.
        assert!(r.issuer_key_matching(&did, &public).expect("ok").is_some());
        assert!(r.issuer_key_matching(key.did(), &public).expect("ok").is_some());
        let other = JWK::generate_ed25519().expect("jwk").to_public();
        assert!(r.issuer_key_matching(&did, &other).expect("ok").is_none());
        assert!(r.issuer_key_matching(key.did(), &other).expect("ok").is_none());
        let mut jwk = JWK::generate_ed25519().expect("jwk");
        jwk.key_id = Some("did:web:example.be:issuers:x#key-1".into());
        let web = IssuerKey::from_jwk(jwk).expect("key");
        let doc = did_document(web.did(), &[(web.verification_method().to_owned(), web.public_jwk())]);
        let r = Resolver::new().with_document(doc);
        assert!(r.issuer_key_matching(web.did(), &web.public_jwk().to_public()).expect("ok").is_some());
        assert!(r.issuer_key_matching(web.did(), &other).expect("ok").is_none());
        assert!(r.issuer_key_matching("did:web:unknown.example", &other).is_err());
    }

    #[test]
    fn did_web_resolves_only_from_known_documents_and_assertion_keys() {
        let mut jwk = JWK::generate_ed25519().expect("jwk");
        jwk.key_id = Some("did:web:example.be:issuers:x#key-1".into());
        let key = IssuerKey::from_jwk(jwk).expect("key");
        let vm = key.verification_method().to_owned();
        let empty = Resolver::new();
        assert!(matches!(empty.resolve_assertion_key(&vm), Err(ResolveError::UnknownDid(_))));
        let mut doc = did_document(key.did(), &[(vm.clone(), key.public_jwk())]);
        let r = Resolver::new().with_document(doc.clone());
        assert!(r.resolve_assertion_key(&vm).is_ok());
        assert!(matches!(
            r.resolve_assertion_key("did:web:example.be:issuers:x#key-9"),
            Err(ResolveError::NoSuchKey { .. })
        ));
        doc.assertion_method.clear();
        let r = Resolver::new().with_document(doc);
        assert!(matches!(r.resolve_assertion_key(&vm), Err(ResolveError::NotAssertionMethod(_))));
        assert!(matches!(r.resolve_assertion_key("did:example:x#y"), Err(ResolveError::UnsupportedMethod(_))));
    }
}
