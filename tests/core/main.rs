//! Integration tests of the library core: validation, mapping, signing, verification.
#![expect(clippy::expect_used, clippy::unwrap_used, reason = "tests and examples fail loudly on broken inputs")]

mod breadth;
mod fastld;
mod helpers;
mod interop;
mod issue_verify;
mod mutations;
mod properties;
mod respell;
mod schemas;
#[path = "../common/skip.rs"]
mod skip;
mod tamper;
mod validate;
mod vector;
mod wire;
