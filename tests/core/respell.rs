//! A verdict comes from the signed data, by IRI (issue 26): a holder who re-spells a
//! signed credential's JSON-LD so that its RDF is unchanged (the signature still holds)
//! must never change the verdict, and one who changes the RDF must never get it accepted.
//!
//! Base documents are signed here: every fixture record and some random ones, with
//! revocation entries in a signed Bitstring status list (some revoked), some expired,
//! some signed by a registered institution (recognised, or naming another institution),
//! a status list credential, VC 1.1 credentials and presentations. `tests/js/respell.mjs`
//! respells them (prefix chains, `@vocab`, keyword aliases, value objects, `@nest`,
//! `@included`, embedded and type-scoped contexts, language maps, combinations, and
//! RDF-changing ones) and says, with jsonld.js as the oracle, whether each respelt
//! document signs the same RDF. The rule, for each:
//! - same RDF: the verdict (valid, trusted, error codes, status outcome) is the base's, or
//!   the document is refused as not verifiable (a `jsonld.` or `context.` error); never
//!   valid when the base is not;
//! - other RDF: invalid, with `signature.invalid` or refused as not verifiable;
//! - jsonld.js refuses it: invalid.
//!
//! `MICROCRED_RESPELLINGS` sets how many respelt documents (default 300; CI runs 10,000 in
//! release); `MICROCRED_RESPELL_SEED` the generator's seed (default 26) and
//! `MICROCRED_RESPELL_KINDS` (comma-separated) limits the kinds, e.g. `prefix-chain-2`.
//! The bases, the respelt documents and the violations are left in `target/tmp/respell/`
//! for a look.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{TimeZone, Utc};
use microcred::crypto::did::Resolver;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::crypto::proof;
use microcred::issuance::{Format, IssueOptions, issue};
use microcred::status::bitstring::Bitstring;
use microcred::status::check::{GivenStatusLists, NoStatusLists};
use microcred::status::entry::{Purpose, entry_json, list_credential};
use microcred::trust::{Names, TrustEntry, TrustRegistry};
use microcred::verify::{
    CheckStatus, Expect, VerificationReport, VerifyContext, verify_json_with, verify_presentation_proof,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use crate::helpers::*;

const LIST_URL: &str = "https://status.example/lists/7";
/// The registered institution's own list (a list counts only when the issuer signed it).
const REGISTERED_LIST_URL: &str = "https://status.example/lists/8";

/// What a verdict is made of: what a relying party reads.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    valid: bool,
    trusted: bool,
    /// Sorted error codes; those of a presentation's credentials as `vc<i>:<code>`.
    codes: Vec<String>,
    /// The `status` check of the credential, or of each credential of a presentation.
    status: Vec<Option<CheckStatus>>,
}

impl Verdict {
    fn of(r: &VerificationReport) -> Self {
        let mut codes: Vec<String> = r.errors.iter().map(|e| e.code.clone()).collect();
        codes.sort();
        Self { valid: r.valid, trusted: r.trusted, codes, status: vec![r.checks.get("status").copied()] }
    }

    /// Refused before judging: the document is not written as what is signed.
    fn not_verifiable(&self) -> bool {
        !self.valid && self.codes.iter().any(|c| c.split(':').next_back().is_some_and(refusal))
    }

    fn short(&self) -> String {
        let status: Vec<String> = self.status.iter().map(|s| format!("{s:?}")).collect();
        format!("valid={} trusted={} errors={:?} status={}", self.valid, self.trusted, self.codes, status.join(","))
    }
}

fn refusal(code: &str) -> bool {
    code.starts_with("jsonld.") || code.starts_with("context.")
}

/// The verdict on a document: a credential as `verify_json_with` judges it; a presentation
/// (a respelt one too: it is sent where presentations go) as `POST /presentations/verify`
/// does: its proof, then every credential of its `verifiableCredential` member, read by
/// name as the service reads it, each as a credential.
async fn verdict(doc: &Value, presentation: bool, ctx: VerifyContext<'_>) -> Verdict {
    if !presentation {
        return Verdict::of(&verify_json_with(doc.clone(), ctx).await);
    }
    let mut v = Verdict::of(&verify_presentation_proof(doc, ctx).await);
    v.status.clear();
    let credentials: Vec<Value> = match doc.get("verifiableCredential") {
        None => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
    };
    for (i, c) in credentials.into_iter().enumerate() {
        if !c.is_object() {
            // The service answers 400 (not a credential): nothing is verified.
            v.valid = false;
            v.codes.push(format!("vc{i}:presentation.not_a_credential"));
            continue;
        }
        let r = verify_json_with(c, ctx).await;
        v.valid &= r.valid;
        v.trusted &= r.trusted;
        v.codes.extend(r.errors.iter().map(|e| format!("vc{i}:{}", e.code)));
        v.status.push(r.checks.get("status").copied());
    }
    v.codes.sort();
    v
}

fn js_ready() -> bool {
    let ok = root().join("tests/js/node_modules/jsonld").is_dir();
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must run the respelling corpus: run `npm ci` in tests/js");
        crate::skip::skip("respelling corpus (tests/js/node_modules missing)", "(cd tests/js && npm ci)");
    }
    ok
}

/// A presentation of `credentials` by the did:key `holder`, signed for authentication
/// (eddsa-rdfc-2022), without challenge or domain.
async fn presentation(credentials: Vec<Value>, holder: &ssi::JWK) -> Value {
    use ssi::claims::data_integrity::{AnySuite, CryptographicSuite, DataIntegrityDocument, ProofOptions};
    use ssi::json_ld::iref::IriBuf;
    use ssi::verification_methods::{AnyMethod, ProofPurpose, SingleSecretSigner};
    let did = ssi::dids::DIDKey::generate(holder).expect("did").to_string();
    let vm = ssi::dids::DIDKey::generate_url(holder).expect("vm").to_string();
    let mb = microcred::crypto::did::ed25519_multibase(holder).expect("multibase");
    let method: AnyMethod =
        serde_json::from_value(json!({"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": mb}))
            .expect("method");
    let methods = HashMap::from([(IriBuf::new(vm.clone()).expect("iri"), method)]);
    let vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": credentials,
    });
    let unsecured: DataIntegrityDocument = serde_json::from_value(vp).expect("presentation");
    let mut options = ProofOptions::from_method(IriBuf::new(vm).expect("iri").into());
    options.proof_purpose = ProofPurpose::Authentication;
    options.created = Some("2025-08-31T12:00:00Z".parse().expect("date"));
    let signer = SingleSecretSigner::new(holder.clone()).into_local();
    let env = ssi::claims::SignatureEnvironment { json_ld_loader: microcred::jsonld::loader(), eip712_loader: () };
    let signed = AnySuite::EdDsaRdfc2022
        .sign_with(env, unsecured, &methods, &signer, options, Default::default())
        .await
        .expect("sign presentation");
    serde_json::to_value(&signed).expect("json")
}

/// A VC 1.1 Open Badge with an Ed25519Signature2020 proof (the Digital Credentials
/// Consortium's shape), valid from 2025 and, when `expired`, until 2025-06-01.
async fn vc11(secret: &ssi::JWK, expired: bool) -> Value {
    let did = ssi::dids::DIDKey::generate(secret).expect("did").to_string();
    let id = format!("urn:uuid:2f8b8d3e-6c1a-4f0e-9a55-2b1d1e0c7a{}", if expired { "21" } else { "20" });
    let c = teamwork_vc11(&did, &id, Some("2025-01-01T00:00:00Z"), expired.then_some("2025-06-01T00:00:00Z"));
    crate::breadth::sign_2020(&c, secret).await
}

/// A plain Open Badge (VC 2.0, no microcredential extension, so that no rule of ours
/// reads it) by `key`, naming `issuer` (name, URL), with the status entry `status`.
async fn plain_badge(
    key: &IssuerKey,
    n: usize,
    issuer: (&str, &str),
    valid_until: Option<&str>,
    status: Value,
) -> Value {
    let mut c = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": format!("urn:uuid:6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f40{n:02}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork Badge",
        "issuer": {"id": key.did(), "type": ["Profile"], "name": issuer.0, "url": issuer.1},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialStatus": status,
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/21st-century-skills/teamwork",
                "type": ["Achievement"],
                "criteria": {"narrative": "Team members are nominated for this badge by their peers."},
                "description": "This badge recognizes the capacity to collaborate within a group.",
                "name": "Teamwork"
            }
        }
    });
    if let Some(t) = valid_until {
        c["validUntil"] = t.into();
    }
    let created = Utc.with_ymd_and_hms(2025, 8, 1, 0, 0, 0).single().expect("date");
    c["proof"] = proof::sign(&c, key, created).await.expect("sign badge");
    c
}

/// One base document: what it is, and the verdict it must have as signed.
struct Base {
    label: String,
    doc: Value,
    presentation: bool,
    expect_valid: bool,
    /// Who signed it, when it is a key the test holds: a respelling of it is also signed
    /// as a VC-JWT (the issuer writing the same data another way) and judged.
    signer: Option<Arc<IssuerKey>>,
}

/// What the bases are judged with: their status lists and a trust registry.
struct World {
    bases: Vec<Base>,
    lists: GivenStatusLists,
    trust: TrustRegistry,
}

/// The base documents, signed: every fixture record and some random ones (revoked, expired,
/// by a registered institution naming it or another), plain Open Badges, the status list,
/// VC 1.1 credentials and presentations.
async fn signed_bases() -> World {
    let key = Arc::new(IssuerKey::generate(KeyAlg::Ed25519).expect("key"));
    // A second institution, in the trust registry.
    let registered = Arc::new(IssuerKey::generate(KeyAlg::Ed25519).expect("key"));
    let clock = fixture_clock();
    // The status lists (each issuer signs its own): every odd index revoked.
    let mut bits = Bitstring::zeroed(131_072);
    for i in (1..64).step_by(2) {
        bits.set(i, true).expect("bit");
    }
    let now = Utc.with_ymd_and_hms(2025, 8, 31, 12, 0, 0).single().expect("date");
    let mut lists = HashMap::new();
    for (url, signer) in [(LIST_URL, &key), (REGISTERED_LIST_URL, &registered)] {
        let mut list =
            list_credential(url, signer.did(), Purpose::Revocation, &bits, now, chrono::Duration::days(30), 300_000);
        list["proof"] = proof::sign(&list, signer.as_ref(), now).await.expect("sign list");
        lists.insert(url.to_owned(), list);
    }

    // Signed microcredentials: all fixtures and random records, revoked and not, some
    // expired, every fifth by the registered institution.
    let mut records = all_valid_records();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..8 {
        use proptest::strategy::{Strategy, ValueTree};
        records.push(crate::properties::valid_record().new_tree(&mut runner).expect("sample").current());
    }
    let mut rng = StdRng::seed_from_u64(26);
    let mut bases = Vec::new();
    let mut by_registered = Vec::new();
    for (i, rec) in records.iter().enumerate() {
        let expired = i % 3 == 2;
        let until = if expired { (2025, 6) } else { (2030, 1) };
        let valid_until =
            (i % 3 != 0).then(|| Utc.with_ymd_and_hms(until.0, until.1, 1, 0, 0, 0).single().expect("date"));
        let revoked = (i % 8) % 2 == 1;
        let (signer, list_url) = if i % 5 == 4 { (&registered, REGISTERED_LIST_URL) } else { (&key, LIST_URL) };
        let opts = IssueOptions {
            format: Format::Ldp,
            valid_until,
            credential_status: Some(entry_json(list_url, Purpose::Revocation, i % 8)),
            ..Default::default()
        };
        let mut c = issue(rec, signer.as_ref(), &clock, &mut rng, &opts).await.expect("issue").credential;
        if i % 2 == 0 && !c["proof"].is_array() {
            c["proof"] = Value::Array(vec![c["proof"].take()]);
        }
        if i % 5 == 4 {
            by_registered.push(bases.len());
        }
        bases.push(Base {
            label: format!(
                "record {i}{}{}{}",
                if expired { ", expired" } else { "" },
                if revoked { ", revoked" } else { "" },
                if i % 5 == 4 { ", by the registered institution" } else { "" }
            ),
            doc: c,
            presentation: false,
            expect_valid: !expired && !revoked,
            signer: Some(signer.clone()),
        });
    }
    // The registry knows the registered key as the institution its first credential
    // names: its other credentials name other institutions (a mismatch, invalid).
    let first = &bases[by_registered[0]].doc["issuer"];
    let name = first["name"].as_str().expect("issuer name").to_owned();
    let url = first["url"].as_str().unwrap_or_default().to_owned();
    let entry = TrustEntry {
        did: registered.did().to_owned(),
        institution_id: None,
        names: Names { nl: name.clone(), en: name.clone() },
        url: url.clone(),
        valid_from: None,
        valid_until: None,
        source: "deployment".into(),
    };
    for &b in &by_registered {
        if bases[b].doc["issuer"]["name"] != name.as_str() {
            bases[b].expect_valid = false;
            bases[b].label.push_str(" (names another institution)");
        }
    }

    // Plain Open Badges: nothing but the status, the period and the registry keeps them
    // from being valid (our microcredentials' rules refuse some respellings on their own).
    let other = "Example Academy";
    let (future, past) = (Some("2030-01-01T00:00:00Z"), Some("2025-06-01T00:00:00Z"));
    let plain = [
        ("plain badge", &key, LIST_URL, 0, other, None, true),
        ("plain badge, revoked", &key, LIST_URL, 1, other, None, false),
        ("plain badge, revoked, valid until 2030", &key, LIST_URL, 3, other, future, false),
        ("plain badge, expired", &key, LIST_URL, 2, other, past, false),
        ("plain badge by the registered institution", &registered, REGISTERED_LIST_URL, 2, &name, None, true),
        ("plain badge by the registered institution, revoked", &registered, REGISTERED_LIST_URL, 3, &name, None, false),
        (
            "plain badge by the registered institution, naming another",
            &registered,
            REGISTERED_LIST_URL,
            4,
            other,
            future,
            false,
        ),
    ];
    let mut plain_docs = Vec::new();
    for (n, (label, signer, list_url, index, issuer_name, valid_until, expect_valid)) in plain.into_iter().enumerate() {
        let status = entry_json(list_url, Purpose::Revocation, index);
        let doc = plain_badge(signer.as_ref(), n, (issuer_name, &url), valid_until, status).await;
        plain_docs.push(doc.clone());
        bases.push(Base { label: label.into(), doc, presentation: false, expect_valid, signer: Some(signer.clone()) });
    }

    // The status list itself (judged as an Open Badge would be: whatever it gets as
    // signed), VC 1.1 credentials and presentations (of plain badges, valid and revoked).
    let vc11_key = ssi::JWK::generate_ed25519().expect("jwk");
    let holder = ssi::JWK::generate_ed25519().expect("jwk");
    let (valid, revoked) = (plain_docs[0].clone(), plain_docs[1].clone());
    let extra = [
        ("the status list credential", lists[LIST_URL].clone(), false, None),
        ("VC 1.1, Ed25519Signature2020", vc11(&vc11_key, false).await, false, Some(true)),
        ("VC 1.1, Ed25519Signature2020, expired", vc11(&vc11_key, true).await, false, Some(false)),
        ("presentation of a valid badge", presentation(vec![valid.clone()], &holder).await, true, Some(true)),
        ("presentation with a revoked badge", presentation(vec![valid, revoked], &holder).await, true, Some(false)),
    ];
    let lists = GivenStatusLists { lists, fallback: Box::new(NoStatusLists) };
    let trust = TrustRegistry::new(vec![entry], HashMap::new());
    let resolver = Resolver::new();
    let ctx =
        VerifyContext { resolver: &resolver, status: &lists, clock: &clock, expect: Expect::default(), trust: &trust };
    for (label, doc, presentation, expect_valid) in extra {
        let expect_valid = match expect_valid {
            Some(v) => v,
            None => verdict(&doc, presentation, ctx).await.valid,
        };
        bases.push(Base { label: label.into(), doc, presentation, expect_valid, signer: None });
    }
    World { bases, lists, trust }
}

/// Runs `tests/js/respell.mjs` on the bases: `target` respelt documents, a third of them
/// drawn from the `focus` bases.
fn respell(bases_file: &Path, target: usize, focus: &[usize]) -> Vec<Value> {
    let seed = std::env::var("MICROCRED_RESPELL_SEED").unwrap_or_else(|_| "26".into());
    let kinds: Vec<String> =
        std::env::var("MICROCRED_RESPELL_KINDS").map(|k| vec!["--kinds".into(), k]).unwrap_or_default();
    let focus: Vec<String> = focus.iter().map(usize::to_string).collect();
    let out = Command::new("node")
        .arg(root().join("tests/js/respell.mjs"))
        .args(["--count", &target.to_string(), "--seed", &seed, "--focus", &focus.join(",")])
        .args(kinds)
        .arg(bases_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("node");
    assert!(out.status.success(), "respell.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
    let dir = bases_file.parent().expect("dir");
    std::fs::write(dir.join("respelt.jsonl"), &out.stdout).expect("write respelt");
    let generated: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("respell.mjs prints JSON lines"))
        .collect();
    assert_eq!(generated.len(), target, "one line per respelt document");
    generated
}

/// The verdicts on the respelt documents, judged on two threads, each taking the next
/// document (some take far longer than others) and driving its own runtime.
fn judge_all(generated: &[Value], bases: &[Base], ctx: VerifyContext<'_>) -> Vec<Verdict> {
    let next = AtomicUsize::new(0);
    let judge = || -> Vec<(usize, Verdict)> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let mut out = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(g) = generated.get(n) else { break };
                let base = &bases[g["base"].as_u64().expect("base") as usize];
                out.push((n, verdict(&g["doc"], base.presentation, ctx).await));
            }
            out
        })
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(2);
    let mut verdicts: Vec<(usize, Verdict)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(judge)).collect();
        handles.into_iter().flat_map(|h| h.join().expect("judging thread")).collect()
    });
    verdicts.sort_by_key(|(n, _)| *n);
    verdicts.into_iter().map(|(_, v)| v).collect()
}

/// What is wrong with the verdict `got` on a respelt document, by the rule, if anything.
/// `ACCEPTED` marks a document judged valid that must not be.
fn violation(same_rdf: Option<bool>, base: &Verdict, got: &Verdict) -> Option<&'static str> {
    let refused = got.not_verifiable();
    match same_rdf {
        Some(true) if got.valid && !base.valid => Some("ACCEPTED: same RDF as an invalid base, judged valid"),
        Some(true) if got != base && !refused => Some("same RDF, another verdict (and not refused as not verifiable)"),
        Some(true) => None,
        Some(false) if got.valid => Some("ACCEPTED: other RDF than signed, judged valid"),
        // A different graph refused before its signature is looked at (retyped so that it
        // is no presentation, say) is as safe as a failed signature.
        Some(false)
            if !refused
                && !got
                    .codes
                    .iter()
                    .any(|c| c.ends_with("signature.invalid") || c.ends_with("presentation.malformed")) =>
        {
            Some("other RDF than signed, invalid but neither signature.invalid nor refused as not verifiable")
        }
        Some(false) => None,
        None if got.valid => Some("ACCEPTED: jsonld.js refuses it, judged valid"),
        None => None,
    }
}

/// Per kind of respelling: generated, same RDF, identical verdict, refused as not
/// verifiable, accepted although it must not be, other violations.
#[derive(Default)]
struct Row {
    generated: usize,
    same: usize,
    identical: usize,
    refused: usize,
    accepted: usize,
    other: usize,
}

impl Row {
    fn add(&mut self, r: &Row) {
        self.generated += r.generated;
        self.same += r.same;
        self.identical += r.identical;
        self.refused += r.refused;
        self.accepted += r.accepted;
        self.other += r.other;
    }

    fn line(&self, kind: &str) -> String {
        format!(
            "{kind:<24} {:>9} {:>8} {:>9} {:>8} {:>8} {:>8}\n",
            self.generated, self.same, self.identical, self.refused, self.accepted, self.other
        )
    }
}

fn table(rows: &BTreeMap<String, Row>) -> String {
    let mut out = format!(
        "{:<24} {:>9} {:>8} {:>9} {:>8} {:>8} {:>8}\n",
        "kind", "generated", "same RDF", "identical", "refused", "ACCEPTED", "other"
    );
    let mut total = Row::default();
    for (kind, r) in rows {
        out.push_str(&r.line(kind));
        total.add(r);
    }
    out.push_str(&total.line("total"));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_respelling_that_keeps_the_signed_rdf_never_changes_the_verdict() {
    if !js_ready() {
        return;
    }
    let target: usize = std::env::var("MICROCRED_RESPELLINGS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let started = Instant::now();
    let World { bases, lists, trust } = signed_bases().await;
    let (resolver, clock) = (Resolver::new(), fixture_clock());
    let ctx =
        VerifyContext { resolver: &resolver, status: &lists, clock: &clock, expect: Expect::default(), trust: &trust };

    // The bases as signed: each has the verdict it was made for.
    let mut base_verdicts = Vec::with_capacity(bases.len());
    for b in &bases {
        let v = verdict(&b.doc, b.presentation, ctx).await;
        assert_eq!(v.valid, b.expect_valid, "base '{}' as signed: {}", b.label, v.short());
        base_verdicts.push(v);
    }
    assert!(base_verdicts.iter().any(|v| v.trusted), "a base by the registered institution, naming it, is trusted");
    let mut kinds_of_bases: BTreeMap<String, usize> = BTreeMap::new();
    for v in &base_verdicts {
        let what =
            if v.valid { format!("valid{}", if v.trusted { ", trusted" } else { "" }) } else { v.codes.join("+") };
        *kinds_of_bases.entry(what).or_default() += 1;
    }

    // Respelt and judged by jsonld.js. A third of the documents come from the bases invalid
    // for exactly one reason: hiding that reason is what a respelling attack is for.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("respell");
    std::fs::create_dir_all(&dir).expect("dir");
    let bases_file = dir.join("bases.jsonl");
    std::fs::write(&bases_file, bases.iter().map(|b| format!("{}\n", b.doc)).collect::<String>()).expect("write");
    let focus: Vec<usize> =
        base_verdicts.iter().enumerate().filter(|(_, v)| !v.valid && v.codes.len() == 1).map(|(n, _)| n).collect();
    let generating = Instant::now();
    let generated = respell(&bases_file, target, &focus);
    let generation_time = generating.elapsed();

    // Judged by our verifier.
    let judging = Instant::now();
    let verdicts = judge_all(&generated, &bases, ctx);
    let judging_time = judging.elapsed();

    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut violations = Vec::new();
    for (g, got) in generated.iter().zip(&verdicts) {
        let b = g["base"].as_u64().expect("base") as usize;
        let base = &base_verdicts[b];
        let row = rows.entry(g["kind"].as_str().expect("kind").to_owned()).or_default();
        row.generated += 1;
        row.same += usize::from(g["same_rdf"] == true);
        row.identical += usize::from(got == base);
        row.refused += usize::from(got.not_verifiable());
        if let Some(why) = violation(g["same_rdf"].as_bool(), base, got) {
            if why.starts_with("ACCEPTED") {
                row.accepted += 1;
            } else {
                row.other += 1;
            }
            violations.push((why, g, b, got));
        }
    }
    eprintln!(
        "{} respelt documents of {} bases {kinds_of_bases:?}: generated and judged by jsonld.js in {:.1} s, by our verifier in {:.1} s ({:.1} s in all)\n{}",
        generated.len(),
        bases.len(),
        generation_time.as_secs_f64(),
        judging_time.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        table(&rows)
    );

    // The same respellings signed by their issuer as VC-JWTs (issue 26: JWT `vc` claims):
    // the payload is the respelt credential itself, signed as it is, so only the JSON-LD
    // checks of the payload stand between the spelling and the verdict.
    let jwt_judging = Instant::now();
    let jwt_of = |doc: &Value, key: &IssuerKey| -> Option<String> {
        let mut m = doc.as_object()?.clone();
        m.remove("proof");
        microcred::crypto::jwt::sign(&m, key).ok()
    };
    let mut base_jwt: HashMap<usize, Verdict> = HashMap::new();
    let (mut jwt_judged, mut jwt_identical, mut jwt_refused) = (0usize, 0usize, 0usize);
    let mut jwt_violations: Vec<(&'static str, &Value, usize, Verdict)> = Vec::new();
    for g in generated.iter().filter(|g| g["same_rdf"] == true) {
        let b = g["base"].as_u64().expect("base") as usize;
        let Some(key) = bases[b].signer.as_deref() else { continue };
        if let std::collections::hash_map::Entry::Vacant(slot) = base_jwt.entry(b) {
            let token = jwt_of(&bases[b].doc, key).expect("the base signs as a JWT");
            let v = Verdict::of(&microcred::verify::verify_text_with(&token, ctx).await);
            assert_eq!(v.valid, bases[b].expect_valid, "base '{}' as a JWT: {}", bases[b].label, v.short());
            slot.insert(v);
        }
        let Some(token) = jwt_of(&g["doc"], key) else { continue };
        let got = Verdict::of(&microcred::verify::verify_text_with(&token, ctx).await);
        let base = &base_jwt[&b];
        jwt_judged += 1;
        jwt_identical += usize::from(&got == base);
        // The registered claims are derived from the payload by name: a respelling the
        // claims then contradict is refused as such (`jwt.claims_mismatch`).
        let refused = got.not_verifiable() || (!got.valid && got.codes.iter().any(|c| c == "jwt.claims_mismatch"));
        jwt_refused += usize::from(refused);
        if got.valid && !base.valid {
            jwt_violations.push(("ACCEPTED: a JWT of the same RDF as an invalid base, judged valid", g, b, got));
        } else if &got != base && !refused {
            jwt_violations.push(("a JWT of the same RDF, another verdict (and not refused)", g, b, got));
        }
    }
    eprintln!(
        "the same-RDF respellings signed as VC-JWTs: {jwt_judged} judged in {:.1} s, {jwt_identical} identical, {jwt_refused} refused, {} violations",
        jwt_judging.elapsed().as_secs_f64(),
        jwt_violations.len()
    );
    assert!(jwt_judged > 0 || target < 50, "some respellings were signed as JWTs");
    violations.extend(jwt_violations.iter().map(|(why, g, b, got)| (*why, *g, *b, got)));

    let mut report = String::new();
    for (why, g, b, got) in &violations {
        let v = json!({
            "why": why, "kind": g["kind"], "detail": g["detail"], "base": b, "base_label": bases[*b].label,
            "base_verdict": base_verdicts[*b].short(), "verdict": got.short(), "same_rdf": g["same_rdf"], "doc": g["doc"],
        });
        report.push_str(&format!("{v}\n"));
    }
    std::fs::write(dir.join("violations.jsonl"), &report).expect("write violations");
    if violations.is_empty() {
        return;
    }
    // Listed: what is accepted first, then one of each kind in turn.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<(bool, usize, usize)> = violations
        .iter()
        .enumerate()
        .map(|(n, (why, g, _, _))| {
            let k = seen.entry(g["kind"].as_str().unwrap_or_default()).or_default();
            *k += 1;
            (!why.starts_with("ACCEPTED"), *k, n)
        })
        .collect();
    order.sort_unstable();
    let mut msg = format!(
        "{} of {} respelt documents violate the rule (all in {}); the first 20:\n",
        violations.len(),
        generated.len(),
        dir.join("violations.jsonl").display()
    );
    for &(_, _, n) in order.iter().take(20) {
        let (why, g, b, got) = &violations[n];
        msg.push_str(&format!(
            "\n- {why}\n  kind: {} ({})\n  base {b} ({}): {}\n  respelt: {}\n  doc: {}\n",
            g["kind"].as_str().unwrap_or_default(),
            g["detail"].as_str().unwrap_or_default(),
            bases[*b].label,
            base_verdicts[*b].short(),
            got.short(),
            g["doc"]
        ));
    }
    panic!("{msg}");
}
