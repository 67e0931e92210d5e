//! What is checked is what was signed: signed credentials (every fixture and random
//! records, with revocation entries, some revoked, some expired) are mutated in every
//! way JSON-LD allows to write the same data differently (full-IRI keys, value objects,
//! `@id`/`@type` aliases, one-element arrays), retyped, extended and tampered with. Each
//! mutant is judged by our verifier, by both of our proof paths (the fast canonical path
//! and the general JSON-LD path) and by the Digital Bazaar verifier.
//!
//! The rule: our fast and general proof paths agree on every mutant; our verdict equals the
//! Digital Bazaar verdict, except where the Digital Bazaar verifier accepts a spelling
//! that is JSON-LD-equivalent to the signed credential (same canonical N-Quads) but that
//! its member-name reading misunderstands (a renamed `credentialStatus` hides a
//! revocation from it): we refuse those with `jsonld.non_canonical_form`. We never accept
//! what it refuses.
//!
//! `MICROCRED_MUTATIONS` sets how many mutants (default 150; CI runs 10,000 in release).

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, Stdio};

use chrono::{TimeZone, Utc};
use microcred::crypto::did::Resolver;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::crypto::proof;
use microcred::issuance::{Format, IssueOptions, issue};
use microcred::status::bitstring::Bitstring;
use microcred::status::check::{GivenStatusLists, NoStatusLists};
use microcred::status::entry::{Purpose, entry_json, list_credential};
use microcred::verify::{Expect, VerifyContext, verify_json_with};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::helpers::*;

const LIST_URL: &str = "https://status.example/lists/7";
const CRED: &str = "https://www.w3.org/2018/credentials#";
const STATUS: &str = "https://www.w3.org/ns/credentials/status#";
const XSD_DATETIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";

/// Full IRIs of the terms the mutations respell (VC 2.0 and Bitstring Status List).
fn iri_of(term: &str) -> Option<String> {
    Some(match term {
        "credentialStatus" | "validUntil" | "validFrom" | "credentialSubject" | "issuer" | "credentialSchema" => {
            format!("{CRED}{term}")
        }
        "statusPurpose" | "statusListIndex" | "statusListCredential" => format!("{STATUS}{term}"),
        "name" => "https://schema.org/name".into(),
        "awardedDate" => "https://purl.imsglobal.org/spec/vc/ob/vocab.html#awardedDate".into(),
        _ => return None,
    })
}

/// Every (pointer to an object, key) pair in a credential outside `@context` and `proof`.
fn members(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                if k == "@context" || (path.is_empty() && k == "proof") {
                    continue;
                }
                out.push((path.to_owned(), k.clone()));
                members(child, &format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                members(x, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn rename(doc: &mut Value, at: &str, from: &str, to: &str, map_value: impl FnOnce(Value) -> Value) -> bool {
    let Some(Value::Object(o)) = doc.pointer_mut(at) else { return false };
    let Some(v) = o.shift_remove(from) else { return false };
    o.insert(to.to_owned(), map_value(v));
    true
}

fn date_object(v: Value) -> Value {
    json!({"@value": v, "@type": XSD_DATETIME})
}

/// One mutation of a signed credential, named for the report. `None` when it does not
/// apply to this credential.
fn mutate(signed: &Value, rng: &mut StdRng) -> Option<(String, Value)> {
    let mut doc = signed.clone();
    let mut targets = Vec::new();
    members(&doc, "", &mut targets);
    let (at, key) = targets[rng.gen_range(0..targets.len())].clone();
    let name = match rng.gen_range(0..16) {
        // The same data, spelt differently.
        0 => {
            let iri = iri_of(&key)?;
            let typed = matches!(key.as_str(), "validUntil" | "validFrom");
            let id = key == "statusListCredential" || key == "issuer" && doc["issuer"].is_string();
            rename(&mut doc, &at, &key, &iri, |v| {
                if typed {
                    date_object(v)
                } else if id {
                    json!({"@id": v})
                } else {
                    v
                }
            });
            format!("{key} as its full IRI (same data)")
        }
        1 => {
            let iri = iri_of(&key)?;
            rename(&mut doc, &at, &key, &iri, |v| v);
            format!("{key} as its full IRI, value as is")
        }
        2 => {
            if !matches!(key.as_str(), "validUntil" | "validFrom") {
                return None;
            }
            rename(&mut doc, &at, &key, &key, date_object);
            format!("{key} as a value object")
        }
        3 => {
            if key != "id" && key != "type" {
                return None;
            }
            rename(&mut doc, &at, &key, &format!("@{key}"), |v| v);
            format!("{key} as @{key}")
        }
        4 => {
            let v = doc.pointer_mut(&format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")))?;
            if v.is_array() || key == "@context" {
                return None;
            }
            *v = Value::Array(vec![v.take()]);
            format!("{key} wrapped in a one-element array")
        }
        // Retyped.
        5 => {
            let t = doc["type"].as_array_mut()?;
            t.reverse();
            "types reordered".into()
        }
        6 => {
            let extra = ["EndorsementCredential", "EvilUndefinedType", "VerifiablePresentation", "OpenBadgeCredential"]
                [rng.gen_range(0..4)];
            doc["type"].as_array_mut()?.push(extra.into());
            format!("type {extra} added")
        }
        7 => {
            let replacement = [json!([]), json!(["VerifiablePresentation"]), json!(["VerifiableCredential"])]
                [rng.gen_range(0..3)]
            .clone();
            let label = format!("type set to {replacement}");
            doc["type"] = replacement;
            label
        }
        // Extended.
        8 => {
            let Some(Value::Object(o)) = doc.pointer_mut(&at) else { return None };
            let (k, v) = [
                ("foo", json!("bar")),
                ("description", json!("added later")),
                ("validUntil", json!("2099-01-01T00:00:00Z")),
            ][rng.gen_range(0..3)]
            .clone();
            if o.contains_key(k) {
                return None;
            }
            o.insert(k.into(), v);
            format!("member {k} added at {at}")
        }
        // Removed.
        9 => {
            let Some(Value::Object(o)) = doc.pointer_mut(&at) else { return None };
            o.shift_remove(&key);
            format!("{key} removed at {at}")
        }
        // Tampered.
        10 => {
            let v = doc.pointer_mut(&format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")))?;
            match v {
                Value::String(s) => s.push('x'),
                Value::Number(_) => *v = json!(99),
                Value::Bool(b) => *b = !*b,
                _ => return None,
            }
            format!("{key} changed at {at}")
        }
        // Proof options.
        11 => {
            doc["proof"][0]["created"] = "2099-01-01T00:00:00Z".into();
            "proof created in 2099".into()
        }
        12 => {
            doc["proof"][0]["expires"] = "2000-01-01T00:00:00Z".into();
            "proof expired in 2000".into()
        }
        13 => {
            let created = doc["proof"][0]["created"].as_str()?.trim_end_matches('Z').to_owned();
            doc["proof"][0]["created"] = created.into();
            "proof created without a time zone".into()
        }
        // Two spellings at once: status entry and the list URL with @id.
        14 => {
            let entry = if doc["credentialStatus"].is_object() { "/credentialStatus" } else { return None };
            rename(
                &mut doc,
                entry,
                "statusListCredential",
                &format!("{STATUS}statusListCredential"),
                |v| json!({"@id": v}),
            );
            rename(&mut doc, "", "credentialStatus", &format!("{CRED}credentialStatus"), |v| v);
            "status entry fully respelt (same data)".into()
        }
        _ => {
            rename(&mut doc, "", "validUntil", &format!("{CRED}validUntil"), date_object).then_some(())?;
            "validUntil as full IRI and value object (same data)".into()
        }
    };
    (doc != *signed).then_some((name, doc))
}

fn js_ready() -> bool {
    let ok = root().join("tests/js/node_modules/@digitalbazaar/vc").is_dir();
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must run the JS interop tests: run `npm ci` in tests/js");
        crate::skip::skip("Digital Bazaar verifier interop (tests/js/node_modules missing)", "(cd tests/js && npm ci)");
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutant_is_judged_the_same_by_both_proof_paths_and_the_digital_bazaar_verifier() {
    if !js_ready() {
        return;
    }
    let target: usize = std::env::var("MICROCRED_MUTATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(150);
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let clock = fixture_clock();
    // The status list: every odd index revoked.
    let mut bits = Bitstring::zeroed(131_072);
    for i in (1..64).step_by(2) {
        bits.set(i, true).expect("bit");
    }
    let now = Utc.with_ymd_and_hms(2025, 8, 31, 12, 0, 0).single().expect("date");
    let mut list =
        list_credential(LIST_URL, key.did(), Purpose::Revocation, &bits, now, chrono::Duration::days(30), 300_000);
    list["proof"] = proof::sign(&list, &key, now).await.expect("sign list");

    // Signed credentials: all fixtures and random records, revoked and not, some expired.
    let mut records = all_valid_records();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..12 {
        use proptest::strategy::{Strategy, ValueTree};
        records.push(crate::properties::valid_record().new_tree(&mut runner).expect("sample").current());
    }
    let mut rng = StdRng::seed_from_u64(10);
    let mut signed = Vec::new();
    for (i, rec) in records.iter().enumerate() {
        let valid_until = match i % 3 {
            0 => None,
            1 => Some(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).single().expect("date")),
            _ => Some(Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).single().expect("date")),
        };
        let opts = IssueOptions {
            format: Format::Ldp,
            valid_until,
            credential_status: Some(entry_json(LIST_URL, Purpose::Revocation, i % 8)),
            ..Default::default()
        };
        let issued = issue(rec, &key, &clock, &mut rng, &opts).await.expect("issue");
        let mut c = issued.credential;
        if !c["proof"].is_array() {
            c["proof"] = Value::Array(vec![c["proof"].take()]);
        }
        signed.push(c);
    }
    let mut mutants: Vec<(usize, String, Value)> = Vec::new();
    for (i, c) in signed.iter().enumerate() {
        mutants.push((i, "as signed".into(), c.clone()));
    }
    while mutants.len() < target {
        let i = rng.gen_range(0..signed.len());
        if let Some((name, m)) = mutate(&signed[i], &mut rng) {
            mutants.push((i, name, m));
        }
    }

    // The Digital Bazaar verifier and the 1EdTech schemas (ajv) run in the background
    // while we judge: our verifier checks both schemas too.
    let dir = tempfile::tempdir().expect("tmp");
    let list_file = dir.path().join("list.json");
    std::fs::write(&list_file, list.to_string()).expect("write list");
    let mutants_file = dir.path().join("mutants.jsonl");
    let mut input = String::new();
    for (_, _, m) in &mutants {
        input.push_str(&m.to_string());
        input.push('\n');
    }
    std::fs::write(&mutants_file, &input).expect("write mutants");
    // The Digital Bazaar verifier is the slow side (single-threaded Node): large runs are
    // split over two processes, in order.
    let halves: Vec<std::path::PathBuf> = if mutants.len() >= 1000 {
        let lines: Vec<&str> = input.lines().collect();
        let mid = lines.len() / 2;
        [&lines[..mid], &lines[mid..]]
            .iter()
            .enumerate()
            .map(|(n, part)| {
                let f = dir.path().join(format!("mutants-{n}.jsonl"));
                std::fs::write(&f, part.join("\n") + "\n").expect("write half");
                f
            })
            .collect()
    } else {
        vec![mutants_file.clone()]
    };
    // Each harness's output is drained by its own thread, so that it never blocks on a
    // full pipe while we judge.
    let run = |script: &str, args: Vec<String>| -> std::thread::JoinHandle<Vec<Value>> {
        let child = Command::new("node")
            .arg(root().join("tests/js").join(script))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node");
        std::thread::spawn(move || {
            let out = child.wait_with_output().expect("node output");
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| serde_json::from_str(l).expect("the JS harness prints JSON lines"))
                .collect()
        })
    };
    let file = |p: &std::path::Path| p.display().to_string();
    let js: Vec<_> = halves
        .iter()
        .map(|part| {
            run(
                "verify.mjs",
                vec![
                    "--now".into(),
                    "2025-09-01T00:00:00Z".into(),
                    "--status-list".into(),
                    file(&list_file),
                    file(part),
                ],
            )
        })
        .collect();
    let schemas: Vec<_> = ["schemas/ob_v3p0_achievementcredential_schema.json", "schemas/microcred-extension-v1.json"]
        .iter()
        .map(|s| run("schema.mjs", vec!["--schema".into(), file(&root().join(s)), file(&mutants_file)]))
        .collect();

    let lists = GivenStatusLists {
        lists: HashMap::from([(LIST_URL.to_owned(), list.clone())]),
        fallback: Box::new(NoStatusLists),
    };
    let resolver = Resolver::new();
    let ctx = VerifyContext {
        resolver: &resolver,
        status: &lists,
        clock: &clock,
        expect: Expect::default(),
        trust: microcred::trust::TrustRegistry::empty(),
    };
    let vm = key.verification_method().to_owned();
    // Judged on every core (each thread drives its own single-threaded runtime).
    let judge = |chunk: &[(usize, String, Value)]| -> (Vec<microcred::verify::VerificationReport>, usize) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let mut out = Vec::with_capacity(chunk.len());
            let mut compared = 0;
            for (_, name, m) in chunk {
                out.push(verify_json_with(m.clone(), ctx).await);
                // The fast path takes only documents of exactly our shape; on the others
                // `verify` is the general path itself, so only those it takes are compared.
                if microcred::fastld::our_proof(m).and_then(|_| microcred::fastld::as_ours(m)).is_some() {
                    let fast = proof::verify(m, &vm, key.did(), &key.public_jwk()).await.is_ok();
                    let general = proof::verify_general(m, &vm, key.did(), &key.public_jwk()).await.is_ok();
                    assert_eq!(fast, general, "the proof paths disagree on mutant '{name}':\n{m}");
                    compared += 1;
                }
            }
            (out, compared)
        })
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    let size = mutants.len().div_ceil(threads);
    let (ours, fast_compared) = std::thread::scope(|scope| {
        let handles: Vec<_> = mutants.chunks(size).map(|chunk| scope.spawn(|| judge(chunk))).collect();
        let mut ours = Vec::with_capacity(mutants.len());
        let mut compared = 0;
        for h in handles {
            let (o, c) = h.join().expect("judging thread");
            ours.extend(o);
            compared += c;
        }
        (ours, compared)
    });
    let lines_of = |h: std::thread::JoinHandle<Vec<Value>>| h.join().expect("harness output thread");
    let lines: Vec<Value> = js.into_iter().flat_map(lines_of).collect();
    assert_eq!(lines.len(), mutants.len(), "one verdict per mutant from the Digital Bazaar verifier");
    let schema_lines: Vec<Vec<Value>> = schemas.into_iter().map(lines_of).collect();
    for s in &schema_lines {
        assert_eq!(s.len(), mutants.len(), "one schema verdict per mutant");
    }

    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    let mut refused_equivalent: BTreeMap<String, usize> = BTreeMap::new();
    for (n, (((i, name, m), report), js)) in mutants.iter().zip(&ours).zip(&lines).enumerate() {
        // Our one documented deviation from the strict 1EdTech schema: `credentialStatus` as
        // an array (revocation and suspension; valid VC 2.0) is a warning, not an error.
        let schema_ok = |s: &Value| {
            s["valid"] == true
                || (m["credentialStatus"].is_array()
                    && s["errors"].as_array().is_some_and(|e| {
                        e.iter().all(|x| x["instancePath"].as_str().is_some_and(|p| p.starts_with("/credentialStatus")))
                    }))
        };
        let theirs = js["verified"] == true && schema_lines.iter().all(|s| schema_ok(&s[n]));
        match (report.valid, theirs) {
            (true, true) => *tally.entry("both valid").or_default() += 1,
            (false, false) => *tally.entry("both invalid").or_default() += 1,
            (true, false) => {
                panic!("we accept what the Digital Bazaar verifier refuses: '{name}'\n{report:?}\n{js}\n{m}")
            }
            (false, true) => {
                // Only for a JSON-LD-equivalent spelling of the signed data, refused as such.
                let same = microcred::jsonld::canonical_nquads(m).await.ok()
                    == microcred::jsonld::canonical_nquads(&signed[*i]).await.ok();
                assert!(
                    same && report.has_code("jsonld.non_canonical_form"),
                    "we refuse what the Digital Bazaar verifier accepts, and it is not a respelling: '{name}'\n{:?}\n{m}",
                    report.errors
                );
                *tally.entry("respelt: they accept, we refuse as non-canonical").or_default() += 1;
                *refused_equivalent.entry(name.split(" at ").next().unwrap_or(name).to_owned()).or_default() += 1;
            }
        }
    }
    eprintln!(
        "{} mutants of {} signed credentials ({fast_compared} on both proof paths): {tally:?}",
        mutants.len(),
        signed.len()
    );
    eprintln!("respellings the Digital Bazaar verifier accepts and we refuse: {refused_equivalent:?}");
    // The originals verify everywhere, except the expired ones and the revoked ones.
    for (k, c) in signed.iter().enumerate() {
        let expired = k % 3 == 2;
        let revoked = (k % 8) % 2 == 1;
        assert_eq!(ours[k].valid, !expired && !revoked, "credential {k}: {:?}", ours[k].errors);
        assert_eq!(lines[k]["verified"] == true, !expired && !revoked, "credential {k}: {}", lines[k]);
        let _ = c;
    }
}
