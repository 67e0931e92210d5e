//! JSON Schema checks run before anything is signed and on every verification: the
//! 1EdTech OB 3.0 AchievementCredential schema (vendored unchanged in `schemas/`) and
//! our extension schema for the microcredential terms. JSON-LD cannot tell `"10"` from
//! `10` or a misspelt enum value from a valid one; these schemas can.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde::Serialize;
use serde_json::Value;

/// The 1EdTech OB 3.0 AchievementCredential JSON Schema (draft 2019-09), unchanged.
pub const OB3_SCHEMA: &str = include_str!("../schemas/ob_v3p0_achievementcredential_schema.json");
/// Our extension schema, served at [`crate::ob3::EXTENSION_SCHEMA_URL`].
pub const EXTENSION_SCHEMA: &str = include_str!("../schemas/microcred-extension-v1.json");

/// Which schema a problem comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaKind {
    /// The 1EdTech OB 3.0 schema.
    Ob3,
    /// Our extension schema.
    Extension,
}

/// One schema violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaViolation {
    /// Which schema.
    pub schema: SchemaKind,
    /// JSON Pointer into the credential.
    pub path: String,
    /// What is wrong (values masked, so no personal data or huge strings leak).
    pub message: String,
}

/// The OB 3.0 schema's verdict, compiled into Rust when the crate is built: no schema is
/// compiled or meta-validated at run time to decide that a credential passes (that took
/// ~8 ms of every process's start, most of it jsonschema building its draft 2019-09
/// meta-schema validator to check our own embedded schemas).
#[jsonschema::validator(path = "schemas/ob_v3p0_achievementcredential_schema.json", methods = { is_valid = true, validate = false, iter_errors = false })]
struct Ob3;

/// The extension schema's verdict, compiled when the crate is built.
#[jsonschema::validator(path = "schemas/microcred-extension-v1.json", methods = { is_valid = true, validate = false, iter_errors = false })]
struct Extension;

/// Whether `instance` passes the schema `kind`, as the generated validator decides it
/// (what [`check`] decides with; exposed so that tests can hold it to the run-time one).
pub fn passes(kind: SchemaKind, instance: &Value) -> bool {
    match kind {
        SchemaKind::Ob3 => Ob3::is_valid(instance),
        SchemaKind::Extension => Extension::is_valid(instance),
    }
}

/// A run-time validator for `text`, built on first use: it explains a failing verdict.
/// The generated validators report fewer violations than the run-time ones (of a value
/// with the wrong type and outside an enum, only the enum), so the violations we report
/// stay the run-time validator's, all of them.
fn compile(text: &str) -> Validator {
    let schema: Value = serde_json::from_str(text).unwrap_or_else(|e| unreachable!("embedded schema is JSON: {e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| unreachable!("embedded schema compiles offline: {e}"))
}

fn explain_ob3() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| compile(OB3_SCHEMA))
}

fn explain_extension() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| compile(EXTENSION_SCHEMA))
}

/// Collects at most 50 violations of `v` by `instance`.
fn explain(v: &Validator, kind: SchemaKind, instance: &Value, out: &mut Vec<SchemaViolation>) {
    for e in v.iter_errors(instance).take(50) {
        out.push(SchemaViolation {
            schema: kind,
            path: e.instance_path().to_string(),
            message: e.masked().to_string(),
        });
    }
}

/// Checks a credential against the OB 3.0 schema, and against the extension schema
/// when `with_extension`. An empty list means it passes.
///
/// A `credentialStatus` array (revocation plus suspension entries, as the Digital
/// Credentials Consortium issues) is valid VC 2.0 but outside the strict OB 3.0 schema,
/// which allows one entry: such a credential is checked with its first entry in place of
/// the array, every entry being a `BitstringStatusListEntry` object. See
/// [`has_status_array`].
pub fn check(credential: &Value, with_extension: bool) -> Vec<SchemaViolation> {
    let mut out = Vec::new();
    let relaxed;
    let credential = match credential.get("credentialStatus") {
        Some(Value::Array(entries))
            if !entries.is_empty()
                && entries
                    .iter()
                    .all(|e| e.get("type").and_then(Value::as_str) == Some("BitstringStatusListEntry")) =>
        {
            relaxed = {
                let mut c = credential.clone();
                c["credentialStatus"] = entries[0].clone();
                c
            };
            &relaxed
        }
        _ => credential,
    };
    // Valid is the common case, decided by the generated code without building errors.
    if !passes(SchemaKind::Ob3, credential) {
        explain(explain_ob3(), SchemaKind::Ob3, credential, &mut out);
    }
    if with_extension && !passes(SchemaKind::Extension, credential) {
        explain(explain_extension(), SchemaKind::Extension, credential, &mut out);
    }
    out
}

/// Whether a credential claims to be an Open Badge (OB 3.0 types): the one the 1EdTech
/// schema applies to.
pub fn is_open_badge(v: &Value) -> bool {
    let ob = |t: &Value| t == "OpenBadgeCredential" || t == "AchievementCredential";
    match v.get("type") {
        Some(Value::Array(a)) => a.iter().any(ob),
        Some(t) => ob(t),
        None => false,
    }
}

/// Whether a credential uses a `credentialStatus` array (outside the strict OB 3.0 schema).
pub fn has_status_array(credential: &Value) -> bool {
    credential.get("credentialStatus").is_some_and(Value::is_array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_schemas_compile_offline_to_explain_violations() {
        let _ = explain_ob3();
        let _ = explain_extension();
    }

    #[test]
    fn a_credential_without_a_subject_fails_the_ob3_schema() {
        let v = check(&json!({"@context": [], "id": "urn:x", "type": ["VerifiableCredential"]}), false);
        assert!(v.iter().any(|e| e.schema == SchemaKind::Ob3));
    }
}
