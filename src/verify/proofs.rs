//! The proof itself: its shape (one proof, a set, a chain), the suites this verifier
//! checks, and the Data Integrity proof options (`created`, `expires`, `domain`,
//! `challenge`).

use super::*;

pub(super) fn single_proof(v: &Value) -> Result<&Map<String, Value>, String> {
    match v.get("proof") {
        None => Err("the credential has no proof; sign it, or give the JWT".into()),
        Some(Value::Object(p)) => Ok(p),
        Some(Value::Array(a)) if a.len() == 1 => a[0].as_object().ok_or_else(|| "proof is not an object".into()),
        Some(Value::Array(a)) => Err(format!("expected exactly one proof, found {}", a.len())),
        Some(_) => Err("proof is not an object".into()),
    }
}

/// The proofs of a credential: one object, or a proof set (a list, every one of which
/// must verify), whose members may form chains (`previousProof`, checked by
/// [`previous_proofs`]).
pub(super) fn proof_set(v: &Value) -> Result<Vec<&Map<String, Value>>, String> {
    let list: Vec<&Value> = match v.get("proof") {
        None => return Err("the credential has no proof; sign it, or give the JWT".into()),
        Some(Value::Array(a)) if a.is_empty() => return Err("proof is an empty list".into()),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(p) => vec![p],
    };
    if list.len() > MAX_PROOFS {
        return Err(format!("{} proofs; this verifier checks at most {MAX_PROOFS}", list.len()));
    }
    let proofs = list
        .into_iter()
        .map(|p| p.as_object().ok_or_else(|| "proof is not an object".to_owned()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(proofs)
}

/// The proofs a chained proof follows (Data Integrity 1.0 §4.5): its `previousProof`, a
/// string or a list of strings, each the `id` of another proof of the set. Empty for a
/// proof that follows none; an error naming the id when one is no proof of the set.
pub(super) fn previous_proofs(proof: &Map<String, Value>, all: &[Map<String, Value>]) -> Result<Vec<Value>, String> {
    let ids: Vec<&str> = match proof.get("previousProof") {
        None => return Ok(vec![]),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| v.as_str().ok_or_else(|| "previousProof must be a string or a list of strings".to_owned()))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("previousProof must be a string or a non-empty list of strings".into()),
    };
    ids.into_iter()
        .map(|id| {
            all.iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(id) && !std::ptr::eq(*p, proof))
                .map(|p| Value::Object(p.clone()))
                .ok_or_else(|| {
                    format!(
                        "previousProof '{}' is the id of no other proof of this credential: the chain is broken",
                        id.chars().take(80).collect::<String>()
                    )
                })
        })
        .collect()
}

/// The most proofs in one proof set (each costs a signature check and may cost a
/// canonicalisation).
pub const MAX_PROOFS: usize = 4;

/// The proof suites this verifier checks: `DataIntegrityProof` with `eddsa-rdfc-2022` or
/// `eddsa-jcs-2022`, and `Ed25519Signature2020` (the Digital Credentials Consortium's suite).
pub(super) fn supported_suite(proof: &Map<String, Value>) -> bool {
    let field = |k: &str| proof.get(k).and_then(Value::as_str).unwrap_or_default();
    (field("type") == "DataIntegrityProof" && field("cryptosuite") == proof::CRYPTOSUITE)
        || crate::crypto::jcs::is_jcs_proof(proof)
        || (field("type") == proof::ED25519_2020 && !proof.contains_key("cryptosuite"))
}

/// Parses an XML Schema `dateTimeStamp` (RFC 3339 with a time zone), as Data Integrity
/// requires for `created` and `expires`.
pub(super) fn date_time_stamp(s: &str) -> Option<DateTime<Utc>> {
    static PATTERN: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$").ok()
    });
    PATTERN.as_ref()?.is_match(s).then(|| DateTime::parse_from_rfc3339(s).ok()).flatten().map(|t| t.with_timezone(&Utc))
}

/// The proof options of Data Integrity: `created` well-formed and not in the future
/// (beyond [`CLOCK_SKEW`]), `expires` well-formed and not passed, `domain` and
/// `challenge` equal to what the caller expects when it expects them.
pub(super) fn check_proof_options(proof: &Map<String, Value>, ctx: VerifyContext<'_>, r: &mut VerificationReport) {
    let now = ctx.clock.now();
    let path = |k: &str| Some(format!("/proof/{k}"));
    for name in ["created", "expires"] {
        let Some(v) = proof.get(name) else { continue };
        let Some(t) = v.as_str().and_then(date_time_stamp) else {
            r.fail(
                "signature",
                "proof.malformed",
                format!("proof {name} must be an XML Schema dateTimeStamp with a time zone, e.g. 2026-11-29T12:00:00Z; got {}", short(&v.to_string())),
                path(name),
            );
            continue;
        };
        if name == "created" && t > now + CLOCK_SKEW {
            r.fail(
                "signature",
                "proof.created_in_future",
                format!("the proof was created {t}, later than now ({now}) beyond the allowed clock skew of 5 minutes"),
                path(name),
            );
        }
        if name == "expires" && t <= now {
            r.fail("signature", "proof.expired", format!("the proof expired on {t}"), path(name));
        }
    }
    if let Some(expected) = ctx.expect.domain {
        let ok = match proof.get("domain") {
            Some(Value::String(d)) => d == expected,
            Some(Value::Array(a)) => a.iter().any(|d| d == expected),
            _ => false,
        };
        if !ok {
            r.fail(
                "signature",
                "proof.domain_mismatch",
                format!("the proof's domain is not '{}' as the verifier expects", short(expected)),
                path("domain"),
            );
        }
    }
    if let Some(expected) = ctx.expect.challenge
        && proof.get("challenge").and_then(Value::as_str) != Some(expected)
    {
        r.fail(
            "signature",
            "proof.challenge_mismatch",
            format!("the proof's challenge is not '{}' as the verifier expects", short(expected)),
            path("challenge"),
        );
    }
}

pub(super) fn short(s: &str) -> String {
    if s.chars().count() > 80 { format!("{}…", s.chars().take(80).collect::<String>()) } else { s.to_owned() }
}
