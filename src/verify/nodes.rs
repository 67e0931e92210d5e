//! Check `json_ld` (what the checks can judge): the signed data describes one credential.
//! A second node typed as a credential or presentation inside it (not an Open Badges
//! endorsement, which OB 3.0 defines as an embedded credential about the achievement or
//! profile) would be a credential whose proof, status and validity no check reads: the
//! whole is then not verifiable, rather than valid on the strength of the outer one.

use super::*;

/// Members under which OB 3.0 embeds whole credentials by design (endorsements).
const EMBEDDING_MEMBERS: [&str; 2] = ["endorsement", "endorsementJwt"];

/// Fails `json_ld` with `jsonld.second_credential` at the first nested credential or
/// presentation node. The walk allocates nothing unless it finds one (it runs on every
/// verification: formatting a path per member cost 10% of a bulk JWT verification).
pub(super) fn check(v: &Value, r: &mut VerificationReport) {
    let Value::Object(o) = v else { return };
    for (k, x) in o {
        if matches!(k.as_str(), "@context" | "proof") || EMBEDDING_MEMBERS.contains(&k.as_str()) {
            continue;
        }
        if let Some(mut at) = nested_credential(x) {
            at.push(Segment::Key(k));
            let path: String = at
                .iter()
                .rev()
                .map(|s| match s {
                    Segment::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
                    Segment::Index(i) => format!("/{i}"),
                })
                .collect();
            r.fail(
                "json_ld",
                "jsonld.second_credential",
                "the signed data holds another credential or presentation inside this one; its proof, status and validity are not checked here, so the whole cannot be judged: verify it on its own",
                Some(path),
            );
            return;
        }
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The path (innermost first) to the first credential or presentation node in `v`.
fn nested_credential(v: &Value) -> Option<Vec<Segment<'_>>> {
    match v {
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
            nested_credential(x).map(|mut p| {
                p.push(Segment::Index(i));
                p
            })
        }),
        Value::Object(o) => {
            let typed = |t: &Value| t == "VerifiableCredential" || t == "VerifiablePresentation";
            let is_credential = match o.get("type") {
                Some(Value::Array(a)) => a.iter().any(typed),
                Some(t) => typed(t),
                None => false,
            };
            if is_credential {
                return Some(Vec::new());
            }
            o.iter().filter(|(k, _)| !EMBEDDING_MEMBERS.contains(&k.as_str())).find_map(|(k, x)| {
                nested_credential(x).map(|mut p| {
                    p.push(Segment::Key(k));
                    p
                })
            })
        }
        _ => None,
    }
}
