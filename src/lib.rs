//! microcred: issuer of Flemish higher-education microcredentials as signed
//! Open Badges 3.0 / W3C Verifiable Credentials 2.0.
//!
//! Crate map:
//! - [`domain`]: the record format, the rules MC-R01..MC-R21, typed records (no I/O).
//! - [`ob3`]: the typed OB 3.0 credential; record → credential mapping and back.
//! - [`jsonld`]: embedded contexts, offline loader, safe-mode checks, canonical N-Quads.
//! - [`schema`]: the 1EdTech OB 3.0 JSON Schema and our extension schema.
//! - [`crypto`]: keys, did:key/did:web, eddsa-rdfc-2022 proofs, OB 3.0 VC-JWT.
//! - [`issuance`]: the one issuance path (CLI and service); [`batch`]: streaming,
//!   parallel batches of it.
//! - [`fastld`]: canonical N-Quads written directly for our own credential shapes.
//! - [`verify`]: the verification report; [`bake`]: credentials baked into badge images.
//! - [`status`]: Bitstring Status List: bitstrings, entries, list credentials, fetching.
//! - [`store`]: the `Store` trait, SQLite and PostgreSQL.
//! - [`service`]: use cases of the issuer service (institutions, keys, API keys,
//!   achievements, issuance, revocation).
//! - [`http`]: the HTTP API, problem+json errors, public documents and pages.
//! - [`web`]: server-rendered HTML pages (nl/en) and QR codes.
//! - [`cpu`]: the pool for CPU-bound work.
//! - [`app`], [`config`], [`telemetry`], [`cli`], [`clock`]: process, settings, logs,
//!   command line, time.

pub mod app;
pub mod bake;
pub mod batch;
pub mod cli;
pub mod clock;
pub mod config;
pub mod cpu;
pub mod crypto;
pub mod domain;
pub mod fastld;
pub mod http;
pub mod issuance;
pub mod jsonld;
pub mod ob3;
pub mod schema;
pub mod service;
pub mod status;
pub mod store;
pub mod telemetry;
pub mod trust;
pub mod verify;
pub mod web;
pub mod wire;
