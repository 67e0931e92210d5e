//! Integration tests of the library core: validation, mapping, signing, verification.

mod helpers;
mod issue_verify;
mod tamper;
mod validate;
mod vector;
