//! Microcredential records: the input format of `../shared/fixtures/README.md`, the
//! rule catalogue MC-R01..MC-R21 (Annex I of Council Recommendation 2022/C 243/02 and
//! the Flemish *afsprakenkader*), and the typed values a valid record becomes.
//! No I/O happens here.

pub mod institution;
mod parse;
mod reader;
pub mod record;
pub mod report;
mod rules_components;
pub mod types;

pub use institution::{INSTITUTIONS, Institution};
pub use parse::{ParseOptions, parse_definition, parse_record, parse_record_text, parse_record_with};
pub use record::*;
pub use report::{FORMAT_RULE, Finding, ValidationReport};
