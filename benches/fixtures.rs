//! Issuance end to end (record → signed credential, one thread) for every shared valid
//! fixture, ldp (eddsa-rdfc-2022) and jwt (VC-JWT), then a table of the rate per fixture
//! with the worst, the median and the best. The records are the shared fixtures
//! (`/work/shared/fixtures/microcredentials-valid.json`, or `MICROCRED_FIXTURES`), and
//! `tests/fixtures/valid.json` when those are absent.
//!
//!   taskset -c 0 cargo bench --bench fixtures                 # 15 rounds
//!   ROUNDS=3 BATCH=20 taskset -c 0 cargo bench --bench fixtures  # a quick pass (CI)
//!   ONLY=valid-14 FORMATS=jwt ROUNDS=50 perf record -g target/release/deps/fixtures-* --bench
//!                                                                # one shape, to profile
//!
//! Each fixture is issued as a cohort: `BATCH` awards of its microcredential to as many
//! different learners (what an institution's batch is), so nothing learner-specific
//! repeats from one credential to the next.
//!
//! The fixtures are measured **interleaved**: every round issues `BATCH` credentials of
//! each fixture in each format, one fixture after the other, and the table keeps each
//! fixture's fastest round. On a shared or virtual machine the speed of a core drifts by
//! tens of percent over minutes; measured one after the other (as criterion does), the
//! fixtures measured during a slow minute look slow. Interleaved, every fixture sees
//! the same minutes, so the ratio between them is the fixtures' own.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)] // a benchmark: failing loudly is right

use std::hint::black_box;
use std::time::{Duration, Instant};

use microcred::clock::FixedClock;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::fastld;
use microcred::issuance::{Format, IssueOptions, issue};
use rand::SeedableRng;
use serde_json::Value;

// The service's allocator (src/main.rs), so that figures match the binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SHARED: &str = "/work/shared/fixtures/microcredentials-valid.json";

/// `(record id, record)` of every valid fixture.
fn records() -> Vec<(String, Value)> {
    let shared = std::env::var("MICROCRED_FIXTURES").unwrap_or_else(|_| SHARED.to_owned());
    let text = std::fs::read_to_string(&shared).unwrap_or_else(|_| {
        eprintln!("{shared} is absent: benchmarking tests/fixtures/valid.json instead");
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid.json"))
            .expect("own fixtures")
    });
    let Value::Array(all) = serde_json::from_str(&text).expect("JSON") else { panic!("an array of records") };
    all.into_iter().map(|r| (r["record_id"].as_str().unwrap_or("?").to_owned(), r)).collect()
}

/// `n` awards of the microcredential of `record`, each to another learner (name, e-mail
/// address, identifier; the grade and dates stay), as an institution's batch would be.
fn cohort(record: &Value, n: u32) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let mut r = record.clone();
            let learner = &mut r["award"]["learner"];
            for (field, value) in [
                ("given_name", format!("Learner{i}")),
                ("family_name", format!("Cohort{:04}", i * 7919 % 10_000)),
                ("email", format!("learner{i}@example.org")),
                (
                    "learner_id",
                    format!(
                        "urn:uuid:{}",
                        uuid::Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0000 + u128::from(i))
                    ),
                ),
            ] {
                if learner.get(field).is_some_and(|v| !v.is_null()) {
                    learner[field] = Value::String(value);
                }
            }
            r
        })
        .collect()
}

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: a smoke run.
    let benching = std::env::args().any(|a| a == "--bench");
    let rounds = if benching { env_number("ROUNDS", 15) } else { 1 };
    let batch = if benching { env_number("BATCH", 100) } else { 2 };
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let clock = FixedClock::at_date(chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"));
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let only: Option<Vec<String>> = std::env::var("ONLY").ok().map(|v| v.split(',').map(str::to_owned).collect());
    let records: Vec<(String, Value)> =
        records().into_iter().filter(|(id, _)| only.as_ref().is_none_or(|o| o.contains(id))).collect();
    assert!(!records.is_empty(), "ONLY names no fixture");
    for (id, raw) in &records {
        let issued = rt.block_on(issue(raw, &key, &clock, &mut rng, &IssueOptions::default())).expect("issue");
        let mut doc = issued.credential;
        doc.as_object_mut().expect("object").remove("proof");
        let fast = fastld::as_ours(&doc).and_then(|t| fastld::canonical(&t)).is_some();
        eprintln!("{id}: {} bytes, fast canonical path: {}", doc.to_string().len(), if fast { "yes" } else { "NO" });
        assert!(fast, "{id} left the fast canonical path");
    }
    let wanted = std::env::var("FORMATS").unwrap_or_else(|_| "ldp,jwt".to_owned());
    let formats: Vec<(Format, &str)> =
        [(Format::Ldp, "ldp"), (Format::Jwt, "jwt")].into_iter().filter(|(_, n)| wanted.contains(n)).collect();
    // best[format][fixture]: the fastest round's time per credential.
    let mut best = vec![vec![Duration::MAX; records.len()]; formats.len()];
    // A batch is a cohort: one microcredential, `batch` different learners.
    let cohorts: Vec<Vec<Value>> = records.iter().map(|(_, raw)| cohort(raw, batch)).collect();
    for round in 0..rounds {
        for (i, cohort) in cohorts.iter().enumerate() {
            for (f, (format, _)) in formats.iter().enumerate() {
                let opts = IssueOptions { format: *format, ..Default::default() };
                let start = Instant::now();
                for raw in cohort {
                    black_box(rt.block_on(issue(black_box(raw), &key, &clock, &mut rng, &opts)).expect("issue"));
                }
                let each = start.elapsed() / batch;
                best[f][i] = best[f][i].min(each);
            }
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }
    println!(
        "\nissue end to end, one thread: {} fixtures interleaved, {rounds} rounds of {batch} credentials each, fastest round",
        records.len()
    );
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let mut header = format!("{:<12}", "fixture");
    for (_, name) in &formats {
        header += &format!(" {:>10} {:>10}", format!("{name} µs"), format!("{name} /s"));
    }
    println!("{header}");
    for (i, (id, _)) in records.iter().enumerate() {
        let mut row = format!("{id:<12}");
        for per_format in &best {
            let us = micros(per_format[i]);
            row += &format!(" {us:>10.1} {:>10.0}", 1e6 / us);
        }
        println!("{row}");
    }
    for (f, (_, name)) in formats.iter().enumerate() {
        let mut rates: Vec<(f64, &String)> =
            records.iter().enumerate().map(|(i, (id, _))| (1e6 / micros(best[f][i]), id)).collect();
        rates.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (Some(worst), Some(top)) = (rates.first(), rates.last()) else { continue };
        let median = (rates[(rates.len() - 1) / 2].0 + rates[rates.len() / 2].0) / 2.0;
        println!(
            "{name}: worst {:.0}/s ({}), median {median:.0}/s, best {:.0}/s ({}); best/worst {:.2}×",
            worst.0,
            worst.1,
            top.0,
            top.1,
            top.0 / worst.0
        );
    }
}
