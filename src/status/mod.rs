//! Revocation and suspension with W3C Bitstring Status List v1.0
//! (<https://www.w3.org/TR/vc-bitstring-status-list/>).

pub mod address;
pub mod bitstring;
pub mod check;
pub mod entry;
pub mod fetch;
