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
