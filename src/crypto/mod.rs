//! Keys, DIDs and signatures: Ed25519/RSA keys ([`keys`]), did:key and did:web
//! ([`did`]), Data Integrity eddsa-rdfc-2022 proofs ([`proof`]) and OB 3.0 VC-JWTs
//! ([`jwt`]). Nothing here reads the clock or the network.

pub mod did;
pub mod jcs;
pub mod jwt;
pub mod keys;
pub mod proof;
