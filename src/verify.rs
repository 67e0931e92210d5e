//! Verification of a credential given as JSON with an embedded Data Integrity proof or
//! as an OB 3.0 VC-JWT: format, contexts, JSON-LD safe mode, issuer key, signature,
//! validity period, the OB 3.0 (and extension) JSON Schema and, where our extension is
//! present, the microcredential rules. Every failure has its own code.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::crypto::did::{ResolveError, ResolvedKey, Resolver};
use crate::crypto::{jwt, proof};
use crate::domain::parse_record_with;
use crate::fastld;
use crate::jsonld::{self, JsonLdProblem};
use crate::ob3::reverse;
use crate::schema;
use crate::status::bitstring::Bitstring;
use crate::status::check::{ListDoc, NoStatusLists, StatusSource};
use crate::status::entry::{self as status_entry, Purpose};
use crate::trust::{Claimed, IssuerTrust, TrustRegistry, TrustStatus};

/// What verification needs from outside: keys, status lists and the time.
#[derive(Clone, Copy)]
pub struct VerifyContext<'a> {
    /// Resolves issuer keys (did:key; did:web of known issuers).
    pub resolver: &'a Resolver,
    /// Status lists.
    pub status: &'a dyn StatusSource,
    /// "Now".
    pub clock: &'a dyn Clock,
    /// What the caller expects of the proof (VC-API `options`).
    pub expect: Expect<'a>,
    /// Who is recognised as which institution, and our keys' lifetimes.
    pub trust: &'a TrustRegistry,
}

/// What a caller expects of a Data Integrity proof: `domain` and `challenge` are
/// compared only when given (VC-API verification `options`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Expect<'a> {
    /// The proof's `domain` must be (or, for a list, include) this.
    pub domain: Option<&'a str>,
    /// The proof's `challenge` must be this.
    pub challenge: Option<&'a str>,
}

/// How far in the future a proof's `created` may be (clocks differ).
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// Longest input accepted.
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// The check passed.
    Passed,
    /// The check failed (see `errors`).
    Failed,
    /// The check could not run (an earlier check failed) or does not apply.
    Skipped,
}

/// One verification failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyError {
    /// The check that failed.
    pub check: &'static str,
    /// Stable code, e.g. `signature.invalid`.
    pub code: String,
    /// For a human.
    pub message: String,
    /// JSON Pointer into the credential, where it helps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The structured result.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationReport {
    /// `true` only if proof, status, validity, schema and rules pass (who signed is
    /// `trusted`).
    pub valid: bool,
    /// `valid`, and signed by an institution the trust registry recognises, which is the
    /// institution the credential names.
    pub trusted: bool,
    /// Who signed, as the trust registry says.
    pub issuer_trust: IssuerTrust,
    /// `ldp`, `jwt` or `unknown`.
    pub format: &'static str,
    /// The issuer id, when readable.
    pub issuer: Option<String>,
    /// Every check and its outcome, in the order they run.
    pub checks: Checks,
    /// Every failure.
    pub errors: Vec<VerifyError>,
    /// Findings that do not make the credential invalid.
    pub warnings: Vec<VerifyError>,
    /// The credential (JWT: the decoded payload without the registered claims).
    #[serde(skip)]
    pub credential: Option<Value>,
    /// Signed by a retired or compromised key of ours, and judged without the issuer's
    /// records: (the institution's DID, the credential id) to look up, then verify again
    /// with [`TrustRegistry::with_held`].
    #[serde(skip)]
    pub needs_record: Option<(String, String)>,
}

/// Check outcomes in run order (serialised as a JSON object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checks(Vec<(&'static str, CheckStatus)>);

impl Checks {
    /// The outcome of a check.
    pub fn get(&self, name: &str) -> Option<&CheckStatus> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, s)| s)
    }

    /// The names of the checks that passed, in run order.
    pub fn iter_passed(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().filter(|(_, s)| *s == CheckStatus::Passed).map(|(n, _)| *n)
    }

    fn insert(&mut self, name: &'static str, status: CheckStatus) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = status,
            None => self.0.push((name, status)),
        }
    }
}

impl Serialize for Checks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The check names, in the order they run.
pub const CHECKS: [&str; 10] = [
    "format",
    "contexts",
    "json_ld",
    "issuer_key",
    "signature",
    "issuer.recognised",
    "validity_period",
    "status",
    "schema",
    "microcredential_rules",
];

impl VerificationReport {
    fn new() -> Self {
        Self {
            valid: false,
            trusted: false,
            issuer_trust: IssuerTrust::unrecognised(),
            format: "unknown",
            issuer: None,
            checks: Checks(CHECKS.iter().map(|c| (*c, CheckStatus::Skipped)).collect()),
            errors: Vec::new(),
            warnings: Vec::new(),
            credential: None,
            needs_record: None,
        }
    }

    fn pass(&mut self, check: &'static str) {
        self.checks.insert(check, CheckStatus::Passed);
    }

    fn fail(&mut self, check: &'static str, code: &str, message: impl Into<String>, path: Option<String>) {
        self.checks.insert(check, CheckStatus::Failed);
        self.errors.push(VerifyError { check, code: code.to_owned(), message: message.into(), path });
    }

    fn finish(mut self) -> Self {
        self.valid = self.errors.is_empty() && self.checks.get("signature") == Some(&CheckStatus::Passed);
        self.trusted = self.valid && self.issuer_trust.status == TrustStatus::Recognised;
        self
    }

    fn warn(&mut self, check: &'static str, code: &str, message: impl Into<String>, path: Option<String>) {
        self.checks.insert(check, CheckStatus::Failed);
        self.warnings.push(VerifyError { check, code: code.to_owned(), message: message.into(), path });
    }

    /// Whether a check failed with this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }
}

fn jsonld_failure(r: &mut VerificationReport, p: &JsonLdProblem) {
    let (check, code) = match p {
        JsonLdProblem::UnknownContext(_) => ("contexts", "context.unknown"),
        JsonLdProblem::BadContext(_) => ("contexts", "context.invalid"),
        JsonLdProblem::UndefinedTerm(_) => ("json_ld", "jsonld.undefined_term"),
        JsonLdProblem::NonCanonical { path, .. } => {
            r.fail("json_ld", "jsonld.non_canonical_form", p.to_string(), Some(path.clone()));
            return;
        }
        _ => ("json_ld", "jsonld.invalid"),
    };
    r.fail(check, code, p.to_string(), None);
}

fn key_failure(r: &mut VerificationReport, e: &ResolveError) {
    let code = match e {
        ResolveError::NotAssertionMethod(_) => "key.not_authorized",
        ResolveError::BadKey { .. } => "key.invalid",
        _ => "key.unresolvable",
    };
    r.fail("issuer_key", code, e.to_string(), None);
}

/// Verifies a credential given as text: JSON (Data Integrity) or a compact JWT. Without
/// status lists: a credential with a status entry gets "status unknown".
pub async fn verify_text(text: &str, resolver: &Resolver, clock: &dyn Clock) -> VerificationReport {
    verify_text_with(text, VerifyContext::offline(resolver, clock)).await
}

impl<'a> VerifyContext<'a> {
    /// Keys from `resolver`, no status lists, nobody recognised, nothing expected of the
    /// proof: the library's plain verification.
    pub fn offline(resolver: &'a Resolver, clock: &'a dyn Clock) -> Self {
        Self { resolver, status: &NoStatusLists, clock, expect: Expect::default(), trust: TrustRegistry::empty() }
    }
}

/// The most Hash N-Degree Quads permutations (RDFC-1.0) one verification may try. Our
/// own credentials need none or a handful; a hostile document with a few mutually related
/// look-alike blank nodes needs factorially many (8 such nodes: minutes of CPU). At this
/// limit a refused verification costs well under 100 ms of CPU (BENCHMARKS.md).
pub const CANONICALISATION_BUDGET: u64 = 2_000;

/// Replaces a report by `verification.too_complex` when the canonicalisation budget ran out.
fn within_budget(r: VerificationReport, budget: &ssi::rdf::urdna2015::WorkBudget) -> VerificationReport {
    if !budget.exceeded() {
        return r;
    }
    let mut out = VerificationReport::new();
    out.format = r.format;
    out.issuer = r.issuer;
    out.fail(
        "format",
        "verification.too_complex",
        format!(
            "canonicalising this credential needs more than {CANONICALISATION_BUDGET} RDFC-1.0 N-degree steps (many blank nodes that look alike and refer to each other); no issuer produces such credentials, and this verifier does not spend more on one"
        ),
        None,
    );
    out.finish()
}

/// [`verify_text`] with status lists.
pub async fn verify_text_with(text: &str, ctx: VerifyContext<'_>) -> VerificationReport {
    let budget = ssi::rdf::urdna2015::WorkBudget::begin(CANONICALISATION_BUDGET);
    let r = verify_text_inner(text, ctx).await;
    within_budget(r, &budget)
}

async fn verify_text_inner(text: &str, ctx: VerifyContext<'_>) -> VerificationReport {
    let mut r = VerificationReport::new();
    let trimmed = text.trim();
    if trimmed.len() > MAX_INPUT_BYTES {
        r.fail("format", "format.too_large", format!("input is larger than {MAX_INPUT_BYTES} bytes"), None);
        return r.finish();
    }
    if trimmed.starts_with('{') {
        r.format = "ldp";
        // eddsa-jcs-2022 signs the JSON text's members: one given twice would be signed as
        // one reading and judged as another (RFC 8785 requires unique names).
        if trimmed.contains(crate::crypto::jcs::CRYPTOSUITE)
            && let Some(why) = crate::crypto::jcs::duplicate_member(trimmed)
        {
            r.fail("format", "format.duplicate_member", why, None);
            return r.finish();
        }
        match serde_json::from_str::<Value>(trimmed) {
            Ok(v) => verify_ldp(v, ctx, r).await,
            Err(e) => {
                r.fail("format", "format.malformed_json", format!("not valid JSON: {e}"), None);
                r.finish()
            }
        }
    } else if jwt::looks_like_jwt(trimmed) {
        r.format = "jwt";
        verify_jwt(trimmed, ctx, r).await
    } else {
        r.fail(
            "format",
            "format.unrecognized",
            "expected a JSON credential with an embedded proof, or a compact JWT (header.payload.signature)",
            None,
        );
        r.finish()
    }
}

/// Verifies a parsed credential with an embedded proof.
pub async fn verify_json(v: Value, resolver: &Resolver, clock: &dyn Clock) -> VerificationReport {
    verify_json_with(v, VerifyContext::offline(resolver, clock)).await
}

/// [`verify_json`] with status lists.
pub async fn verify_json_with(v: Value, ctx: VerifyContext<'_>) -> VerificationReport {
    let budget = ssi::rdf::urdna2015::WorkBudget::begin(CANONICALISATION_BUDGET);
    let mut r = VerificationReport::new();
    r.format = "ldp";
    let r = verify_ldp(v, ctx, r).await;
    within_budget(r, &budget)
}

fn issuer_of(c: &Value) -> Option<String> {
    match c.get("issuer")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id")?.as_str().map(str::to_owned),
        _ => None,
    }
}

fn single_proof(v: &Value) -> Result<&Map<String, Value>, String> {
    match v.get("proof") {
        None => Err("the credential has no proof; sign it, or give the JWT".into()),
        Some(Value::Object(p)) => Ok(p),
        Some(Value::Array(a)) if a.len() == 1 => a[0].as_object().ok_or_else(|| "proof is not an object".into()),
        Some(Value::Array(a)) => Err(format!("expected exactly one proof, found {}", a.len())),
        Some(_) => Err("proof is not an object".into()),
    }
}

/// Refuses a credential nested deeper than JSON-LD processing accepts, before any of it.
fn too_deep(v: &Value, r: &mut VerificationReport) -> bool {
    too_complex(v, jsonld::MAX_VALUES, "credential", r)
}

/// Why a document is too complex to process: nested deeper than JSON-LD processing takes,
/// or with more than `max_values` JSON values. Checked before any costly work.
fn complexity_problem(v: &Value, max_values: usize, what: &str) -> Option<String> {
    if jsonld::too_deep(v) {
        Some(format!(
            "the {what} nests objects and arrays deeper than {} levels; no issuer produces such credentials, and this verifier does not process them",
            jsonld::MAX_DEPTH
        ))
    } else if jsonld::too_many_values(v, max_values) {
        Some(format!(
            "the {what} has more than {max_values} JSON values (objects, arrays, strings, numbers); verifying it would cost too much, and credentials are far smaller (ours have under 300)"
        ))
    } else {
        None
    }
}

/// Refuses (`verification.too_complex`) what [`complexity_problem`] finds.
fn too_complex(v: &Value, max_values: usize, what: &str, r: &mut VerificationReport) -> bool {
    let Some(why) = complexity_problem(v, max_values, what) else { return false };
    r.fail("format", "verification.too_complex", why, None);
    true
}

/// The proofs of a credential: one object, or a proof set (a list, every one of which
/// must verify), whose members may form chains (`previousProof`, checked by
/// [`previous_proofs`]).
fn proof_set(v: &Value) -> Result<Vec<&Map<String, Value>>, String> {
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
fn previous_proofs(proof: &Map<String, Value>, all: &[Map<String, Value>]) -> Result<Vec<Value>, String> {
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
fn supported_suite(proof: &Map<String, Value>) -> bool {
    let field = |k: &str| proof.get(k).and_then(Value::as_str).unwrap_or_default();
    (field("type") == "DataIntegrityProof" && field("cryptosuite") == proof::CRYPTOSUITE)
        || crate::crypto::jcs::is_jcs_proof(proof)
        || (field("type") == proof::ED25519_2020 && !proof.contains_key("cryptosuite"))
}

async fn verify_ldp(v: Value, ctx: VerifyContext<'_>, mut r: VerificationReport) -> VerificationReport {
    if !v.is_object() {
        r.fail("format", "format.not_object", "a credential must be a JSON object", None);
        return r.finish();
    }
    if too_deep(&v, &mut r) {
        return r.finish();
    }
    let proofs: Vec<Map<String, Value>> = match proof_set(&v) {
        Ok(p) => p.into_iter().cloned().collect(),
        Err(m) => {
            r.fail("format", "proof.missing", m, Some("/proof".into()));
            return r.finish();
        }
    };
    r.pass("format");
    r.issuer = issuer_of(&v);
    // Our own credential shape: canonical N-Quads once, for the term check and the proof.
    let canonical = fastld::our_proof(&v).and_then(|_| fastld::as_ours(&v)).and_then(|c| fastld::canonical(&c));
    let ld_ok = check_json_ld(&v, &mut r, canonical.is_some()).await;
    let set = proofs.len() > 1;
    let mut issuer_signed = None;
    let mut trust_key = None;
    let mut all_verified = true;
    for (i, proof) in proofs.iter().enumerate() {
        let at = if v.get("proof").is_some_and(Value::is_array) { format!("/proof/{i}") } else { "/proof".into() };
        let field = |k: &str| proof.get(k).and_then(Value::as_str).unwrap_or_default();
        if !supported_suite(proof) {
            r.fail(
                "signature",
                "proof.unsupported",
                format!("proof type '{}' with cryptosuite '{}' is not supported; expected DataIntegrityProof with eddsa-rdfc-2022 or eddsa-jcs-2022, or Ed25519Signature2020", field("type"), field("cryptosuite")),
                Some(at.clone()),
            );
        } else if field("proofPurpose") != "assertionMethod" {
            r.fail(
                "signature",
                "proof.wrong_purpose",
                format!("proofPurpose is '{}'; a credential proof must be for assertionMethod", field("proofPurpose")),
                Some(at.clone()),
            );
        }
        check_proof_options(proof, ctx, &mut r);
        let previous = match previous_proofs(proof, &proofs) {
            Ok(p) => p,
            Err(m) => {
                r.fail("signature", "proof.chain_broken", m, Some(at.clone()));
                all_verified = false;
                continue;
            }
        };
        // In a proof set, co-signers may sign too; one proof must be the issuer's.
        let key = if set {
            match ctx.resolver.resolve_assertion_key(field("verificationMethod")) {
                Ok(k) => Some(k),
                Err(e) => {
                    key_failure(&mut r, &e);
                    None
                }
            }
        } else {
            resolve_issuer_key(field("verificationMethod"), ctx.resolver, &mut r)
        };
        let signed_at = proof.get("created").and_then(Value::as_str).and_then(date_time_stamp);
        if let Some(key) = &key {
            let signed = Signed {
                at: signed_at,
                signing_time: signed_at,
                credential_id: v.get("id").and_then(Value::as_str),
                signature: proof.get("proofValue").and_then(Value::as_str),
            };
            check_key_life(key, signed, ctx, &mut r);
            if !set {
                trust_key = Some((key.clone(), signed_at));
            }
        }
        let mut verified = false;
        if let (Some(key), true, true) = (&key, ld_ok, r.checks.get("signature") != Some(&CheckStatus::Failed)) {
            // Each proof of a set signs the document without any proof.
            let mut one = v.clone();
            one["proof"] = Value::Object(proof.clone());
            let canonical = if set { None } else { canonical.as_deref() };
            let outcome = if previous.is_empty() {
                proof::verify_canonical(&one, &key.id, &key.controller, &key.jwk, canonical).await
            } else {
                proof::verify_chained(&v, proof, previous, &key.jwk).await
            };
            match outcome {
                Ok(()) => {
                    verified = true;
                    if r.issuer.as_deref() == Some(key.controller.as_str()) && issuer_signed.is_none() {
                        issuer_signed = Some((key.clone(), signed_at));
                    }
                }
                Err(proof::ProofFailure::BadSignature) => r.fail(
                    "signature",
                    "signature.invalid",
                    proof::ProofFailure::BadSignature.to_string(),
                    Some(at.clone()),
                ),
                Err(proof::ProofFailure::JsonLd(p)) => jsonld_failure(&mut r, &p),
                Err(e) => r.fail("signature", "proof.malformed", e.to_string(), Some(at.clone())),
            }
        }
        all_verified &= verified;
    }
    if set && !r.errors.iter().any(|e| e.check == "issuer_key") {
        if issuer_signed.is_some() {
            r.pass("issuer_key");
        } else {
            r.fail(
                "issuer_key",
                "key.not_issuer",
                format!(
                    "no proof of the set is by the credential's issuer {}",
                    r.issuer.clone().unwrap_or_else(|| "(missing)".into())
                ),
                Some("/issuer".into()),
            );
        }
    }
    if all_verified && r.checks.get("signature") == Some(&CheckStatus::Skipped) {
        r.pass("signature");
    }
    if let Some((key, signed_at)) = trust_key.as_ref().or(issuer_signed.as_ref()) {
        check_trust(&v, key, *signed_at, ctx, &mut r);
    }
    check_content(v, ctx, r).await
}

async fn verify_jwt(token: &str, ctx: VerifyContext<'_>, mut r: VerificationReport) -> VerificationReport {
    let (header, payload) = match jwt::parse(token) {
        Ok(x) => x,
        Err(e) => {
            let code = match e {
                jwt::JwtFailure::AlgorithmNotAllowed(_) => "jwt.alg_not_allowed",
                jwt::JwtFailure::HeaderNotAllowed(_) => "jwt.header_not_allowed",
                _ => "format.malformed_jwt",
            };
            r.fail("format", code, e.to_string(), None);
            return r.finish();
        }
    };
    // A VC 1.1 JWT carries the credential in its `vc` claim; a VC 2.0 one is the credential.
    let (credential, vc11) = match jwt::vc11_credential(&payload) {
        Some(Ok(c)) => (Value::Object(c), true),
        Some(Err(e)) => {
            r.fail("signature", "jwt.claims_mismatch", e.to_string(), None);
            return r.finish();
        }
        None => (Value::Object(reverse::without_jwt_claims(&payload)), false),
    };
    if too_deep(&credential, &mut r) {
        return r.finish();
    }
    r.pass("format");
    r.issuer = issuer_of(&credential);
    let covered = fastld::covers(&credential);
    let ld_ok = check_json_ld(&credential, &mut r, covered).await;
    let signed_at = ["iat", "nbf"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(Value::as_i64))
        .and_then(|t| DateTime::from_timestamp(t, 0));
    let key = match &header.key {
        jwt::HeaderKey::Kid(kid) => resolve_issuer_key(kid, ctx.resolver, &mut r),
        jwt::HeaderKey::Jwk(jwk) => issuer_key_from_jwk(jwk, ctx.resolver, &mut r),
    };
    if let Some(key) = &key {
        let signed = Signed {
            at: signed_at,
            signing_time: payload.get("iat").and_then(Value::as_i64).and_then(|t| DateTime::from_timestamp(t, 0)),
            credential_id: payload
                .get("jti")
                .and_then(Value::as_str)
                .or_else(|| credential.get("id").and_then(Value::as_str)),
            signature: token.rsplit('.').next(),
        };
        check_key_life(key, signed, ctx, &mut r);
    }
    if let Some(key) = &key {
        let claims = |()| if vc11 { Ok(()) } else { jwt::check_claims(&payload) };
        match jwt::verify_signature(token, &header, &key.jwk).and_then(claims) {
            Ok(()) if ld_ok => r.pass("signature"),
            Ok(()) => {}
            Err(e @ jwt::JwtFailure::ClaimMismatch(_)) => {
                r.fail("signature", "jwt.claims_mismatch", e.to_string(), None)
            }
            Err(e @ jwt::JwtFailure::KeyMismatch(_)) => r.fail("issuer_key", "key.wrong_type", e.to_string(), None),
            Err(e) => r.fail("signature", "signature.invalid", e.to_string(), None),
        }
    }
    if let Some(key) = &key {
        check_trust(&credential, key, signed_at, ctx, &mut r);
    }
    check_content(credential, ctx, r).await
}

/// The most JSON values of a presentation, its credentials included (two credentials at
/// the limit of one, or several of usual size: ours have under 300).
pub const MAX_PRESENTATION_VALUES: usize = 2 * jsonld::MAX_VALUES;

/// Verifies a verifiable presentation's own proof (VC Data Model 2.0 §4.13, VC-API
/// `/presentations/verify`): a JSON object of type `VerifiablePresentation` with shipped
/// contexts, in the compact form of its data; its proof (eddsa-rdfc-2022 or
/// Ed25519Signature2020) for `authentication`, by the `holder` when it names one, with
/// the `challenge` and `domain` the caller expects. Without a proof it passes only when
/// the caller expects neither. The embedded credentials are verified by the caller, each
/// as a credential. The report's `issuer` is the holder.
pub async fn verify_presentation_proof(vp: &Value, ctx: VerifyContext<'_>) -> VerificationReport {
    let mut r = VerificationReport::new();
    r.format = "ldp";
    let is_vp = match vp.get("type") {
        Some(Value::String(t)) => t == "VerifiablePresentation",
        Some(Value::Array(a)) => a.iter().any(|t| t == "VerifiablePresentation"),
        _ => false,
    };
    if !vp.is_object() || !is_vp {
        r.fail(
            "format",
            "presentation.malformed",
            "a presentation is a JSON object of type VerifiablePresentation",
            None,
        );
        return r.finish();
    }
    // The presentation's own proof covers its embedded credentials too.
    if too_complex(vp, MAX_PRESENTATION_VALUES, "presentation", &mut r) {
        return r.finish();
    }
    r.issuer = vp.get("holder").and_then(|h| h.as_str().or_else(|| h.get("id")?.as_str())).map(str::to_owned);
    if vp.get("proof").is_none() {
        r.pass("format");
        if ctx.expect.challenge.is_some() || ctx.expect.domain.is_some() {
            r.fail(
                "signature",
                "presentation.unsigned",
                "the presentation has no proof, so it cannot carry the expected challenge or domain",
                Some("/proof".into()),
            );
        } else if presentation_json_ld(vp, &mut r).await {
            // Nothing to verify of its own; valid when its credentials are.
            r.pass("signature");
        }
        return r.finish();
    }
    let proof = match single_proof(vp) {
        Ok(p) => p.clone(),
        Err(m) => {
            r.fail("format", "proof.missing", m, Some("/proof".into()));
            return r.finish();
        }
    };
    r.pass("format");
    let ld_ok = presentation_json_ld(vp, &mut r).await;
    let field = |k: &str| proof.get(k).and_then(Value::as_str).unwrap_or_default();
    if !supported_suite(&proof) {
        r.fail(
            "signature",
            "proof.unsupported",
            format!("proof type '{}' with cryptosuite '{}' is not supported", field("type"), field("cryptosuite")),
            Some("/proof".into()),
        );
    } else if field("proofPurpose") != "authentication" {
        r.fail(
            "signature",
            "proof.wrong_purpose",
            format!("proofPurpose is '{}'; a presentation proof must be for authentication", field("proofPurpose")),
            Some("/proof".into()),
        );
    }
    check_proof_options(&proof, ctx, &mut r);
    let key = match ctx.resolver.resolve_assertion_key(field("verificationMethod")) {
        Ok(k) => Some(k),
        Err(e) => {
            key_failure(&mut r, &e);
            None
        }
    };
    if let Some(key) = &key {
        match r.issuer.as_deref() {
            Some(holder) if holder != key.controller => r.fail(
                "issuer_key",
                "key.not_holder",
                format!("the presentation is signed by {}, but its holder is {holder}", key.controller),
                Some("/holder".into()),
            ),
            _ => r.pass("issuer_key"),
        }
        if ld_ok && r.checks.get("signature") != Some(&CheckStatus::Failed) {
            match proof::verify(vp, &key.id, &key.controller, &key.jwk).await {
                Ok(()) => r.pass("signature"),
                Err(proof::ProofFailure::BadSignature) => r.fail(
                    "signature",
                    "signature.invalid",
                    proof::ProofFailure::BadSignature.to_string(),
                    Some("/proof".into()),
                ),
                Err(proof::ProofFailure::JsonLd(p)) => jsonld_failure(&mut r, &p),
                Err(e) => r.fail("signature", "proof.malformed", e.to_string(), Some("/proof".into())),
            }
        }
    }
    r.finish()
}

/// Contexts and safe mode for a presentation. The embedded credentials are each checked
/// in full as credentials; of the presentation itself only `holder` and `proof` are read
/// by name, so its own members must be terms (no full IRIs or keywords that would hide
/// a `holder`).
async fn presentation_json_ld(vp: &Value, r: &mut VerificationReport) -> bool {
    if let Err(p) = jsonld::check_contexts(vp) {
        jsonld_failure(r, &p);
        return false;
    }
    r.pass("contexts");
    if let Some((path, k)) = presentation_non_term(vp, "") {
        r.fail(
            "json_ld",
            "jsonld.non_canonical_form",
            format!("'{k}' is not a term of the presentation's contexts; write the term they define"),
            Some(path),
        );
        return false;
    }
    match jsonld::check_terms(vp).await {
        Ok(()) => {
            r.pass("json_ld");
            true
        }
        Err(p) => {
            jsonld_failure(r, &p);
            false
        }
    }
}

/// The first member of a presentation, at any depth outside its embedded credentials
/// (each judged as a credential) and its top `@context`, that is not a term: a full or
/// compact IRI, or a keyword other than those of a value object (`holder: {"@id": …}`
/// would hide the holder from the holder check).
fn presentation_non_term(v: &Value, path: &str) -> Option<(String, String)> {
    match v {
        Value::Object(o) => o.iter().find_map(|(k, child)| {
            let here = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
            if path.is_empty() && (k == "@context" || k == "verifiableCredential") {
                return None;
            }
            let value_keyword = matches!(k.as_str(), "@value" | "@language" | "@direction");
            if k.contains(':') || (k.starts_with('@') && !value_keyword) {
                return Some((here, k.clone()));
            }
            presentation_non_term(child, &here)
        }),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| presentation_non_term(x, &format!("{path}/{i}"))),
        _ => None,
    }
}

/// The lifetime of a key of ours, which the signer cannot choose:
/// - a proof dated (DI `created`, JWT `iat`/`nbf`) before the key was made is refused
///   (`key.before_creation`): no credential was signed with a key that did not exist;
/// - a credential signed by a key we rotated out or marked compromised is valid only if
///   the institution's records hold it, same id and same signature
///   (`key.not_issued` otherwise): the date in a proof is the signer's word, and whoever
///   holds a leaked key can write any date. Where the records cannot be consulted (the
///   CLI, or before the caller looked them up: [`VerificationReport::needs_record`]), the
///   dates decide as before: a proof made after the retirement, or from the compromise
///   on, or without a date, fails.
fn check_key_life(key: &ResolvedKey, signed: Signed<'_>, ctx: VerifyContext<'_>, r: &mut VerificationReport) {
    let Some(life) = ctx.trust.key_life(&key.id) else { return };
    let signed_at = signed.at;
    let when = signed_at.map_or_else(|| "at an unknown time".to_owned(), |t| format!("on {t}"));
    if let (Some(created), Some(t)) = (life.created_at, signed.signing_time)
        && t < created
    {
        r.fail(
            "issuer_key",
            "key.before_creation",
            format!(
                "the proof says it was made {when} with key {}, which was only created on {created}: the date is false",
                key.id
            ),
            Some("/proof".into()),
        );
        return;
    }
    if life.retired_at.is_none() && life.compromised_since.is_none() {
        return;
    }
    let state = match (life.compromised_since, life.retired_at) {
        (Some(since), _) => format!("reported compromised since {since}"),
        (None, Some(retired)) => format!("retired on {retired}"),
        (None, None) => String::new(),
    };
    if let Some(held) = ctx.trust.held() {
        let holds = signed.credential_id.zip(signed.signature).is_some_and(|(id, sig)| held.holds(id, sig));
        if !holds {
            r.fail(
                "issuer_key",
                "key.not_issued",
                format!(
                    "not issued by this institution: signed with key {}, {state}, and the institution's records hold no such credential (whoever has a leaked key can sign any date)",
                    key.id
                ),
                Some("/proof".into()),
            );
        }
        return;
    }
    if let Some(id) = signed.credential_id {
        r.needs_record = Some((key.controller.clone(), id.to_owned()));
    }
    if let Some(since) = life.compromised_since
        && signed_at.is_none_or(|t| t >= since)
    {
        r.fail(
            "issuer_key",
            "key.compromised",
            format!(
                "the proof was made {when} with key {}, which its institution reported compromised since {since}",
                key.id
            ),
            Some("/proof".into()),
        );
    } else if let Some(retired) = life.retired_at
        && signed_at.is_none_or(|t| t > retired)
    {
        r.fail(
            "issuer_key",
            "key.retired",
            format!("the proof was made {when} with key {}, which was retired on {retired}", key.id),
            Some("/proof".into()),
        );
    }
}

/// What a proof says of itself, for the key-life check: its date (the signer's word),
/// the credential's id and the signature.
#[derive(Debug, Clone, Copy, Default)]
struct Signed<'a> {
    /// When the proof says it was made or the credential became valid (JWT `nbf`).
    at: Option<DateTime<Utc>>,
    /// When the proof says it was made: DI `created`, JWT `iat` (not `nbf`, which OB 3.0
    /// sets to the credential's `validFrom`, often before the key existed).
    signing_time: Option<DateTime<Utc>>,
    credential_id: Option<&'a str>,
    signature: Option<&'a str>,
}

/// Who signed, from the trust registry (never from the credential's own words), once the
/// signature verified: recognised, unrecognised or demo (warnings: `valid` is unaffected,
/// `trusted` is false), or mismatch (an error: the credential names another institution
/// than the one that signed it).
fn check_trust(
    v: &Value,
    key: &ResolvedKey,
    signed_at: Option<DateTime<Utc>>,
    ctx: VerifyContext<'_>,
    r: &mut VerificationReport,
) {
    if r.checks.get("signature") != Some(&CheckStatus::Passed) {
        return;
    }
    let claimed = Claimed::of(v);
    let at = signed_at.unwrap_or_else(|| ctx.clock.now());
    let (trust, why) = crate::trust::decide(ctx.trust, &key.controller, &key.jwk, at, &claimed);
    let check = "issuer.recognised";
    let claimed_name = claimed.first_name().unwrap_or("the institution it names").to_owned();
    match trust.status {
        TrustStatus::Recognised => r.pass(check),
        TrustStatus::Demo => r.warn(
            check,
            "issuer.demo",
            "demonstration credential: signed with a public test key (keys-example/); it proves nothing",
            Some("/proof".into()),
        ),
        TrustStatus::Unrecognised => r.warn(
            check,
            "issuer.unrecognised",
            format!(
                "the signature is correct, but the signer {} is not a recognised institution: this does not prove that {claimed_name} awarded it",
                key.controller
            ),
            Some("/issuer".into()),
        ),
        TrustStatus::Mismatch => r.fail(
            check,
            "issuer.mismatch",
            why.unwrap_or_else(|| "the credential names another institution than the one that signed it".into()),
            Some("/issuer".into()),
        ),
    }
    r.issuer_trust = trust;
}

/// Parses an XML Schema `dateTimeStamp` (RFC 3339 with a time zone), as Data Integrity
/// requires for `created` and `expires`.
fn date_time_stamp(s: &str) -> Option<DateTime<Utc>> {
    static PATTERN: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$").ok()
    });
    PATTERN.as_ref()?.is_match(s).then(|| DateTime::parse_from_rfc3339(s).ok()).flatten().map(|t| t.with_timezone(&Utc))
}

/// The proof options of Data Integrity: `created` well-formed and not in the future
/// (beyond [`CLOCK_SKEW`]), `expires` well-formed and not passed, `domain` and
/// `challenge` equal to what the caller expects when it expects them.
fn check_proof_options(proof: &Map<String, Value>, ctx: VerifyContext<'_>, r: &mut VerificationReport) {
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

fn short(s: &str) -> String {
    if s.chars().count() > 80 { format!("{}…", s.chars().take(80).collect::<String>()) } else { s.to_owned() }
}

/// Contexts, terms, and that the document is written exactly as the compact form of
/// what is signed ([`jsonld::check_signed_form`]): every later check reads members by
/// name, so it must read the signed data. `covered` when the fast path already took the
/// document as exactly our typed shape and made canonical N-Quads of all of it (type
/// included), which is that form by construction.
async fn check_json_ld(v: &Value, r: &mut VerificationReport, covered: bool) -> bool {
    if let Err(p) = jsonld::check_contexts(v) {
        jsonld_failure(r, &p);
        return false;
    }
    r.pass("contexts");
    if covered {
        r.pass("json_ld");
        return true;
    }
    match jsonld::check_signed_form(v).await {
        Ok(()) => {
            r.pass("json_ld");
            true
        }
        Err(p) => {
            jsonld_failure(r, &p);
            false
        }
    }
}

fn resolve_issuer_key(vm: &str, resolver: &Resolver, r: &mut VerificationReport) -> Option<ResolvedKey> {
    let issuer = r.issuer.clone();
    let issuer = issuer.as_deref();
    let key = match resolver.resolve_assertion_key(vm) {
        Ok(k) => k,
        Err(e) => {
            key_failure(r, &e);
            return None;
        }
    };
    if issuer != Some(key.controller.as_str()) {
        r.fail(
            "issuer_key",
            "key.not_issuer",
            format!(
                "the credential is signed with key {} of {}, but its issuer is {}",
                key.id,
                key.controller,
                issuer.unwrap_or("(missing)")
            ),
            Some("/issuer".into()),
        );
        return Some(key);
    }
    r.pass("issuer_key");
    Some(key)
}

/// The key of a VC-JWT that carries it in its `jwk` header: it counts only as a key of
/// the credential's issuer (the did:key or did:jwk of that very key, or a key the
/// issuer's DID document lists under assertionMethod); anyone can put a key in a header.
fn issuer_key_from_jwk(jwk: &ssi::JWK, resolver: &Resolver, r: &mut VerificationReport) -> Option<ResolvedKey> {
    let Some(issuer) = r.issuer.clone() else {
        r.fail("issuer_key", "key.not_issuer", "the credential names no issuer to own the jwk header key", None);
        return None;
    };
    match resolver.issuer_key_matching(&issuer, jwk) {
        Ok(Some(key)) => {
            r.pass("issuer_key");
            Some(key)
        }
        Ok(None) => {
            r.fail(
                "issuer_key",
                "key.not_issuer",
                format!("the JWT header's jwk is not a key of the issuer {issuer} (not in its DID document)"),
                Some("/issuer".into()),
            );
            None
        }
        Err(e) => {
            key_failure(r, &e);
            None
        }
    }
}

/// Every date-time of a validity bound (a one-element array is its element; a bound given
/// twice is judged twice). A value that is not an RFC 3339 date-time fails.
fn times(v: &Value, name: &str, r: &mut VerificationReport) -> Vec<DateTime<Utc>> {
    let values: Vec<&Value> = match v.get(name) {
        None => return Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(x) => vec![x],
    };
    let mut out = Vec::with_capacity(values.len());
    for x in values {
        match x.as_str().map(DateTime::parse_from_rfc3339) {
            Some(Ok(t)) => out.push(t.with_timezone(&Utc)),
            _ => r.fail(
                "validity_period",
                "validity.invalid_date",
                format!("{name} is not an RFC 3339 date-time"),
                Some(format!("/{name}")),
            ),
        }
    }
    out
}

async fn check_content(v: Value, ctx: VerifyContext<'_>, mut r: VerificationReport) -> VerificationReport {
    // Not written as what is signed: reading it by member names would judge something else.
    if r.has_code("jsonld.non_canonical_form") {
        r.credential = Some(v);
        return r.finish();
    }
    let clock = ctx.clock;
    let now = clock.now();
    warn_undefined_terms(&v, &mut r);
    let before = r.errors.len();
    // VC 1.1 names the period `issuanceDate` (required) .. `expirationDate`; VC 2.0
    // `validFrom` .. `validUntil`. Each name stands for one IRI of the credentials
    // vocabulary (the JSON-LD checks saw to that), and a bound is a bound whichever data
    // model's context defines it: the VC 1.1 context defines `validUntil` too, and an
    // inline context may define `expirationDate` in a VC 2.0 credential. So every bound
    // present is judged; none is ignored.
    let vc11 = is_vc11(&v);
    if vc11 && v.get("issuanceDate").is_none() {
        r.fail(
            "validity_period",
            "validity.invalid_date",
            "issuanceDate is missing (VC 1.1 requires it)",
            Some("/issuanceDate".into()),
        );
    }
    for from_name in ["validFrom", "issuanceDate"] {
        for from in times(&v, from_name, &mut r) {
            if from > now {
                r.fail(
                    "validity_period",
                    "validity.not_yet_valid",
                    format!("the credential is valid only from {from}"),
                    Some(format!("/{from_name}")),
                );
            }
        }
    }
    for until_name in ["validUntil", "expirationDate"] {
        for until in times(&v, until_name, &mut r) {
            if until < now {
                r.fail(
                    "validity_period",
                    "validity.expired",
                    format!("the credential expired on {until}"),
                    Some(format!("/{until_name}")),
                );
            }
        }
    }
    if r.errors.len() == before {
        r.pass("validity_period");
    }
    check_related_resources(&v, &mut r);
    if r.checks.get("signature") == Some(&CheckStatus::Passed) {
        check_status(&v, ctx, &mut r).await;
    }
    if schema::has_status_array(&v) {
        r.warnings.push(VerifyError {
            check: "schema",
            code: "schema.status_array".into(),
            message: "credentialStatus is an array (revocation and suspension): valid VC 2.0, outside the strict OB 3.0 schema (one entry)".into(),
            path: Some("/credentialStatus".into()),
        });
    }
    let ext = reverse::has_extension(&v);
    // The 1EdTech schema applies to Open Badges; other VC 2.0 credentials skip it.
    let violations = if is_open_badge(&v) { schema::check(&schema_view(&v), ext) } else { Vec::new() };
    if is_open_badge(&v) && violations.is_empty() {
        r.pass("schema");
    }
    for s in violations.into_iter().take(20) {
        let which =
            if s.schema == schema::SchemaKind::Ob3 { "OB 3.0 schema" } else { "microcredential extension schema" };
        r.fail("schema", "schema.invalid", format!("{which}: {}", s.message), Some(s.path));
    }
    if ext {
        match reverse::to_record(&v) {
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
    r.credential = Some(v);
    r.finish()
}

/// Whether a credential is of the VC Data Model 1.1 (its first context).
pub fn is_vc11(v: &Value) -> bool {
    let first = match v.get("@context") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    first.and_then(Value::as_str) == Some(crate::jsonld::contexts::CREDENTIALS_V1_URL)
}

/// The credential as the OB 3.0 schema (of the VC 2.0 edition) reads it: a single `proof`
/// object as the one-element list it means (VC 2.0 allows either; the schema wants the
/// list), and an Open Badge of the VC 1.1 edition with the names of the 2.0 edition
/// (`credentials/v1` → `credentials/v2`, `issuanceDate` → `validFrom`, `expirationDate`
/// → `validUntil`: where the two editions of the schema differ).
fn schema_view(v: &Value) -> std::borrow::Cow<'_, Value> {
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

/// "object", "string", … of a JSON value, for messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a credential claims to be an Open Badge (OB 3.0 types).
pub fn is_open_badge(v: &Value) -> bool {
    match v.get("type") {
        Some(Value::Array(a)) => a.iter().any(|t| t == "OpenBadgeCredential" || t == "AchievementCredential"),
        Some(Value::String(t)) => t == "OpenBadgeCredential" || t == "AchievementCredential",
        _ => false,
    }
}

/// VC 2.0 §4.3: a document that uses terms no context defines names the undefined-terms
/// context last, which maps them to `…/undefined-term#`. Valid, and verified; but what
/// such a term means is only what its issuer had in mind, so the report says so.
fn warn_undefined_terms(v: &Value, r: &mut VerificationReport) {
    let named = match v.get("@context") {
        Some(Value::Array(a)) => a.iter().any(|c| c == jsonld::contexts::UNDEFINED_TERMS_V2_URL),
        Some(c) => c == jsonld::contexts::UNDEFINED_TERMS_V2_URL,
        None => false,
    };
    if named {
        r.warnings.push(VerifyError {
            check: "json_ld",
            code: "jsonld.undefined_terms".into(),
            message: format!(
                "the credential names {}: terms that no context defines are read as {}<term>, whose meaning \
                 is only what the issuer had in mind; do not rely on them",
                jsonld::contexts::UNDEFINED_TERMS_V2_URL,
                jsonld::contexts::UNDEFINED_TERM_VOCAB
            ),
            path: Some("/@context".into()),
        });
    }
}

/// VC 2.0 §5.3: "If the digest provided by the issuer does not match the digest computed
/// for the retrieved resource, the conforming verifier implementation MUST produce an
/// error." The resources we hold byte for byte (our contexts, VC 2.0 and its examples
/// context) are judged; nothing is fetched for the others.
fn check_related_resources(v: &Value, r: &mut VerificationReport) {
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

async fn check_status(v: &Value, ctx: VerifyContext<'_>, r: &mut VerificationReport) {
    let entries = match status_entry::entries(v) {
        Ok(e) if e.is_empty() => return,
        Ok(e) => e,
        Err(m) => {
            r.fail("status", "status.unsupported", format!("status unknown: {m}"), Some("/credentialStatus".into()));
            return;
        }
    };
    let before = r.errors.len();
    for (i, e) in entries.iter().enumerate() {
        let path = Some(if v.get("credentialStatus").is_some_and(Value::is_array) {
            format!("/credentialStatus/{i}")
        } else {
            "/credentialStatus".into()
        });
        let what = e.purpose.as_str();
        let list = match ctx.status.list(&e.list_url).await {
            Ok(ListDoc::Trusted { issuer, purpose, bits }) => {
                if Some(issuer.as_str()) != r.issuer.as_deref() || purpose != e.purpose {
                    Err("the status list belongs to another issuer or purpose".to_owned())
                } else {
                    Ok(bits)
                }
            }
            Ok(ListDoc::Signed(doc)) => verify_status_list(&doc, e, r.issuer.as_deref(), ctx).await,
            Err(err) => Err(err.to_string()),
        };
        match list.and_then(|bits| bits.get(e.index).map_err(|x| x.to_string())) {
            Ok(false) => {}
            Ok(true) => {
                let code = if e.purpose == Purpose::Revocation { "status.revoked" } else { "status.suspended" };
                let msg = if e.purpose == Purpose::Revocation {
                    "the issuer has revoked this credential"
                } else {
                    "the issuer has suspended this credential"
                };
                r.fail("status", code, msg, path);
            }
            Err(why) => r.fail("status", "status.unknown", format!("{what} status unknown: {why}"), path),
        }
    }
    if r.errors.len() == before {
        r.pass("status");
    }
}

/// A status list is current only within a window it states: `validFrom` (if any) passed,
/// and `validUntil` not passed or, without `validUntil`, a `ttl` (the list is then as
/// fresh as its fetch, which the status cache bounds by that ttl). Dates that are there
/// must be well-formed; a Bitstring list with neither `validUntil` nor `ttl` never goes
/// stale and is not accepted. A Status List 2021 list (VC 1.1) states its window with
/// `issuanceDate` and `expirationDate`; that method has no `ttl`, and its lists are
/// commonly published without an expiry, so one without is as fresh as its fetch (the
/// status cache keeps it at most `cache_for`, 5 minutes by default).
fn status_list_window(doc: &Value, kind: status_entry::ListKind, now: DateTime<Utc>) -> Result<(), String> {
    let legacy = kind == status_entry::ListKind::StatusList2021;
    let (from, until) = if legacy && doc.get("validFrom").is_none() && doc.get("validUntil").is_none() {
        ("issuanceDate", "expirationDate")
    } else {
        ("validFrom", "validUntil")
    };
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
        match doc.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(date_time_stamp)
                .map(Some)
                .ok_or_else(|| format!("the status list's {name} is not a date-time with a time zone")),
        }
    };
    if time(from)?.is_some_and(|t| t > now + CLOCK_SKEW) {
        return Err("the status list is not valid yet".into());
    }
    match time(until)? {
        Some(t) if t < now => {
            Err(format!("the status list expired on {t}: the issuer has not published a current one"))
        }
        Some(_) => Ok(()),
        None if legacy => Ok(()),
        None => {
            let ttl = doc.pointer("/credentialSubject/ttl").and_then(Value::as_u64).filter(|t| *t > 0);
            ttl.map(|_| ())
                .ok_or_else(|| "the status list has neither validUntil nor ttl, so it could be any old copy".to_owned())
        }
    }
}

/// Checks a fetched `BitstringStatusListCredential`: it is the list the entry names, of
/// the same issuer, validly signed, currently valid, for the right purpose; returns its bits.
async fn verify_status_list(
    doc: &Value,
    e: &status_entry::Entry,
    issuer: Option<&str>,
    ctx: VerifyContext<'_>,
) -> Result<Bitstring, String> {
    if let Some(why) = complexity_problem(doc, jsonld::MAX_VALUES, "status list") {
        return Err(why);
    }
    let types = doc.get("type").and_then(Value::as_array).cloned().unwrap_or_default();
    if !types.iter().any(|t| t == e.kind.list_type()) {
        return Err(format!("the document is not a {} (as its {} requires)", e.kind.list_type(), e.kind.entry_type()));
    }
    if doc.get("id").and_then(Value::as_str) != Some(e.list_url.as_str()) {
        return Err("the status list credential has another id than the entry names".into());
    }
    if issuer_of(doc).as_deref() != issuer {
        return Err("the status list is issued by someone else than the credential".into());
    }
    jsonld::check_contexts(doc).map_err(|p| p.to_string())?;
    // Read by member names below, so it must be written as what its proof signs.
    jsonld::check_signed_form(doc).await.map_err(|p| p.to_string())?;
    let proof = single_proof(doc)?;
    if proof.get("proofPurpose").and_then(Value::as_str) != Some("assertionMethod") {
        return Err("the status list's proof is not for assertionMethod".into());
    }
    let vm = proof.get("verificationMethod").and_then(Value::as_str).unwrap_or_default();
    let key = ctx.resolver.resolve_assertion_key(vm).map_err(|k| k.to_string())?;
    if Some(key.controller.as_str()) != issuer {
        return Err("the status list is signed with a key its issuer does not control".into());
    }
    let mut proof_report = VerificationReport::new();
    // The caller's domain and challenge are for the credential's proof, not the list's.
    check_proof_options(proof, VerifyContext { expect: Expect::default(), ..ctx }, &mut proof_report);
    if let Some(e) = proof_report.errors.first() {
        return Err(format!("its proof: {}", e.message));
    }
    proof::verify(doc, &key.id, &key.controller, &key.jwk)
        .await
        .map_err(|p| format!("its signature does not verify: {p}"))?;
    status_list_window(doc, e.kind, ctx.clock.now())?;
    let subject = doc.get("credentialSubject").ok_or("the status list has no credentialSubject")?;
    if subject.get("statusPurpose").and_then(Value::as_str) != Some(e.purpose.as_str()) {
        return Err(format!("the list is not a {} list", e.purpose.as_str()));
    }
    let encoded = subject.get("encodedList").and_then(Value::as_str).ok_or("the status list has no encodedList")?;
    Bitstring::decode(encoded).map_err(|x| x.to_string())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::clock::FixedClock;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).single().unwrap_or_default()
    }

    fn options(proof: Value, expect: Expect<'_>) -> Vec<String> {
        let (resolver, clock) = (Resolver::new(), FixedClock(now()));
        let ctx = VerifyContext {
            resolver: &resolver,
            status: &NoStatusLists,
            clock: &clock,
            expect,
            trust: TrustRegistry::empty(),
        };
        let mut r = VerificationReport::new();
        let Value::Object(p) = proof else { return vec!["not an object".into()] };
        check_proof_options(&p, ctx, &mut r);
        r.errors.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn created_expires_domain_and_challenge_are_checked() {
        let none = Expect::default();
        assert!(options(json!({"created": "2026-11-29T12:04:00Z"}), none).is_empty(), "within the clock skew");
        assert_eq!(options(json!({"created": "2026-11-29T12:06:00Z"}), none), ["proof.created_in_future"]);
        assert_eq!(options(json!({"created": "2099-01-01T00:00:00Z"}), none), ["proof.created_in_future"]);
        assert_eq!(options(json!({"created": "2026-11-29T12:00:00"}), none), ["proof.malformed"], "no time zone");
        assert_eq!(options(json!({"created": 5}), none), ["proof.malformed"]);
        assert_eq!(options(json!({"expires": "2000-01-01T00:00:00Z"}), none), ["proof.expired"]);
        assert!(options(json!({"expires": "2030-01-01T00:00:00+02:00"}), none).is_empty());
        assert_eq!(options(json!({"expires": "tomorrow"}), none), ["proof.malformed"]);
        let expect = Expect { domain: Some("verifier.example"), challenge: Some("abc") };
        assert_eq!(options(json!({}), expect), ["proof.domain_mismatch", "proof.challenge_mismatch"]);
        assert!(options(json!({"domain": "verifier.example", "challenge": "abc"}), expect).is_empty());
        assert!(options(json!({"domain": ["x", "verifier.example"], "challenge": "abc"}), expect).is_empty());
        assert_eq!(options(json!({"domain": "other", "challenge": "abd"}), expect).len(), 2);
        // Not asked for: not compared.
        assert!(options(json!({"domain": "other", "challenge": "abd"}), none).is_empty());
    }

    #[test]
    fn a_status_list_needs_a_current_validity_window() {
        let list = |extra: Value| {
            let mut doc = json!({"credentialSubject": {"statusPurpose": "revocation"}});
            for (k, v) in extra.as_object().into_iter().flatten() {
                if k == "ttl" {
                    doc["credentialSubject"]["ttl"] = v.clone();
                } else {
                    doc[k] = v.clone();
                }
            }
            status_list_window(&doc, status_entry::ListKind::Bitstring, now())
        };
        assert!(list(json!({"validUntil": "2026-12-01T00:00:00Z"})).is_ok());
        assert!(list(json!({"validFrom": "2026-11-01T00:00:00Z", "ttl": 300000})).is_ok());
        assert!(list(json!({"validUntil": "2026-11-01T00:00:00Z", "ttl": 300000})).is_err(), "stale");
        assert!(list(json!({})).is_err(), "no window at all");
        assert!(list(json!({"ttl": 0})).is_err());
        assert!(list(json!({"validUntil": "soon"})).is_err(), "malformed is not 'never'");
        assert!(list(json!({"validUntil": {"@value": "2026-12-01T00:00:00Z"}})).is_err());
        assert!(list(json!({"validFrom": "2027-01-01T00:00:00Z", "validUntil": "2027-02-01T00:00:00Z"})).is_err());
        // Status List 2021 (VC 1.1): issuanceDate/expirationDate, and no expiry is allowed.
        let legacy = |doc: Value| status_list_window(&doc, status_entry::ListKind::StatusList2021, now());
        assert!(legacy(json!({"issuanceDate": "2026-01-01T00:00:00Z"})).is_ok());
        assert!(
            legacy(json!({"issuanceDate": "2026-01-01T00:00:00Z", "expirationDate": "2026-11-01T00:00:00Z"})).is_err()
        );
        assert!(legacy(json!({"issuanceDate": "2027-01-01T00:00:00Z"})).is_err(), "not yet");
        assert!(legacy(json!({"expirationDate": "soon"})).is_err());
    }
}
