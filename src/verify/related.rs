//! Check `related_resource`: digests of the resources we hold byte for byte.

use super::*;

/// VC 2.0 §5.3: "If the digest provided by the issuer does not match the digest computed
/// for the retrieved resource, the conforming verifier implementation MUST produce an
/// error." The resources we hold byte for byte (our contexts, VC 2.0 and its examples
/// context) are judged; nothing is fetched for the others.
pub(super) fn check_related_resources(v: &Value, r: &mut VerificationReport) {
    let list: Vec<(String, &Value)> = match v.get("relatedResource") {
        None => return,
        Some(Value::Array(a)) => a.iter().enumerate().map(|(i, x)| (format!("/relatedResource/{i}"), x)).collect(),
        Some(x) => vec![("/relatedResource".to_owned(), x)],
    };
    let before = r.errors.len();
    for (at, item) in list {
        let text = |k: &str| item.get(k).and_then(Value::as_str);
        let Some(id) = text("id") else { continue };
        if let Err(m) = jsonld::contexts::check_related_digests(id, text("digestSRI"), text("digestMultibase")) {
            r.fail("related_resource", "related_resource.digest_mismatch", m, Some(at));
        }
    }
    if r.errors.len() == before {
        r.pass("related_resource");
    }
}
