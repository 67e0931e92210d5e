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

mod issuer_trust;
mod key_life;
mod nodes;
mod presentation;
mod proofs;
mod related;
mod rules;
mod status;
mod validity;

pub use crate::schema::is_open_badge;
use issuer_trust::check_trust;
use key_life::{Signed, check_key_life};
pub use presentation::{MAX_PRESENTATION_VALUES, verify_presentation_proof};
pub use proofs::MAX_PROOFS;
use proofs::{check_proof_options, date_time_stamp, previous_proofs, proof_set, single_proof, supported_suite};
use related::check_related_resources;
use status::check_status;

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
    // Our own credential shape: canonical N-Quads once, for the term check and the proof.
    let canonical = fastld::our_proof(&v).and_then(|_| fastld::as_ours(&v)).and_then(|c| fastld::canonical(&c));
    let (ld_ok, view) = check_json_ld(&v, &mut r, canonical.is_some()).await;
    // What the checks read: the view off the fast path, the document on it.
    let read = view.as_ref().unwrap_or(&v);
    r.issuer = issuer_of(read);
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
                credential_id: read.get("id").and_then(Value::as_str),
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
    // Only when the proofs were looked at: a set refused for its JSON-LD has no proof
    // checked, which says nothing about who signed it (the eddsa suite's previousProof
    // test showed a wrong key.not_issuer beside the real reason).
    if set && ld_ok && !r.errors.iter().any(|e| e.check == "issuer_key") {
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
        check_trust(read, key, *signed_at, ctx, &mut r);
    }
    check_content(view.unwrap_or(v), ctx, r).await
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
    let covered = fastld::covers(&credential);
    let (ld_ok, view) = check_json_ld(&credential, &mut r, covered).await;
    let read = view.as_ref().unwrap_or(&credential);
    r.issuer = issuer_of(read);
    let signed_at = ["iat", "nbf"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(Value::as_i64))
        .and_then(|t| DateTime::from_timestamp(t, 0));
    let iat = payload.get("iat").and_then(Value::as_i64).and_then(|t| DateTime::from_timestamp(t, 0));
    let key = match &header.key {
        jwt::HeaderKey::Kid(kid) => resolve_issuer_key(kid, ctx.resolver, &mut r),
        jwt::HeaderKey::Jwk(jwk) => issuer_key_from_jwk(jwk, ctx.resolver, &mut r),
    };
    if let Some(key) = &key {
        let signed = Signed {
            at: signed_at,
            signing_time: iat,
            credential_id: payload
                .get("jti")
                .and_then(Value::as_str)
                .or_else(|| read.get("id").and_then(Value::as_str)),
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
        check_trust(read, key, signed_at, ctx, &mut r);
    }
    check_content(view.unwrap_or(credential), ctx, r).await
}

/// Contexts, terms, and that the document is written exactly as the compact form of
/// what is signed ([`jsonld::signed_view`]): every later check reads members by name, so
/// it must read the signed data. `covered` when the fast path already took the document
/// as exactly our typed shape and made canonical N-Quads of all of it (type included),
/// which is that form by construction. Returns whether it passed and, off the fast path,
/// the view the checks read (one-element arrays read as their value).
async fn check_json_ld(v: &Value, r: &mut VerificationReport, covered: bool) -> (bool, Option<Value>) {
    if let Err(p) = jsonld::check_contexts(v) {
        jsonld_failure(r, &p);
        return (false, None);
    }
    r.pass("contexts");
    if covered {
        r.pass("json_ld");
        return (true, None);
    }
    match jsonld::signed_view(v).await {
        Ok(view) => {
            r.pass("json_ld");
            (true, Some(view))
        }
        Err(p) => {
            jsonld_failure(r, &p);
            (false, None)
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

/// The checks over the signed data, in order: each in its own file of this folder, each
/// reading the credential only as the JSON-LD checks left it (the compact form of what
/// was signed, with every shipped IRI under its shipped name, or our own typed shape).
async fn check_content(v: Value, ctx: VerifyContext<'_>, mut r: VerificationReport) -> VerificationReport {
    // Not written as what is signed: reading it by member names would judge something else.
    if r.has_code("jsonld.non_canonical_form") {
        r.credential = Some(v);
        return r.finish();
    }
    let clock = ctx.clock;
    let now = clock.now();
    warn_undefined_terms(&v, &mut r);
    nodes::check(&v, &mut r);
    validity::check(&v, now, &mut r);
    check_related_resources(&v, &mut r);
    if r.checks.get("signature") == Some(&CheckStatus::Passed) {
        check_status(&v, ctx, &mut r).await;
    }
    rules::check(&v, clock, &mut r);
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::status::status_list_window;
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
    fn a_second_credential_inside_the_signed_data_cannot_be_judged() {
        let codes = |v: Value| {
            let mut r = VerificationReport::new();
            nodes::check(&v, &mut r);
            r.errors.into_iter().map(|e| (e.code, e.path.unwrap_or_default())).collect::<Vec<_>>()
        };
        let inner = json!({"type": ["VerifiableCredential"], "credentialStatus": {"type": "BitstringStatusListEntry"}});
        assert_eq!(
            codes(
                json!({"type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:1", "held": inner}})
            ),
            [("jsonld.second_credential".to_owned(), "/credentialSubject/held".to_owned())]
        );
        assert_eq!(codes(json!({"credentialSubject": [{}, {"x": [{"type": "VerifiablePresentation"}]}]})).len(), 1);
        // OB 3.0 endorsements are credentials by design; the proof is not data.
        assert!(
            codes(json!({"credentialSubject": {"achievement": {"endorsement": [inner]}}, "endorsement": [inner]}))
                .is_empty()
        );
        assert!(codes(json!({"type": ["VerifiableCredential"], "proof": {"type": "DataIntegrityProof"}})).is_empty());
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
