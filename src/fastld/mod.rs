//! The fast path for our own credentials: canonical N-Quads written directly from the
//! typed credential instead of through general JSON-LD expansion, then RDFC-1.0, SHA-256
//! and Ed25519 as eddsa-rdfc-2022 prescribes. It is taken only for documents that are
//! exactly our credential shape (they round-trip through the typed structure unchanged);
//! everything else goes through the general processor. The two are compared on every
//! fixture and on random records (`tests/core/fastld.rs`).

pub mod emit;
pub mod nquads;

use serde::Deserialize;
use serde_json::Value;

use crate::jsonld::contexts::{CREDENTIALS_V2_URL, MICROCRED_V1_URL, OB_V3P0_URL};
use crate::ob3::OpenBadgeCredential;

/// The typed credential, if `doc` (without `proof`) is exactly our shape.
pub fn as_ours(doc: &Value) -> Option<OpenBadgeCredential> {
    let Value::Object(map) = doc else { return None };
    let ctx = map.get("@context")?.as_array()?;
    // Our context by its w3id.org URL or by an alias ([`crate::jsonld::contexts::add_alias`]).
    let ours = |v: &Value| v.as_str().is_some_and(|u| crate::jsonld::contexts::canonical(u) == Some(MICROCRED_V1_URL));
    if ctx.len() != 3 || ctx[0] != CREDENTIALS_V2_URL || ctx[1] != OB_V3P0_URL || !ours(&ctx[2]) {
        return None;
    }
    // What the general JSON-LD processor refuses (whole numbers outside 64 bits, nesting
    // deeper than its limit, …) the fast path does not take either, so both paths give one
    // answer (a fuzz finding: the fast path canonicalised such documents).
    if crate::jsonld::unsupported_value(doc).is_some() || crate::jsonld::too_deep(doc) {
        return None;
    }
    // `proof` is not a member of the typed credential: deserialising ignores it.
    let typed = OpenBadgeCredential::deserialize(doc).ok()?;
    // Nothing may be lost or re-shaped by the typed structure.
    let Ok(Value::Object(back)) = serde_json::to_value(&typed) else { return None };
    let expected = map.len() - usize::from(map.contains_key("proof"));
    (back.len() == expected && back.iter().all(|(k, v)| map.get(k) == Some(v))).then_some(typed)
}

/// Canonical N-Quads of our credential, or `None` when the fast path does not apply.
pub fn canonical(c: &OpenBadgeCredential) -> Option<String> {
    let g = emit::credential(c).ok()?;
    nquads::canonicalize_remembering(&g.triples, g.blanks, g.definition)
}

/// The members of an eddsa-rdfc-2022 proof as we write it.
pub const PROOF_MEMBERS: [&str; 6] =
    ["type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"];

/// The single proof of `doc` when it has exactly the members we write, all strings.
pub fn our_proof(doc: &Value) -> Option<&serde_json::Map<String, Value>> {
    let proof = match doc.get("proof")? {
        Value::Object(p) => p,
        Value::Array(a) if a.len() == 1 => a[0].as_object()?,
        _ => return None,
    };
    (proof.len() == PROOF_MEMBERS.len() && PROOF_MEMBERS.iter().all(|k| proof.get(*k).is_some_and(Value::is_string)))
        .then_some(proof)
}

/// Whether the fast path covers all of `doc`: our credential shape, and no proof or a
/// proof of exactly our shape. Every member of such a document is a term defined by
/// our contexts, so it needs no JSON-LD expansion to check that.
pub fn covers(doc: &Value) -> bool {
    // Emitting succeeds only when every member maps to a term of our contexts.
    (doc.get("proof").is_none() || our_proof(doc).is_some()) && as_ours(doc).is_some_and(|c| emit::check(&c).is_ok())
}
