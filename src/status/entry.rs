//! `BitstringStatusListEntry` values in credentials and the `BitstringStatusListCredential`
//! that publishes a list.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::bitstring::Bitstring;
use crate::jsonld::contexts::CREDENTIALS_V2_URL;

/// What a list's bits mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Set bit: revoked, for good.
    Revocation,
    /// Set bit: suspended, reversible.
    Suspension,
}

impl Purpose {
    /// The `statusPurpose` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
        }
    }

    /// Parses a `statusPurpose`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "revocation" => Some(Self::Revocation),
            "suspension" => Some(Self::Suspension),
            _ => None,
        }
    }
}

/// The most status entries a verifier reads from one credential (revocation and
/// suspension need two).
pub const MAX_ENTRIES: usize = 4;

/// The status method of an entry, and so of the list it points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListKind {
    /// W3C Bitstring Status List v1.0 (`BitstringStatusListEntry`,
    /// `BitstringStatusListCredential`): what we issue.
    #[default]
    Bitstring,
    /// Its predecessor, W3C CCG Status List 2021 (`StatusList2021Entry`,
    /// `StatusList2021Credential`), in VC 1.1 credentials of other issuers (the Digital
    /// Credentials Consortium's among them). Same bits; the list states its validity with
    /// `issuanceDate`/`expirationDate` and has no `ttl`.
    StatusList2021,
}

impl ListKind {
    /// The entry's `type`.
    pub fn entry_type(self) -> &'static str {
        match self {
            Self::Bitstring => "BitstringStatusListEntry",
            Self::StatusList2021 => "StatusList2021Entry",
        }
    }

    /// The `type` its list credential must have.
    pub fn list_type(self) -> &'static str {
        match self {
            Self::Bitstring => "BitstringStatusListCredential",
            Self::StatusList2021 => "StatusList2021Credential",
        }
    }
}

/// One entry read from a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Status method.
    pub kind: ListKind,
    /// Purpose.
    pub purpose: Purpose,
    /// Index in the list.
    pub index: usize,
    /// URL of the status list credential.
    pub list_url: String,
}

/// The entry a credential carries.
pub fn entry_json(list_url: &str, purpose: Purpose, index: usize) -> Value {
    json!({
        "id": format!("{list_url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose.as_str(),
        "statusListIndex": index.to_string(),
        "statusListCredential": list_url,
    })
}

/// A `statusListIndex` as Bitstring Status List v1.0 §2.1 writes it: "an arbitrary size
/// integer greater than or equal to 0, expressed as a string in base 10" (digits only: no
/// sign, no blanks).
pub fn parse_index(s: &str) -> Option<usize> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Checks a `BitstringStatusListEntry` as an issuer must write it (§2.1): `statusPurpose`
/// a string, `statusListIndex` a base-10 string, `statusListCredential` a URL, and a
/// `statusSize`, when given, a positive integer. `Err` says which member and why.
pub fn check_entry_shape(e: &serde_json::Map<String, Value>) -> Result<(), String> {
    if e.get("statusPurpose").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err("statusPurpose must be a string such as revocation or suspension".into());
    }
    match e.get("statusListIndex") {
        Some(Value::String(s)) if parse_index(s).is_some() => {}
        Some(v) => {
            return Err(format!(
                "statusListIndex must be a non-negative integer written as a base-10 string, e.g. \"94567\"; got {v}"
            ));
        }
        None => return Err("statusListIndex is required".into()),
    }
    match e.get("statusListCredential") {
        Some(Value::String(u)) if url::Url::parse(u).is_ok() => {}
        Some(v) => return Err(format!("statusListCredential must be the URL of the status list credential; got {v}")),
        None => return Err("statusListCredential is required".into()),
    }
    if let Some(size) = e.get("statusSize")
        && size.as_u64().is_none_or(|n| n < 1)
    {
        return Err("statusSize must be a positive integer".into());
    }
    Ok(())
}

/// Reads the status entries of a credential. `Ok(vec![])` when it has none; `Err` names
/// an entry this verifier cannot check (another status method, a multi-bit status…).
pub fn entries(credential: &Value) -> Result<Vec<Entry>, String> {
    let items = match credential.get("credentialStatus") {
        None | Some(Value::Null) => return Ok(vec![]),
        status => crate::jsonld::values(status),
    };
    // Each entry may make the verifier fetch a list: a bounded number per credential.
    if items.len() > MAX_ENTRIES {
        return Err(format!("{} status entries; a credential may have at most {MAX_ENTRIES}", items.len()));
    }
    items
        .iter()
        .map(|e| {
            let ty = e.get("type").and_then(Value::as_str).unwrap_or_default();
            let kind = match ty {
                "BitstringStatusListEntry" => ListKind::Bitstring,
                "StatusList2021Entry" => ListKind::StatusList2021,
                _ => {
                    return Err(format!(
                        "credentialStatus of type '{}' is not supported (BitstringStatusListEntry and StatusList2021Entry are)",
                        ty.chars().take(60).collect::<String>()
                    ));
                }
            };
            // Anything but the single bit, in any spelling (`2`, `"2"`, `2.0`, `1.0`: a
            // number JCS writes as `2` and JSON-LD reads as a double), is not judged as
            // one bit: reading one bit of a wider slot would misread the status.
            if let Some(size) = e.get("statusSize")
                && size.as_u64() != Some(1)
                && size.as_str() != Some("1")
            {
                return Err(format!(
                    "statusSize {}: only single-bit statuses (statusSize 1) are supported",
                    size.to_string().chars().take(40).collect::<String>()
                ));
            }
            let purpose = e
                .get("statusPurpose")
                .and_then(Value::as_str)
                .and_then(Purpose::parse)
                .ok_or("statusPurpose must be revocation or suspension")?;
            let index = match e.get("statusListIndex") {
                Some(Value::String(s)) => parse_index(s).ok_or_else(|| {
                    format!("statusListIndex '{}' is not a base-10 integer", s.chars().take(40).collect::<String>())
                })?,
                Some(Value::Number(n)) => n.as_u64().ok_or("statusListIndex is not a whole number")? as usize,
                _ => return Err("statusListIndex is missing".into()),
            };
            let list_url = e
                .get("statusListCredential")
                .and_then(Value::as_str)
                .ok_or("statusListCredential is missing")?
                .to_owned();
            Ok(Entry { kind, purpose, index, list_url })
        })
        .collect()
}

/// The unsigned `BitstringStatusListCredential` publishing `bits`.
pub fn list_credential(
    list_url: &str,
    issuer: &str,
    purpose: Purpose,
    bits: &Bitstring,
    now: DateTime<Utc>,
    validity: Duration,
    ttl_ms: u64,
) -> Value {
    let ts = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "@context": [CREDENTIALS_V2_URL],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        // Backdated a little: a verifier whose clock is slightly behind still accepts a
        // list signed a moment ago.
        "validFrom": ts(now - Duration::minutes(5)),
        "validUntil": ts(now + validity),
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": bits.encode(),
            "ttl": ttl_ms,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_list_index_is_a_base_10_string_and_an_entry_names_its_list_by_url() {
        for (text, want) in [("0", Some(0)), ("94567", Some(94567)), ("007", Some(7))] {
            assert_eq!(parse_index(text), want, "{text}");
        }
        for bad in ["", "-5", "+5", " 5", "5 ", "0x10", "1e3", "٣", "99999999999999999999999999"] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
        }
        let ok = entry_json("https://x/s/1", Purpose::Revocation, 3);
        assert_eq!(check_entry_shape(ok.as_object().expect("object")), Ok(()));
        for (member, value, needle) in [
            ("statusListIndex", json!(true), "statusListIndex"),
            ("statusListIndex", json!("-5"), "statusListIndex"),
            ("statusListIndex", json!(5), "statusListIndex"),
            ("statusListCredential", json!("not a url"), "statusListCredential"),
            ("statusPurpose", json!(""), "statusPurpose"),
            ("statusSize", json!(0), "statusSize"),
        ] {
            let mut e = ok.clone();
            e[member] = value;
            let m = check_entry_shape(e.as_object().expect("object")).expect_err(member);
            assert!(m.contains(needle), "{m}");
        }
        let mut signed = json!({"credentialStatus": ok});
        signed["credentialStatus"]["statusListIndex"] = "+3".into();
        assert!(entries(&signed).is_err(), "the verifier reads the index as strictly");
    }

    #[test]
    fn at_most_four_entries_are_read() {
        let e = entry_json("https://h/l", Purpose::Revocation, 1);
        let four = json!({"credentialStatus": [e.clone(), e.clone(), e.clone(), e.clone()]});
        assert_eq!(entries(&four).map(|v| v.len()), Ok(4));
        let five = json!({"credentialStatus": [e.clone(), e.clone(), e.clone(), e.clone(), e]});
        assert!(entries(&five).is_err_and(|m| m.contains("at most 4")));
    }

    #[test]
    fn entries_are_read_from_an_object_or_an_array_and_odd_ones_named() {
        let one = json!({"credentialStatus": entry_json("https://x/s/1", Purpose::Revocation, 42)});
        assert_eq!(
            entries(&one).expect("ok"),
            vec![Entry {
                kind: ListKind::Bitstring,
                purpose: Purpose::Revocation,
                index: 42,
                list_url: "https://x/s/1".into()
            }]
        );
        let two = json!({"credentialStatus": [entry_json("https://x/r", Purpose::Revocation, 1), entry_json("https://x/s", Purpose::Suspension, 1)]});
        assert_eq!(entries(&two).expect("ok").len(), 2);
        assert!(entries(&json!({})).expect("none").is_empty());
        assert!(entries(&json!({"credentialStatus": {"type": "1EdTechRevocationList"}})).is_err());
        let mut multi = entry_json("https://x/r", Purpose::Revocation, 1);
        for size in [json!(2.0), json!(1.0), json!("2"), json!(2), json!(-1), json!(null)] {
            let mut m = multi.clone();
            m["statusSize"] = size.clone();
            assert!(entries(&json!({"credentialStatus": m})).is_err(), "statusSize {size}");
        }
        multi["statusSize"] = "2".into();
        assert!(entries(&json!({"credentialStatus": multi})).is_err());
    }
}
