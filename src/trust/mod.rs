//! Who signed: the issuer trust registry. A valid signature proves that the holder of a
//! key signed; it does not prove that the key belongs to the institution the credential
//! names. The registry binds DIDs to recognised institutions, from sources in order of
//! authority: the deployment's own institutions (created by an admin; the demo
//! institution never counts), then signed trust lists of operators the deployment names
//! as trust anchors ([`list`]). Credentials signed with the published demo keys are
//! `demo` wherever they come from. The registry also knows when our own keys were retired
//! or compromised, so a signature made after that fails.
//!
//! The decision is data, read by the verifier ([`crate::verify`]) and shown by the API,
//! the CLI, the VC-API and the page alike.

pub mod list;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use ssi::JWK;

/// A name in both page languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Names {
    /// Dutch.
    pub nl: String,
    /// English.
    pub en: String,
}

/// One recognised issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustEntry {
    /// The DID that signs.
    pub did: String,
    /// One of the 18 Flemish institution ids, when it is one of them.
    pub institution_id: Option<String>,
    /// Official names.
    pub names: Names,
    /// Homepage.
    pub url: String,
    /// Recognised from (signatures made earlier are not vouched for).
    pub valid_from: Option<DateTime<Utc>>,
    /// Recognised until.
    pub valid_until: Option<DateTime<Utc>>,
    /// Where the binding comes from: `deployment` or `trust-list <id> of <operator DID>`.
    pub source: String,
}

/// When a key of ours began and stopped being usable for new signatures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyLife {
    /// Made: a proof dated earlier is refused (`key.before_creation`).
    pub created_at: Option<DateTime<Utc>>,
    /// Rotated out: signatures made after this are refused (`key.retired`).
    pub retired_at: Option<DateTime<Utc>>,
    /// Marked compromised since: signatures dated from this on are refused (`key.compromised`).
    pub compromised_since: Option<DateTime<Utc>>,
}

/// The registry: cheap to clone (layers are shared).
#[derive(Debug, Clone, Default)]
pub struct TrustRegistry {
    layers: Vec<Arc<HashMap<String, TrustEntry>>>,
    keys: Arc<HashMap<String, KeyLife>>,
    held: Option<Arc<Held>>,
}

/// What the issuer's own records hold of the credentials asked about: by credential id,
/// the signatures (Data Integrity `proofValue`, JWT signature segment) of the
/// credentials stored under that id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    /// Credential id → signatures of the stored credentials with that id.
    pub signatures: HashMap<String, Vec<String>>,
}

impl Held {
    /// Whether the records hold a credential with this id and this signature. A
    /// signature that verifies under the key stands for the signed content: equal
    /// signatures of one key are signatures of the same content.
    pub fn holds(&self, credential_id: &str, signature: &str) -> bool {
        self.signatures.get(credential_id).is_some_and(|s| s.iter().any(|x| x == signature))
    }
}

impl TrustRegistry {
    /// An empty registry: nobody is recognised (the CLI without trust lists).
    pub fn empty() -> &'static TrustRegistry {
        static EMPTY: OnceLock<TrustRegistry> = OnceLock::new();
        EMPTY.get_or_init(TrustRegistry::default)
    }

    /// A registry of one layer of entries (first entry per DID wins) and key lifetimes.
    pub fn new(entries: Vec<TrustEntry>, keys: HashMap<String, KeyLife>) -> Self {
        Self { layers: vec![Arc::new(layer(entries))], keys: Arc::new(keys), held: None }
    }

    /// This registry with the issuer's records of the credentials asked about: a
    /// credential signed by a retired or compromised key of ours is then judged by them.
    pub fn with_held(mut self, held: Held) -> Self {
        self.held = Some(Arc::new(held));
        self
    }

    /// The issuer's records, when they were consulted.
    pub fn held(&self) -> Option<&Held> {
        self.held.as_deref()
    }

    /// This registry with another, less authoritative layer after it.
    pub fn with_layer(mut self, entries: Arc<HashMap<String, TrustEntry>>) -> Self {
        self.layers.push(entries);
        self
    }

    /// The entry for a DID, from the most authoritative layer that has it.
    pub fn issuer(&self, did: &str) -> Option<&TrustEntry> {
        self.layers.iter().find_map(|l| l.get(did))
    }

    /// The lifetime of a verification method we know.
    pub fn key_life(&self, vm_id: &str) -> Option<KeyLife> {
        self.keys.get(vm_id).copied()
    }

    /// Every entry, most authoritative first, each DID once.
    pub fn entries(&self) -> Vec<&TrustEntry> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for l in &self.layers {
            let mut v: Vec<&TrustEntry> = l.values().collect();
            v.sort_by(|a, b| a.did.cmp(&b.did));
            for e in v {
                if seen.insert(e.did.as_str()) {
                    out.push(e);
                }
            }
        }
        out
    }
}

/// Entries by DID, the first of each DID kept.
pub fn layer(entries: Vec<TrustEntry>) -> HashMap<String, TrustEntry> {
    let mut map = HashMap::new();
    for e in entries {
        map.entry(e.did.clone()).or_insert(e);
    }
    map
}

/// The trust decision, as reports carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrustStatus {
    /// Signed by a recognised institution, and the credential names that institution.
    Recognised,
    /// The signer is in no registry: the signature proves nothing about who awarded it.
    Unrecognised,
    /// Signed with a published demonstration key: proves nothing.
    Demo,
    /// Signed by a recognised institution, but the credential names another one.
    Mismatch,
}

/// Who signed, as the registry says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerTrust {
    /// The decision.
    pub status: TrustStatus,
    /// The registry's institution id (recognised or mismatch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution_id: Option<String>,
    /// The registry's names of the signer (recognised or mismatch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Names>,
    /// Where the binding comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl IssuerTrust {
    /// Nothing known (no valid signature, or not yet decided).
    pub fn unrecognised() -> Self {
        Self { status: TrustStatus::Unrecognised, institution_id: None, name: None, source: None }
    }
}

/// The English names of the 18 institutions (their own English usage; the Dutch official
/// names are in [`crate::domain::INSTITUTIONS`]).
pub const ENGLISH_NAMES: [(&str, &str); 18] = [
    ("arteveldehs", "Artevelde University of Applied Sciences"),
    ("ap", "AP University of Applied Sciences and Arts Antwerp"),
    ("ehb", "Erasmus Brussels University of Applied Sciences and Arts"),
    ("hogent", "HOGENT University of Applied Sciences and Arts"),
    ("pxl", "PXL University of Applied Sciences and Arts"),
    ("howest", "Howest University of Applied Sciences"),
    ("hzs", "Antwerp Maritime Academy"),
    ("kdg", "Karel de Grote University of Applied Sciences and Arts"),
    ("vives", "VIVES University of Applied Sciences"),
    ("kuleuven", "KU Leuven"),
    ("luca", "LUCA School of Arts"),
    ("odisee", "Odisee University of Applied Sciences"),
    ("thomasmore", "Thomas More University of Applied Sciences"),
    ("ucll", "UC Leuven-Limburg (UCLL)"),
    ("uantwerpen", "University of Antwerp"),
    ("ugent", "Ghent University"),
    ("uhasselt", "Hasselt University"),
    ("vub", "Vrije Universiteit Brussel"),
];

/// The names and homepage of one of the 18 institutions.
pub fn flemish(institution_id: &str) -> Option<(Names, String)> {
    let inst = crate::domain::Institution::by_id(institution_id)?;
    let en = ENGLISH_NAMES.iter().find(|(id, _)| *id == institution_id).map_or(inst.name, |(_, n)| *n);
    Some((Names { nl: inst.name.to_owned(), en: en.to_owned() }, inst.url.to_owned()))
}

/// The public key material (`x` of an OKP key, `n` of an RSA key) of a JWK.
/// The public key's material as bytes: Ed25519 `x`, or RSA `n` as the unsigned integer
/// it is (leading zero bytes dropped: `AQAB` and `AAEAAQ` are one modulus), never the text.
fn public_material(jwk: &Value) -> Option<String> {
    use base64::Engine;
    let (name, text) = match (jwk.get("x"), jwk.get("n")) {
        (Some(x), _) => ("x", x.as_str()?),
        (None, Some(n)) => ("n", n.as_str()?),
        _ => return None,
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()?;
    let bytes = if name == "n" { bytes.iter().skip_while(|b| **b == 0).copied().collect() } else { bytes };
    Some(format!("{name}:{}", hex::encode(bytes)))
}

/// Whether a key is one of the published demonstration keys (`keys-example/`), which
/// anyone can sign with.
pub fn is_demo_key(key: &JWK) -> bool {
    static DEMO: OnceLock<Vec<String>> = OnceLock::new();
    let demo = DEMO.get_or_init(|| {
        [include_str!("../../keys-example/demo-issuer.jwk"), include_str!("../../keys-example/demo-issuer-rsa.jwk")]
            .iter()
            .filter_map(|t| serde_json::from_str::<Value>(t).ok())
            .filter_map(|v| public_material(&v))
            .collect()
    });
    serde_json::to_value(key).ok().and_then(|v| public_material(&v)).is_some_and(|m| demo.contains(&m))
}

/// What a credential says about who awarded it: the issuer profile's names and URL.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Claimed {
    /// `issuer.name` and the creators' (every value: a string, a language value, a
    /// language map, an array of any of them).
    pub names: Vec<String>,
    /// `issuer.url` (and the creators'), every value.
    pub urls: Vec<String>,
    /// Identifiers in `otherIdentifier` that are one of the Flemish institution ids.
    pub institution_ids: Vec<String>,
}

/// Every text a JSON-LD value stands for: a string, a value object's `@value`, the
/// values of a language map, `{"id": …}` (a URL given as a node), arrays of these.
fn texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
        Value::Object(o) => match o.get("@value").or_else(|| o.get("id")) {
            Some(x) => texts(x, out),
            None => o.values().for_each(|x| texts(x, out)),
        },
        _ => {}
    }
}

/// The objects a member holds: itself, or each of an array's.
fn each(v: Option<&Value>) -> impl Iterator<Item = &serde_json::Map<String, Value>> {
    crate::jsonld::values(v).iter().filter_map(Value::as_object)
}

impl Claimed {
    /// Read from a credential: the issuer profile, and the achievement's `creator` (the
    /// awarding body) of every subject when there is one. Every value counts: a name in
    /// any language, every URL, so that no spelling of a second name passes unread.
    pub fn of(credential: &Value) -> Self {
        let mut out = Self::default();
        let mut profiles: Vec<&serde_json::Map<String, Value>> = each(credential.get("issuer")).collect();
        for subject in each(credential.get("credentialSubject")) {
            for achievement in each(subject.get("achievement")) {
                profiles.extend(each(achievement.get("creator")));
            }
        }
        for p in profiles {
            if let Some(n) = p.get("name") {
                texts(n, &mut out.names);
            }
            if let Some(u) = p.get("url") {
                texts(u, &mut out.urls);
            }
            for other in each(p.get("otherIdentifier")) {
                let mut ids = Vec::new();
                if let Some(i) = other.get("identifier") {
                    texts(i, &mut ids);
                }
                out.institution_ids.extend(ids.into_iter().filter(|i| crate::domain::Institution::by_id(i).is_some()));
            }
        }
        out
    }

    /// The first name, for messages.
    pub fn first_name(&self) -> Option<&str> {
        self.names.first().map(String::as_str)
    }
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// The decision for a credential whose signature verified with `key` (controlled by
/// `signer`) at `signed_at`: demo, recognised (names and URL match the registry, the
/// signature is within the entry's period), mismatch, or unrecognised. `Err` explains a
/// mismatch.
pub fn decide(
    registry: &TrustRegistry,
    signer: &str,
    key: &JWK,
    signed_at: DateTime<Utc>,
    claimed: &Claimed,
) -> (IssuerTrust, Option<String>) {
    if is_demo_key(key) {
        return (IssuerTrust { status: TrustStatus::Demo, ..IssuerTrust::unrecognised() }, None);
    }
    let Some(entry) = registry.issuer(signer) else { return (IssuerTrust::unrecognised(), None) };
    let in_period = entry.valid_from.is_none_or(|f| f <= signed_at) && entry.valid_until.is_none_or(|u| signed_at <= u);
    if !in_period {
        return (IssuerTrust::unrecognised(), None);
    }
    let mut known: Vec<&str> = vec![&entry.names.nl, &entry.names.en];
    let official = entry.institution_id.as_deref().and_then(crate::domain::Institution::by_id);
    if let Some(i) = official {
        known.push(i.name);
    }
    let trust = IssuerTrust {
        status: TrustStatus::Recognised,
        institution_id: entry.institution_id.clone(),
        name: Some(entry.names.clone()),
        source: Some(entry.source.clone()),
    };
    if let Some(bad) = claimed.names.iter().find(|n| !known.contains(&n.as_str())) {
        let why =
            format!("the credential names '{bad}' as its issuer, but it is signed by {} ({signer})", entry.names.en);
        return (IssuerTrust { status: TrustStatus::Mismatch, ..trust }, Some(why));
    }
    if let Some(id) = claimed.institution_ids.iter().find(|i| entry.institution_id.as_deref() != Some(i.as_str())) {
        let why = format!(
            "the credential gives the institution identifier '{id}', but it is signed by {} ({signer})",
            entry.names.en
        );
        return (IssuerTrust { status: TrustStatus::Mismatch, ..trust }, Some(why));
    }
    if let Some(url) =
        claimed.urls.iter().find(|u| !same_url(u, &entry.url) && !official.is_some_and(|i| same_url(u, i.url)))
    {
        let why = format!(
            "the credential gives {url} as its issuer's URL, but it is signed by {} ({})",
            entry.names.en, entry.url
        );
        return (IssuerTrust { status: TrustStatus::Mismatch, ..trust }, Some(why));
    }
    (trust, None)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(did: &str) -> TrustEntry {
        let (names, url) =
            flemish("kuleuven").unwrap_or((Names { nl: String::new(), en: String::new() }, String::new()));
        TrustEntry {
            did: did.into(),
            institution_id: Some("kuleuven".into()),
            names,
            url,
            valid_from: None,
            valid_until: None,
            source: "deployment".into(),
        }
    }

    #[test]
    fn recognised_unrecognised_mismatch_and_demo() {
        let key = JWK::generate_ed25519().unwrap_or_else(|_| unreachable!());
        let reg = TrustRegistry::new(vec![entry("did:web:x:issuers:kul")], HashMap::new());
        let now = Utc::now();
        let claim = |name: &str, url: &str| Claimed::of(&json!({"issuer": {"name": name, "url": url}}));
        let (t, why) =
            decide(&reg, "did:web:x:issuers:kul", &key, now, &claim("KU Leuven", "https://www.kuleuven.be/"));
        assert_eq!((t.status, why), (TrustStatus::Recognised, None));
        assert_eq!(t.institution_id.as_deref(), Some("kuleuven"));
        let (t, _) = decide(&reg, "did:key:z6Mk", &key, now, &claim("KU Leuven", "https://www.kuleuven.be"));
        assert_eq!(t.status, TrustStatus::Unrecognised);
        let (t, why) =
            decide(&reg, "did:web:x:issuers:kul", &key, now, &claim("Universiteit Gent", "https://www.kuleuven.be"));
        assert_eq!(t.status, TrustStatus::Mismatch);
        assert!(why.is_some_and(|w| w.contains("Universiteit Gent")));
        let (t, _) = decide(&reg, "did:web:x:issuers:kul", &key, now, &claim("KU Leuven", "https://www.ugent.be"));
        assert_eq!(t.status, TrustStatus::Mismatch);
        // The awarding body (the achievement's creator) must be the signer too.
        let c = Claimed::of(
            &json!({"issuer": {"name": "KU Leuven"}, "credentialSubject": {"achievement": {"creator": {"name": "Universiteit Gent", "url": "https://www.ugent.be"}}}}),
        );
        assert_eq!(decide(&reg, "did:web:x:issuers:kul", &key, now, &c).0.status, TrustStatus::Mismatch);
        // Every spelling of a second name, URL or institution is read (issue 26).
        for issuer in [
            json!({"name": [{"@value": "KU Leuven", "@language": "nl"}, {"@value": "Universiteit Gent", "@language": "en"}]}),
            json!({"name": {"nl": "KU Leuven", "en": "Universiteit Gent"}}),
            json!({"name": ["KU Leuven", "Universiteit Gent"]}),
            json!({"name": "KU Leuven", "url": ["https://www.kuleuven.be", "https://www.ugent.be"]}),
            json!({"name": "KU Leuven", "url": {"id": "https://www.ugent.be"}}),
            json!([{"name": "KU Leuven"}, {"name": "Universiteit Gent"}]),
            json!({"name": "KU Leuven", "otherIdentifier": [{"identifier": "ugent", "identifierType": "identifier"}]}),
        ] {
            let c = Claimed::of(&json!({"issuer": issuer}));
            assert_eq!(
                decide(&reg, "did:web:x:issuers:kul", &key, now, &c).0.status,
                TrustStatus::Mismatch,
                "{issuer}"
            );
        }
        let subjects = json!({"issuer": {"name": "KU Leuven"}, "credentialSubject": [{"id": "did:example:1"}, {"achievement": {"creator": {"name": "Universiteit Gent"}}}]});
        assert_eq!(
            decide(&reg, "did:web:x:issuers:kul", &key, now, &Claimed::of(&subjects)).0.status,
            TrustStatus::Mismatch
        );
        let own = json!({"issuer": {"name": {"nl": "KU Leuven"}, "url": ["https://www.kuleuven.be"], "otherIdentifier": [{"identifier": "kuleuven", "identifierType": "identifier"}]}});
        assert_eq!(
            decide(&reg, "did:web:x:issuers:kul", &key, now, &Claimed::of(&own)).0.status,
            TrustStatus::Recognised
        );
        let demo: JWK =
            serde_json::from_str(include_str!("../../keys-example/demo-issuer.jwk")).unwrap_or_else(|_| unreachable!());
        assert!(is_demo_key(&demo.to_public()));
        // Issue 26: the demo RSA key with a leading zero byte in its modulus is the same key.
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut rsa: Value =
            serde_json::from_str(include_str!("../../keys-example/demo-issuer-rsa.jwk")).unwrap_or_default();
        let n = b64.decode(rsa["n"].as_str().unwrap_or_default()).unwrap_or_default();
        assert!(is_demo_key(
            &serde_json::from_value::<JWK>(rsa.clone()).unwrap_or_else(|_| unreachable!()).to_public()
        ));
        rsa["n"] = b64.encode([&[0u8][..], &n].concat()).into();
        let padded: JWK = serde_json::from_value(rsa).unwrap_or_else(|_| unreachable!());
        assert!(is_demo_key(&padded.to_public()));
        assert!(!is_demo_key(&key.to_public()));
        let (t, _) = decide(&reg, "did:web:x:issuers:kul", &demo.to_public(), now, &claim("KU Leuven", ""));
        assert_eq!(t.status, TrustStatus::Demo);
        // Outside the entry's period: not vouched for.
        let mut later = entry("did:web:x:issuers:kul");
        later.valid_from = Some(now + chrono::Duration::days(1));
        let reg = TrustRegistry::new(vec![later], HashMap::new());
        let (t, _) = decide(&reg, "did:web:x:issuers:kul", &key, now, &claim("KU Leuven", "https://www.kuleuven.be"));
        assert_eq!(t.status, TrustStatus::Unrecognised);
    }

    #[test]
    fn every_flemish_institution_has_both_names() {
        for inst in crate::domain::INSTITUTIONS {
            let (names, url) = flemish(inst.id).unwrap_or_else(|| unreachable!());
            assert!(!names.en.is_empty() && names.nl == inst.name && url == inst.url, "{}", inst.id);
        }
    }
}
