//! microcred: issuer of Flemish higher-education microcredentials as signed
//! Open Badges 3.0 / W3C Verifiable Credentials 2.0.
//!
//! Crate map:
//! - [`clock`]: the injectable clock ("today" for MC-R17, proof `created`).
//! - [`domain`]: the record format, the rules MC-R01..MC-R21, typed records.
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod http;
pub mod issuance;
pub mod jsonld;
pub mod ob3;
pub mod schema;
pub mod service;
pub mod status;
pub mod store;
pub mod telemetry;
pub mod verify;
pub mod web;
