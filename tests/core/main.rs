//! Integration tests of the library core: validation, mapping, signing, verification.

mod helpers;
mod interop;
mod issue_verify;
mod properties;
mod tamper;
mod validate;
mod vector;
