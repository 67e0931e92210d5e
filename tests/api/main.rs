//! Integration tests of the issuer service: the app on port 0 with a fresh database each.
#![expect(clippy::expect_used, clippy::unwrap_used, reason = "tests fail loudly on broken inputs")]

mod achievements;
mod apikeys;
mod auth;
mod badges;
mod batch;
mod concurrency;
mod conformance;
mod contexts;
mod crash_safety;
mod demo;
mod did_key;
mod edge;
mod errors;
mod helpers;
mod hostile;
mod interop;
mod issue;
mod issuers;
mod oid4vci;
mod pages;
mod public;
mod signed_form;
#[path = "../common/skip.rs"]
mod skip;
mod status;
mod store_contract;
mod suite_findings;
mod tls;
mod trust;
mod two_nodes;
mod vcapi;
mod vcapi_scope;
mod verifier_core;
