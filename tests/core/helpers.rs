//! Shared test inputs: the shared acceptance fixtures (skipped with a message when
//! `../shared` is absent, as in a user's clone) and this crate's own fixtures.

use std::path::PathBuf;

use chrono::NaiveDate;
use microcred::clock::FixedClock;
use serde_json::Value;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared`, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = root().join("../shared");
    if dir.join("fixtures").is_dir() {
        Some(dir)
    } else {
        crate::skip::skip("shared acceptance fixtures (../shared is absent)", "a checkout with ../shared beside it");
        None
    }
}

/// The records of one shared fixture file (`valid` or `invalid`), or `None` when absent.
pub fn shared_records(kind: &str) -> Option<Vec<Value>> {
    let path = shared_dir()?.join(format!("fixtures/microcredentials-{kind}.json"));
    let text = std::fs::read_to_string(&path).expect("read shared fixtures");
    Some(serde_json::from_str(&text).expect("shared fixtures are JSON"))
}

/// The records of this crate's own fixture file `tests/fixtures/{name}`.
pub fn own_records(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(root().join("tests/fixtures").join(name)).expect("read own fixtures");
    serde_json::from_str(&text).expect("own fixtures are JSON")
}

/// All valid records: the crate's own, plus the shared ones when present.
pub fn all_valid_records() -> Vec<Value> {
    let mut v = own_records("valid.json");
    v.extend(shared_records("valid").unwrap_or_default());
    v
}

/// The fixtures' "today": the latest date in them is 2025-08-01.
pub fn fixture_clock() -> FixedClock {
    FixedClock::at_date(NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"))
}

/// An Open Badge of the VC 1.1 edition, unsigned (the Digital Credentials Consortium's
/// shape, "Teamwork" by Example Academy), issued by `did` with `issuance` and `expiration`
/// as its `issuanceDate` and `expirationDate` when given.
pub fn teamwork_vc11(did: &str, id: &str, issuance: Option<&str>, expiration: Option<&str>) -> Value {
    let mut c = serde_json::json!({
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
            "https://w3id.org/security/suites/ed25519-2020/v1"
        ],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork",
        "issuer": {"id": did, "type": ["Profile"], "name": "Example Academy"},
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:0d7a1c56-3a8e-4b5f-8e2c-9f4a6b7c8d90",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works well in a team.",
                "criteria": {"narrative": "Completed the team project."}
            }
        }
    });
    if let Some(t) = issuance {
        c["issuanceDate"] = t.into();
    }
    if let Some(t) = expiration {
        c["expirationDate"] = t.into();
    }
    c
}
