//! Validation findings: every problem in a record, reported at once, each with the
//! rule it breaks, a stable code, a JSON Pointer into the record and a message for
//! humans. Rule ids and codes are those of the fixtures README (MC-R01..MC-R21); shape
//! problems that no MC rule covers use the rule id [`FORMAT_RULE`].

use serde::{Deserialize, Serialize};

/// Rule id for shape problems (wrong JSON type, unknown field, malformed value) that
/// none of the 21 microcredential rules covers.
pub const FORMAT_RULE: &str = "MC-FORMAT";

/// One problem found in a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id, e.g. `MC-R08`.
    pub rule: String,
    /// Stable machine-readable code, e.g. `ects.below_minimum`.
    pub code: String,
    /// JSON Pointer (RFC 6901) to the offending value in the record.
    pub path: String,
    /// What is wrong and what is allowed, for a human.
    pub message: String,
}

/// The outcome of validating one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// `true` when there are no errors (warnings allowed).
    pub valid: bool,
    /// Problems that stop issuance.
    pub errors: Vec<Finding>,
    /// Problems worth fixing that do not stop issuance.
    pub warnings: Vec<Finding>,
}

/// Collects findings while a record is checked.
#[derive(Debug, Default)]
pub struct Findings {
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
}

impl Findings {
    /// Records an error.
    pub fn error(&mut self, rule: &str, code: &str, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Finding {
            rule: rule.to_owned(),
            code: code.to_owned(),
            path: path.into(),
            message: message.into(),
        });
    }

    /// Records a warning.
    pub fn warning(&mut self, rule: &str, code: &str, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Finding {
            rule: rule.to_owned(),
            code: code.to_owned(),
            path: path.into(),
            message: message.into(),
        });
    }

    /// Records a shape problem under [`FORMAT_RULE`].
    pub fn format(&mut self, code: &str, path: impl Into<String>, message: impl Into<String>) {
        self.error(FORMAT_RULE, code, path, message);
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Whether nothing at all (no error, no warning) was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.warnings.is_empty()
    }

    /// Appends what `other` recorded, after what this one has.
    pub fn append(&mut self, mut other: Findings) {
        self.errors.append(&mut other.errors);
        self.warnings.append(&mut other.warnings);
    }

    /// Whether an error with this code was recorded at or below `path`.
    pub fn has_error_at(&self, path: &str) -> bool {
        self.errors.iter().any(|f| f.path == path || f.path.starts_with(&format!("{path}/")))
    }

    /// The final report.
    pub fn into_report(self) -> ValidationReport {
        ValidationReport { valid: self.errors.is_empty(), errors: self.errors, warnings: self.warnings }
    }
}

/// Escapes one reference token of a JSON Pointer (RFC 6901 section 3).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
