//! Issuance end to end (record → signed credential, one thread) for every shared valid
//! fixture, ldp (eddsa-rdfc-2022) and jwt (VC-JWT), then a table of the rate per fixture
//! with the worst, the median and the best. The records are the shared fixtures
//! (`/work/shared/fixtures/microcredentials-valid.json`, or `MICROCRED_FIXTURES`), and
//! `tests/fixtures/valid.json` when those are absent.
//!
//!   cargo bench --bench fixtures                         # criterion, 16 × 2 benchmarks
//!   taskset -c 0 cargo bench --bench fixtures -- --quick # one core, a quick pass (CI)

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)] // a benchmark: failing loudly is right

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
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

/// Total time and iterations measured per (format, fixture), warm-up included.
type TotalsMap = BTreeMap<(&'static str, String), (Duration, u64)>;
type Totals = RefCell<TotalsMap>;

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let clock = FixedClock::at_date(chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"));
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let totals: Totals = RefCell::default();
    let records = records();
    for (id, raw) in &records {
        let issued = rt.block_on(issue(raw, &key, &clock, &mut rng, &IssueOptions::default())).expect("issue");
        let mut doc = issued.credential;
        doc.as_object_mut().expect("object").remove("proof");
        let fast = fastld::as_ours(&doc).and_then(|t| fastld::canonical(&t)).is_some();
        eprintln!("{id}: {} bytes, fast canonical path: {}", doc.to_string().len(), if fast { "yes" } else { "NO" });
    }
    for (format, name) in [(Format::Ldp, "ldp"), (Format::Jwt, "jwt")] {
        let opts = IssueOptions { format, ..Default::default() };
        let mut g = c.benchmark_group(format!("fixtures/{name}"));
        // 32 benchmarks: shorter than criterion's defaults (3 s + 5 s each).
        g.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)).sample_size(30);
        for (id, raw) in &records {
            g.bench_function(id.as_str(), |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(rt.block_on(issue(black_box(raw), &key, &clock, &mut rng, &opts)).expect("issue"));
                    }
                    let took = start.elapsed();
                    let mut t = totals.borrow_mut();
                    let e = t.entry((name, id.clone())).or_default();
                    e.0 += took;
                    e.1 += iters;
                    took
                })
            });
        }
        g.finish();
    }
    c.final_summary();
    summary(&totals.into_inner());
}

fn summary(totals: &TotalsMap) {
    println!("\nissue end to end, one thread (credentials/s; mean over every measured iteration)");
    println!("{:<12} {:>10} {:>10} {:>10} {:>10}", "fixture", "ldp µs", "ldp /s", "jwt µs", "jwt /s");
    let ids: Vec<&String> = totals.keys().filter(|(f, _)| *f == "ldp").map(|(_, id)| id).collect();
    let micros = |f: &'static str, id: &String| {
        totals.get(&(f, id.clone())).map(|(d, n)| d.as_secs_f64() * 1e6 / (*n).max(1) as f64)
    };
    for id in &ids {
        let (l, j) = (micros("ldp", id).unwrap_or(f64::NAN), micros("jwt", id).unwrap_or(f64::NAN));
        println!("{id:<12} {l:>10.1} {:>10.0} {j:>10.1} {:>10.0}", 1e6 / l, 1e6 / j);
    }
    for f in ["ldp", "jwt"] {
        let mut rates: Vec<(f64, &String)> = ids.iter().filter_map(|id| Some((1e6 / micros(f, id)?, *id))).collect();
        rates.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (Some(worst), Some(best)) = (rates.first(), rates.last()) else { continue };
        let median = (rates[(rates.len() - 1) / 2].0 + rates[rates.len() / 2].0) / 2.0;
        println!(
            "{f}: worst {:.0}/s ({}), median {median:.0}/s, best {:.0}/s ({}); best/worst {:.2}×",
            worst.0,
            worst.1,
            best.0,
            best.1,
            best.0 / worst.0
        );
    }
}
