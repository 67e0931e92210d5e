//! Fuzz and property targets (issue 12): record parsing, verification input (JSON
//! credentials and VC-JWTs), status list decoding and canonicalisation. Structured
//! mutation fuzzing from real inputs (see `engine.rs` for the settings and how to replay
//! a saved input). `cargo test --test fuzz` runs a short pass of every target; the long
//! run is documented in BENCHMARKS.md:
//!
//! ```sh
//! MICROCRED_FUZZ_CASES=1000000 cargo test --release --test fuzz -- --nocapture
//! ```
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "tests fail loudly on broken set-up")]

mod engine;
mod fixtures;
mod mutate;
mod targets;

use engine::{Config, fuzz};

#[test]
fn fuzz_record_parsing() {
    let cfg = Config::from_env();
    fuzz(&targets::Records::new(), &cfg, cfg.cases).assert_clean();
}

#[test]
fn fuzz_verification_input() {
    let cfg = Config::from_env();
    fuzz(&targets::Verify::new(), &cfg, cfg.cases).assert_clean();
}

#[test]
fn fuzz_status_list_decoding() {
    let cfg = Config::from_env();
    fuzz(&targets::StatusLists::new(), &cfg, cfg.cases).assert_clean();
}

#[test]
fn fuzz_canonicalisation() {
    let cfg = Config::from_env();
    fuzz(&targets::Canon::new(), &cfg, cfg.cases).assert_clean();
}
