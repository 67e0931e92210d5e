//! Checks `schema` and `microcredential_rules`: the 1EdTech JSON Schema (and our
//! extension's), and the EU/Flemish rules on the record read back from the credential.

use super::*;

/// The credential as the OB 3.0 schema (of the VC 2.0 edition) reads it: a single `proof`
/// object as the one-element list it means (VC 2.0 allows either; the schema wants the
/// list), and an Open Badge of the VC 1.1 edition with the names of the 2.0 edition
/// (`credentials/v1` → `credentials/v2`, `issuanceDate` → `validFrom`, `expirationDate`
/// → `validUntil`: where the two editions of the schema differ).
pub(super) fn schema_view(v: &Value) -> std::borrow::Cow<'_, Value> {
    let single = v.get("proof").is_some_and(Value::is_object);
    let vc11 = is_vc11(v);
    if !single && !vc11 {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut view = v.clone();
    if single {
        view["proof"] = Value::Array(vec![v["proof"].clone()]);
    }
    if vc11 && let Value::Object(o) = &mut view {
        if let Some(Value::Array(ctx)) = o.get_mut("@context")
            && let Some(first) = ctx.first_mut()
        {
            *first = crate::jsonld::contexts::CREDENTIALS_V2_URL.into();
        }
        for (old, new) in [("issuanceDate", "validFrom"), ("expirationDate", "validUntil")] {
            if let Some(x) = o.remove(old) {
                o.insert(new.into(), x);
            }
        }
    }
    std::borrow::Cow::Owned(view)
}

/// The schemas (Open Badges only) and, where our extension is present, the rules.
pub(super) fn check(v: &Value, clock: &dyn Clock, r: &mut VerificationReport) {
    if schema::has_status_array(v) {
        r.warnings.push(VerifyError {
            check: "schema",
            code: "schema.status_array".into(),
            message: "credentialStatus is an array (revocation and suspension): valid VC 2.0, outside the strict OB 3.0 schema (one entry)".into(),
            path: Some("/credentialStatus".into()),
        });
    }
    let ext = reverse::has_extension(v);
    // The 1EdTech schema applies to Open Badges; other VC 2.0 credentials skip it.
    let violations = if schema::is_open_badge(v) { schema::check(&schema_view(v), ext) } else { Vec::new() };
    if schema::is_open_badge(v) && violations.is_empty() {
        r.pass("schema");
    }
    for s in violations.into_iter().take(20) {
        let which =
            if s.schema == schema::SchemaKind::Ob3 { "OB 3.0 schema" } else { "microcredential extension schema" };
        r.fail("schema", "schema.invalid", format!("{which}: {}", s.message), Some(s.path));
    }
    if ext {
        match reverse::to_record(v) {
            Ok((record, options)) => match parse_record_with(&record, clock, options) {
                Ok((_, report)) => {
                    r.pass("microcredential_rules");
                    for w in report.warnings {
                        r.warnings.push(VerifyError {
                            check: "microcredential_rules",
                            code: w.code,
                            message: w.message,
                            path: Some(reverse::credential_path(&w.path)),
                        });
                    }
                }
                Err(report) => {
                    for e in report.errors {
                        r.fail(
                            "microcredential_rules",
                            "rules.violation",
                            format!("{} {}: {}", e.rule, e.code, e.message),
                            Some(reverse::credential_path(&e.path)),
                        );
                    }
                }
            },
            Err(e) => r.fail(
                "microcredential_rules",
                "rules.unreadable",
                format!("the microcredential extension cannot be read: {e}"),
                None,
            ),
        }
    }
}
