//! The JSON Schemas' verdicts are compiled into Rust when the crate is built
//! (`#[jsonschema::validator]`). These tests hold them to jsonschema's run-time
//! validator built from the same embedded schema text: the same verdict, and the same
//! reported violations (instance path and message), on every fixture's credential and
//! on thousands of broken variants of them.

use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::issuance::{IssueOptions, issue};
use microcred::schema::{self, EXTENSION_SCHEMA, OB3_SCHEMA, SchemaKind};
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::helpers::*;

/// What the run-time validators say of `instance`, as `schema::check` reports it.
fn at_run_time(ob3: &jsonschema::Validator, ext: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, v) in [(SchemaKind::Ob3, ob3), (SchemaKind::Extension, ext)] {
        if !v.is_valid(instance) {
            for e in v.iter_errors(instance).take(50) {
                out.push(format!("{kind:?} {} {}", e.instance_path(), e.masked()));
            }
        }
    }
    out
}

fn compiled(instance: &Value) -> Vec<String> {
    schema::check(instance, true).into_iter().map(|v| format!("{:?} {} {}", v.schema, v.path, v.message)).collect()
}

/// Every JSON Pointer in `v` (objects' members and arrays' items), depth first.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// `v` with the value at `pointer` removed.
fn without(v: &Value, pointer: &str) -> Value {
    let mut v = v.clone();
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let last = last.replace("~1", "/").replace("~0", "~");
    match v.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.shift_remove(&last);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>() {
                items.remove(i);
            }
        }
        _ => {}
    }
    v
}

#[test]
fn the_compiled_schemas_judge_as_the_run_time_ones_on_every_fixture_and_its_broken_variants() {
    let ob3 = jsonschema::validator_for(&serde_json::from_str(OB3_SCHEMA).expect("JSON")).expect("compiles");
    let ext = jsonschema::validator_for(&serde_json::from_str(EXTENSION_SCHEMA).expect("JSON")).expect("compiles");
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let replacements = [json!(null), json!(5), json!(-1.5), json!("x"), json!(""), json!([]), json!({}), json!(true)];
    let (mut checked, mut invalid) = (0usize, 0usize);
    for (n, raw) in all_valid_records().iter().enumerate() {
        let issued =
            rt.block_on(issue(raw, &key, &fixture_clock(), &mut rng, &IssueOptions::default())).expect("issued");
        let mut credential = issued.credential;
        if let Some(m) = credential.as_object_mut() {
            m.shift_remove("proof");
        }
        let mut variants = vec![credential.clone()];
        let mut paths = Vec::new();
        pointers(&credential, String::new(), &mut paths);
        for (i, p) in paths.iter().enumerate() {
            variants.push(without(&credential, p));
            // Every replacement on the first fixtures, one per path (in turn) on the rest.
            let chosen: Vec<&Value> =
                if n < 3 { replacements.iter().collect() } else { vec![&replacements[i % replacements.len()]] };
            for r in chosen {
                let mut v = credential.clone();
                if let Some(slot) = v.pointer_mut(p) {
                    *slot = r.clone();
                }
                variants.push(v);
            }
        }
        for v in &variants {
            assert_eq!(schema::passes(SchemaKind::Ob3, v), ob3.is_valid(v), "fixture {n}, OB 3.0: {v}");
            assert_eq!(schema::passes(SchemaKind::Extension, v), ext.is_valid(v), "fixture {n}, extension: {v}");
            let want = at_run_time(&ob3, &ext, v);
            assert_eq!(compiled(v), want, "fixture {n}");
            checked += 1;
            invalid += usize::from(!want.is_empty());
        }
    }
    // The variants exercise the schemas: most of them break a rule.
    assert!(checked > 5_000 && invalid > checked / 2, "{checked} checked, {invalid} invalid");
}
