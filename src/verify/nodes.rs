//! Check `json_ld` (what the checks can judge): the signed data describes one credential.
//! A second node typed as a credential or presentation inside it (not an Open Badges
//! endorsement, which OB 3.0 defines as an embedded credential about the achievement or
//! profile) would be a credential whose proof, status and validity no check reads: the
//! whole is then not verifiable, rather than valid on the strength of the outer one.

use super::*;

/// Members under which OB 3.0 embeds whole credentials by design (endorsements).
const EMBEDDING_MEMBERS: [&str; 2] = ["endorsement", "endorsementJwt"];

/// Fails `json_ld` with `jsonld.second_credential` at the first nested credential or
/// presentation node.
pub(super) fn check(v: &Value, r: &mut VerificationReport) {
    let mut stack: Vec<(String, &Value)> = match v {
        Value::Object(o) => o
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "@context" | "proof") && !EMBEDDING_MEMBERS.contains(&k.as_str()))
            .map(|(k, x)| (format!("/{k}"), x))
            .collect(),
        _ => return,
    };
    while let Some((path, x)) = stack.pop() {
        match x {
            Value::Array(a) => stack.extend(a.iter().enumerate().map(|(i, y)| (format!("{path}/{i}"), y))),
            Value::Object(o) => {
                let typed = |t: &Value| t == "VerifiableCredential" || t == "VerifiablePresentation";
                let is_credential = match o.get("type") {
                    Some(Value::Array(a)) => a.iter().any(typed),
                    Some(t) => typed(t),
                    None => false,
                };
                if is_credential {
                    r.fail(
                        "json_ld",
                        "jsonld.second_credential",
                        "the signed data holds another credential or presentation inside this one; its proof, status and validity are not checked here, so the whole cannot be judged: verify it on its own",
                        Some(path),
                    );
                    return;
                }
                stack.extend(
                    o.iter()
                        .filter(|(k, _)| !EMBEDDING_MEMBERS.contains(&k.as_str()))
                        .map(|(k, y)| (format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")), y)),
                );
            }
            _ => {}
        }
    }
}
