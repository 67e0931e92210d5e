//! Side by side, in one run: eddsa-rdfc-2022 sign and verify per second, single thread,
//! ours against the Digital Bazaar JavaScript reference (`tests/js/bench.mjs`: the
//! `@digitalbazaar/vc` + `data-integrity` + `eddsa-rdfc-2022-cryptosuite` stack), on the
//! same unsigned credentials and key. Prints a table with the ratios.
//!
//!   cargo bench --bench compare                 # 5 s per measurement
//!   cargo bench --bench compare -- --quick      # 1 s (CI: keeps it compiling and working)
//!   cargo bench --bench compare -- --seconds 10
//!
//! Needs `node` and `npm ci --prefix tests/js`; without them only our figures print.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)] // a benchmark: failing loudly is right

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use microcred::clock::FixedClock;
use microcred::crypto::did::Resolver;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::crypto::proof;
use microcred::issuance::{IssueOptions, issue};
use microcred::verify;
use rand::SeedableRng;
use serde_json::Value;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Operations per second of `f`, after a warm-up, over `seconds`.
fn rate(seconds: f64, mut f: impl FnMut()) -> f64 {
    for _ in 0..20 {
        f();
    }
    let start = Instant::now();
    let budget = Duration::from_secs_f64(seconds);
    let mut n = 0u64;
    while start.elapsed() < budget {
        f();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn js_reference(root: &Path, unsigned: &Path, key: &Path, seconds: f64) -> Result<Value, String> {
    let script = root.join("tests/js/bench.mjs");
    if !root.join("tests/js/node_modules").is_dir() {
        return Err("tests/js/node_modules is missing: run `npm ci --prefix tests/js`".into());
    }
    let out = Command::new("node")
        .arg(script)
        .arg("--credential")
        .arg(unsigned)
        .arg("--key")
        .arg(key)
        .arg("--seconds")
        .arg(seconds.to_string())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !out.status.success() {
        return Err(format!("the JS reference failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("unreadable JS output: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = if args.iter().any(|a| a == "--quick") {
        1.0
    } else {
        args.iter()
            .position(|a| a == "--seconds")
            .and_then(|i| args.get(i + 1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(5.0)
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let clock = FixedClock::at_date(chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"));
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let resolver = Resolver::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let key_file = dir.path().join("key.jwk");
    std::fs::write(&key_file, key.to_private_json()).expect("write key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);

    let valid: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/fixtures/valid.json")).expect("read"))
            .expect("JSON");
    let minimal = valid.into_iter().find(|r| r["record_id"] == "own-valid-02").expect("own-valid-02");
    let rich: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/fixtures/record-example.json")).expect("read"))
            .expect("JSON");

    println!("eddsa-rdfc-2022, single thread, {seconds} s per measurement");
    println!(
        "{:<8} {:>7} | {:>10} {:>10} {:>7} | {:>10} {:>10} {:>7} | {:>12}",
        "record", "bytes", "JS sign/s", "sign/s", "ratio", "JS ver/s", "verify/s", "ratio", "full verify/s"
    );
    let mut ratios = Vec::new();
    for (name, record) in [("minimal", minimal), ("rich", rich)] {
        let issued = rt.block_on(issue(&record, &key, &clock, &mut rng, &IssueOptions::default())).expect("issue");
        let signed = issued.credential;
        let mut unsigned = signed.clone();
        unsigned.as_object_mut().expect("object").remove("proof");
        let unsigned_file = dir.path().join(format!("{name}.json"));
        std::fs::write(&unsigned_file, serde_json::to_string(&unsigned).expect("json")).expect("write");
        let text = serde_json::to_string(&signed).expect("json");
        let created = chrono::Utc::now();
        let (vm, did, public) = (key.verification_method(), key.did(), key.public_jwk());

        let sign = rate(seconds, || {
            rt.block_on(proof::sign(&unsigned, &key, created)).expect("sign");
        });
        let verify = rate(seconds, || {
            rt.block_on(proof::verify(&signed, vm, did, &public)).expect("verify");
        });
        let full = rate(seconds, || {
            assert!(rt.block_on(verify::verify_text(&text, &resolver, &clock)).valid);
        });
        match js_reference(root, &unsigned_file, &key_file, seconds) {
            Ok(js) => {
                let js_sign = js["sign_per_s"].as_f64().unwrap_or(f64::NAN);
                let js_verify = js["verify_per_s"].as_f64().unwrap_or(f64::NAN);
                let (rs, rv) = (sign / js_sign, verify / js_verify);
                ratios.push((rs, rv));
                println!(
                    "{name:<8} {:>7} | {js_sign:>10.1} {sign:>10.0} {rs:>6.1}x | {js_verify:>10.1} {verify:>10.0} {rv:>6.1}x | {full:>12.0}",
                    text.len()
                );
            }
            Err(e) => {
                println!(
                    "{name:<8} {:>7} | {:>10} {sign:>10.0} {:>7} | {:>10} {verify:>10.0} {:>7} | {full:>12.0}",
                    text.len(),
                    "-",
                    "-",
                    "-",
                    "-"
                );
                eprintln!("JS reference not run: {e}");
            }
        }
    }
    println!(
        "(sign/verify: the eddsa-rdfc-2022 proof alone, as the JS reference measures it; full verify: \
         our whole verification, with schema, rules, key and validity checks)"
    );
    if let Some(worst) = ratios.iter().map(|(s, v)| s.min(*v)).reduce(f64::min) {
        println!("lowest ratio {worst:.1}x; target >= 20x: {}", if worst >= 20.0 { "met" } else { "NOT met" });
    }
}
