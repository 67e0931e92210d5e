//! Issuer trust lists: a Verifiable Credential of a trust-list operator (for example the
//! Flemish government for the 18 recognised institutions), signed with eddsa-rdfc-2022,
//! listing which DIDs belong to which institution and from when to when. A deployment
//! names the operators it trusts (their DIDs are trust anchors) and the lists to load
//! (files or HTTPS URLs). An entry may carry the issuer's Ed25519 assertion keys, so a
//! verifier needs no network to resolve that issuer's did:web.
//!
//! ```json
//! {"@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/microcred/contexts/trust-v2.jsonld"],
//!  "id": "urn:uuid:…", "type": ["VerifiableCredential", "IssuerTrustList"],
//!  "issuer": "did:key:z6Mk…(operator)", "validFrom": "…", "validUntil": "…",
//!  "credentialSubject": {"type": "TrustedIssuers", "trustedIssuer": [
//!    {"id": "did:web:…:issuers:kuleuven", "type": "TrustedIssuer", "institutionId": "kuleuven",
//!     "localizedName": {"nl": "KU Leuven", "en": "KU Leuven"}, "url": "https://www.kuleuven.be",
//!     "validFrom": "…", "assertionKey": [{"id": "did:web:…#key-1", "publicKeyMultibase": "z6Mk…"}]}]}}
//! ```

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Names, TrustEntry, flemish};
use crate::clock::Clock;
use crate::crypto::did::{DidDocument, Resolver, did_document, jwk_from_multibase};
use crate::crypto::keys::IssuerKey;
use crate::crypto::proof;
use crate::jsonld::contexts::{CREDENTIALS_V2_URL, TRUST_V2_URL};
use crate::status::check::NoStatusLists;
use crate::verify::{Expect, VerifyContext, verify_json_with};

/// The most entries a list may have (a bound on work and memory).
pub const MAX_ENTRIES: usize = 10_000;

/// One entry as an operator writes it for `microcred trust-list create`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    /// The issuer's DID.
    pub did: String,
    /// One of the 18 Flemish ids (then names and URL default from the shipped table).
    #[serde(default)]
    pub institution_id: Option<String>,
    /// Names (required when `institution_id` is not one of the 18).
    #[serde(default)]
    pub name: Option<Names>,
    /// Homepage.
    #[serde(default)]
    pub url: Option<String>,
    /// Recognised from.
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    /// Recognised until.
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
    /// The issuer's DID document, whose Ed25519 assertion keys are copied into the list.
    #[serde(default)]
    pub did_document: Option<Value>,
}

/// The 18 Flemish institutions as entries with an empty `did` to fill in (the default
/// list data: `microcred trust-list template`).
pub fn template() -> Vec<EntryInput> {
    crate::domain::INSTITUTIONS
        .iter()
        .map(|i| {
            let (names, url) = flemish(i.id)
                .unwrap_or_else(|| (Names { nl: i.name.to_owned(), en: i.name.to_owned() }, i.url.to_owned()));
            EntryInput {
                did: String::new(),
                institution_id: Some(i.id.to_owned()),
                name: Some(names),
                url: Some(url),
                valid_from: None,
                valid_until: None,
                did_document: None,
            }
        })
        .collect()
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Builds the unsigned list credential; `Err` names the entry and field that is wrong.
pub fn unsigned(
    operator: &str,
    entries: &[EntryInput],
    valid_from: DateTime<Utc>,
    valid_until: DateTime<Utc>,
) -> Result<Value, String> {
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        return Err(format!("a trust list has 1 to {MAX_ENTRIES} entries, not {}", entries.len()));
    }
    if valid_until <= valid_from {
        return Err("validUntil must be after validFrom".into());
    }
    let mut items = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let at = |f: &str| format!("entry {i} ({}): {f}", if e.did.is_empty() { "no did" } else { &e.did });
        if !e.did.starts_with("did:") {
            return Err(at("did must be a DID (did:web:… or did:key:…); fill in every institution's DID"));
        }
        let defaults = e.institution_id.as_deref().and_then(flemish);
        if let Some(id) = &e.institution_id
            && defaults.is_none()
        {
            return Err(at(&format!("institution_id '{id}' is not one of the 18 Flemish ids")));
        }
        let names = e
            .name
            .clone()
            .or_else(|| defaults.as_ref().map(|d| d.0.clone()))
            .ok_or_else(|| at("name {nl, en} is required"))?;
        let url =
            e.url.clone().or_else(|| defaults.as_ref().map(|d| d.1.clone())).ok_or_else(|| at("url is required"))?;
        if url::Url::parse(&url).map(|u| u.scheme() != "https").unwrap_or(true) {
            return Err(at("url must be an https URL"));
        }
        let mut item = json!({
            "id": e.did,
            "type": "TrustedIssuer",
            "localizedName": {"nl": names.nl, "en": names.en},
            "url": url,
        });
        if let Some(id) = &e.institution_id {
            item["institutionId"] = id.clone().into();
        }
        if let Some(t) = e.valid_from {
            item["validFrom"] = ts(t).into();
        }
        if let Some(t) = e.valid_until {
            item["validUntil"] = ts(t).into();
        }
        if let Some(doc) = &e.did_document {
            let doc: DidDocument = serde_json::from_value(doc.clone())
                .map_err(|x| at(&format!("did_document is not a DID document: {x}")))?;
            if doc.id != e.did {
                return Err(at(&format!("did_document is the document of {}, not of this DID", doc.id)));
            }
            let keys: Vec<Value> = doc
                .verification_method
                .iter()
                .filter(|m| doc.assertion_method.contains(&m.id))
                .filter_map(|m| m.public_key_multibase.as_ref().map(|mb| json!({"id": m.id, "publicKeyMultibase": mb})))
                .collect();
            if keys.is_empty() {
                return Err(at("did_document has no Ed25519 (Multikey) assertion key"));
            }
            item["assertionKey"] = Value::Array(keys);
        }
        items.push(item);
    }
    Ok(json!({
        "@context": [CREDENTIALS_V2_URL, TRUST_V2_URL],
        "id": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        "type": ["VerifiableCredential", "IssuerTrustList"],
        "name": "Recognised issuers",
        "issuer": operator,
        "validFrom": ts(valid_from),
        "validUntil": ts(valid_until),
        "credentialSubject": {"type": "TrustedIssuers", "trustedIssuer": items},
    }))
}

/// Signs a list with the operator's Ed25519 key (eddsa-rdfc-2022).
pub async fn sign(list: &Value, key: &IssuerKey, now: DateTime<Utc>) -> Result<Value, String> {
    let p = proof::sign(list, key, now).await.map_err(|e| e.to_string())?;
    let mut out = list.clone();
    out["proof"] = Value::Array(vec![p]);
    Ok(out)
}

/// A verified trust list.
#[derive(Debug, Clone)]
pub struct TrustList {
    /// The list credential's id.
    pub id: String,
    /// The operator (a trust anchor).
    pub operator: String,
    /// Until when the list may be used.
    pub valid_until: Option<DateTime<Utc>>,
    /// The recognised issuers.
    pub entries: Vec<TrustEntry>,
    /// DID documents built from the entries' assertion keys.
    pub documents: Vec<DidDocument>,
}

/// Verifies a list credential: signed (eddsa-rdfc-2022, written as signed, proof
/// options, validity period), by one of `anchors`, of type `IssuerTrustList`; then reads
/// its entries. `anchor_docs` resolves did:web anchors (did:key resolves itself).
pub async fn verify(
    doc: &Value,
    anchors: &[String],
    anchor_docs: &Resolver,
    clock: &dyn Clock,
) -> Result<TrustList, String> {
    let operator = match doc.get("issuer") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
        _ => String::new(),
    };
    if !anchors.contains(&operator) {
        return Err(format!(
            "the trust list is issued by '{}', which is not a configured trust anchor (trust.anchors)",
            operator.chars().take(120).collect::<String>()
        ));
    }
    let ctx = VerifyContext {
        resolver: anchor_docs,
        status: &NoStatusLists,
        clock,
        expect: Expect::default(),
        trust: super::TrustRegistry::empty(),
    };
    let report = verify_json_with(doc.clone(), ctx).await;
    if !report.valid {
        let why: Vec<String> = report.errors.iter().map(|e| format!("{}: {}", e.code, e.message)).collect();
        return Err(format!("the trust list does not verify: {}", why.join("; ")));
    }
    let types = doc.get("type").and_then(Value::as_array).cloned().unwrap_or_default();
    if !types.iter().any(|t| t == "IssuerTrustList") {
        return Err("the credential is not an IssuerTrustList".into());
    }
    let items = doc
        .pointer("/credentialSubject/trustedIssuer")
        .and_then(Value::as_array)
        .ok_or("the trust list has no credentialSubject.trustedIssuer")?;
    if items.len() > MAX_ENTRIES {
        return Err(format!("the trust list has more than {MAX_ENTRIES} entries"));
    }
    let id = doc.get("id").and_then(Value::as_str).unwrap_or("(no id)").to_owned();
    let time = |v: &Value, k: &str| -> Result<Option<DateTime<Utc>>, String> {
        match v.get(k) {
            None => Ok(None),
            Some(t) => t
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| Some(t.with_timezone(&Utc)))
                .ok_or_else(|| format!("{k} of an entry is not a date-time")),
        }
    };
    let mut entries = Vec::with_capacity(items.len());
    let mut documents = Vec::new();
    for item in items {
        let did = item.get("id").and_then(Value::as_str).ok_or("an entry has no id (DID)")?.to_owned();
        let text = |k: &str| item.pointer(k).and_then(Value::as_str).map(str::to_owned);
        let names = Names {
            nl: text("/localizedName/nl").or_else(|| text("/localizedName/en")).unwrap_or_default(),
            en: text("/localizedName/en").or_else(|| text("/localizedName/nl")).unwrap_or_default(),
        };
        if names.nl.is_empty() {
            return Err(format!("the entry for {did} has no localizedName"));
        }
        let keys: Vec<(String, ssi::JWK)> = item
            .get("assertionKey")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|k| {
                let vm = k.get("id")?.as_str()?;
                let mb = k.get("publicKeyMultibase")?.as_str()?;
                (vm.split('#').next() == Some(did.as_str()))
                    .then(|| jwk_from_multibase(mb).ok().map(|j| (vm.to_owned(), j)))?
            })
            .collect();
        if !keys.is_empty() {
            documents.push(did_document(&did, &keys));
        }
        entries.push(TrustEntry {
            did,
            institution_id: text("/institutionId"),
            names,
            url: text("/url").unwrap_or_default(),
            valid_from: time(item, "validFrom")?,
            valid_until: time(item, "validUntil")?,
            source: format!("trust list {id} of {operator}"),
        });
    }
    let valid_until = time(doc, "validUntil")?;
    Ok(TrustList { id, operator, valid_until, entries, documents })
}
