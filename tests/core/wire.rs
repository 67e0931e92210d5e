//! `microcred::wire` writes the same text as `serde_json` and the `base64` crate, byte
//! for byte: on every fixture's credential (both formats), on strings with every
//! character that JSON escapes or does not, on numbers at the edges of their
//! representations, and on random values.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::issuance::{Format, IssueOptions, issue};
use microcred::wire;
use proptest::prelude::*;
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::helpers::*;

fn same_json(v: &Value) {
    let ours = wire::json(v);
    assert_eq!(ours, serde_json::to_string(v).expect("JSON text"), "{v:?}");
    let mut w = wire::Json::default();
    w.value(v);
    assert_eq!(w.into_bytes(), ours.into_bytes());
}

fn b64(bytes: &[u8]) -> String {
    let mut ours = "prefix.".to_owned();
    wire::base64url_into(bytes, &mut ours);
    ours
}

#[test]
fn every_fixture_credential_is_written_as_serde_json_writes_it() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let records = all_valid_records();
    assert!(records.len() >= 2);
    for raw in &records {
        for format in [Format::Ldp, Format::Jwt] {
            let opts = IssueOptions { format, ..Default::default() };
            let issued = rt.block_on(issue(raw, &key, &fixture_clock(), &mut rng, &opts)).expect("issued");
            same_json(&issued.credential);
            let wire_text = issued.to_wire();
            match format {
                Format::Ldp => assert_eq!(wire_text, serde_json::to_string(&issued.credential).expect("JSON")),
                _ => {
                    // The token's payload is the compact JSON serde_json writes for it.
                    let parts: Vec<&str> = wire_text.split('.').collect();
                    assert_eq!(parts.len(), 3);
                    let payload = URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url");
                    let value: Value = serde_json::from_slice(&payload).expect("JSON payload");
                    assert_eq!(payload, serde_json::to_vec(&value).expect("JSON"));
                    assert_eq!(parts[1], URL_SAFE_NO_PAD.encode(&payload));
                }
            }
        }
    }
}

#[test]
fn strings_and_numbers_at_the_edges_are_written_as_serde_json_writes_them() {
    let every_ascii: String = (0u8..=127).map(char::from).collect();
    let mut keys = serde_json::Map::new();
    keys.insert(every_ascii.clone(), json!(1));
    keys.insert("\u{2028}\u{2029}\u{7f}\u{80}\u{ffff}\u{10ffff}".into(), json!("κλειδί"));
    let values = [
        json!(every_ascii),
        json!("quote \" backslash \\ slash / tab \t newline \n nul \u{0} unit separator \u{1f}"),
        json!("Ethiek en artificiële intelligentie – 🎓 \u{2028}\u{2029} \u{feff}"),
        json!("a".repeat(4096) + "\"" + &"é".repeat(1000)),
        json!(""),
        json!([
            0,
            -0,
            1,
            -1,
            i64::MIN,
            i64::MAX,
            u64::MAX,
            10,
            7.5,
            -7.5,
            0.1,
            1e21,
            1e20,
            1e-7,
            1.5e-7,
            123456789.125
        ]),
        json!([f64::MAX, f64::MIN_POSITIVE, 5e-324, -0.0, 0.0, 2.5e15, 9007199254740993.0]),
        json!([true, false, null, [], {}, [[]], {"": {}}]),
        Value::Object(keys),
    ];
    for v in &values {
        same_json(v);
    }
}

#[test]
fn base64url_is_the_base64_crates() {
    for n in 0..=300usize {
        let bytes: Vec<u8> = (0..n).map(|i| (i * 131 + n * 7) as u8).collect();
        assert_eq!(b64(&bytes), format!("prefix.{}", URL_SAFE_NO_PAD.encode(&bytes)), "{n} bytes");
    }
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(b64(&all), format!("prefix.{}", URL_SAFE_NO_PAD.encode(&all)));
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[\\x00-\\x7f]{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn random_values_are_written_as_serde_json_writes_them(v in any_json()) {
        let ours = wire::json(&v);
        prop_assert_eq!(ours, serde_json::to_string(&v).expect("JSON text"));
    }

    #[test]
    fn random_bytes_are_the_base64_crates(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert_eq!(b64(&bytes), format!("prefix.{}", URL_SAFE_NO_PAD.encode(&bytes)));
    }
}
