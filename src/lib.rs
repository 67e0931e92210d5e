//! microcred: issuer of Flemish higher-education microcredentials as signed
//! Open Badges 3.0 / W3C Verifiable Credentials 2.0.
//!
//! Crate map:
//! - [`clock`]: the injectable clock ("today" for MC-R17, proof `created`).
//! - [`domain`]: the record format, the rules MC-R01..MC-R21, typed records.
pub mod cli;
pub mod clock;
pub mod crypto;
pub mod domain;
pub mod issuance;
pub mod jsonld;
pub mod ob3;
pub mod schema;
pub mod store;
pub mod verify;
pub mod web;
