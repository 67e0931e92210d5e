//! The four targets.

use std::collections::BTreeSet;
use std::io::Cursor;

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use microcred::crypto::jwt;
use microcred::domain::{parse_definition, parse_record};
use microcred::issuance::{IssueOptions, issue_record_both};
use microcred::status::bitstring::{Bitstring, MAX_DECODED_BYTES};
use microcred::status::check::{GivenStatusLists, NoStatusLists};
use microcred::status::entry;
use microcred::verify::{CANONICALISATION_BUDGET, VerificationReport, VerifyContext, verify_text_with};
use microcred::{fastld, jsonld};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::engine::{Outcome, Target};
use crate::fixtures::{self, LIST_URL, block_on};
use crate::mutate;

fn text(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("json")
}

fn codes(report: &VerificationReport) -> String {
    let set: BTreeSet<&str> = report.errors.iter().map(|e| e.code.as_str()).collect();
    format!("{}:{}:{}", report.format, report.valid, set.into_iter().collect::<Vec<_>>().join(","))
}

// ---------------------------------------------------------------------------------------
// Records: the CLI reader (a record, an array or JSON lines) and the API's JSON body go
// to `parse_record`; a record that parses must issue and verify.

pub struct Records;

impl Records {
    pub fn new() -> Self {
        fixtures::get();
        Self
    }
}

/// Rule ids of the findings, as the outcome class.
fn rules(report: &microcred::domain::ValidationReport) -> String {
    let set: BTreeSet<&str> = report.errors.iter().map(|f| f.code.as_str()).collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

impl Target for Records {
    fn name(&self) -> &'static str {
        "records"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let f = fixtures::get();
        let mut seeds: Vec<Vec<u8>> = f.records.iter().map(text).collect();
        // Arrays and JSON lines, as the CLI reads them.
        seeds.push(text(&Value::Array(f.records.iter().take(3).cloned().collect())));
        let lines: Vec<String> = f.records.iter().take(3).map(Value::to_string).collect();
        seeds.push(lines.join("\n").into_bytes());
        // The API's body with a definition instead of an inline record.
        seeds.push(br#"{"achievement_id":"x","award":{"learner":{"given_name":"A"}}}"#.to_vec());
        seeds
    }

    fn run(&self, input: &[u8]) -> Outcome {
        let f = fixtures::get();
        // The CLI: records read one by one from the input.
        let (_, rx) = microcred::batch::read_records(Cursor::new(input.to_vec()));
        let mut class = String::new();
        let mut oracle = None;
        for (n, item) in rx.enumerate() {
            // The reader hands each record over as JSON text; the workers parse it.
            let value: serde_json::Value = match item.map(|raw| serde_json::from_str(raw.get())) {
                Ok(Ok(v)) => v,
                Ok(Err(_)) => {
                    class.push_str("|unreadable");
                    continue;
                }
                Err(_) => {
                    class.push_str("|read-error");
                    break;
                }
            };
            if n >= 16 {
                class.push_str("|more");
                continue;
            }
            // The achievements API reads the definition alone.
            if let Some(def) = value.get("microcredential") {
                let _ = parse_definition(def);
            }
            match parse_record(&value, &f.clock) {
                Err(report) => {
                    assert!(!report.valid && !report.errors.is_empty(), "an invalid record without errors");
                    class.push_str(&format!("|invalid:{}", rules(&report)));
                }
                Ok((record, warnings)) => {
                    class.push_str("|valid");
                    // One issuance path: what parses must sign, and verify as valid.
                    let mut ids = StdRng::seed_from_u64(n as u64);
                    match block_on(issue_record_both(
                        &record,
                        warnings,
                        &f.key,
                        &f.clock,
                        &mut ids,
                        &IssueOptions::default(),
                    )) {
                        Err(e) => oracle = Some(format!("a record that parses does not issue: {e}")),
                        Ok(issued) => {
                            for text in [issued.credential.to_string(), issued.jwt.clone().unwrap_or_default()] {
                                let report = block_on(verify_text_with(&text, f.ctx()));
                                if !report.valid {
                                    oracle = Some(format!(
                                        "a record that parses issues a credential that does not verify: {:?}",
                                        report.errors
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
        Outcome { class, oracle }
    }
}

// ---------------------------------------------------------------------------------------
// Verification input: what `POST /api/v1/verify` hands to the verifier, JSON credentials
// and compact VC-JWTs, mutated and often re-signed so the mutants get past the signature.

pub struct Verify;

impl Verify {
    pub fn new() -> Self {
        fixtures::get();
        Self
    }
}

/// A mutant of a compact JWT: header, payload or signature changed (decoded, mutated as
/// JSON or bytes, encoded again), then re-signed or not.
fn mutate_jwt(token: &str, corpus: &[Vec<u8>], rng: &mut StdRng) -> Vec<u8> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || rng.gen_bool(0.15) {
        return mutate::bytes(token.as_bytes(), corpus, rng);
    }
    let mut parts: Vec<String> = parts.into_iter().map(str::to_owned).collect();
    let which = if rng.gen_bool(0.25) { 0 } else { 1 };
    let decoded = BASE64_URL_SAFE_NO_PAD.decode(&parts[which]).unwrap_or_default();
    let changed = match serde_json::from_slice::<Value>(&decoded) {
        Ok(v) if rng.gen_bool(0.85) => mutate::json_text(v, &[], rng),
        _ => mutate::bytes(&decoded, &[], rng),
    };
    parts[which] = BASE64_URL_SAFE_NO_PAD.encode(changed);
    if rng.gen_bool(0.6) {
        fixtures::get().sign_jws(&format!("{}.{}", parts[0], parts[1])).into_bytes()
    } else {
        parts.join(".").into_bytes()
    }
}

impl Target for Verify {
    fn name(&self) -> &'static str {
        "verify"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let f = fixtures::get();
        let mut seeds: Vec<Vec<u8>> = f.credentials.iter().map(text).collect();
        seeds.extend(f.jwts.iter().map(|j| j.clone().into_bytes()));
        seeds.push(text(&f.list));
        seeds.extend(f.hostile.iter().map(text));
        seeds
    }

    fn mutate(&self, parent: &[u8], corpus: &[Vec<u8>], rng: &mut StdRng) -> Vec<u8> {
        let text = String::from_utf8_lossy(parent);
        if jwt::looks_like_jwt(&text) {
            return mutate_jwt(text.trim(), corpus, rng);
        }
        let out = mutate::any(parent, corpus, rng);
        // Re-signed, a mutant reaches the checks after the signature (schema, rules,
        // status, validity, trust).
        if rng.gen_bool(0.3)
            && let Ok(mut v) = serde_json::from_slice::<Value>(&out)
            && fixtures::get().resign(&mut v)
        {
            return serde_json::to_vec(&v).unwrap_or(out);
        }
        out
    }

    fn run(&self, input: &[u8]) -> Outcome {
        let f = fixtures::get();
        // The route refuses a body that is not UTF-8 (400) before the verifier.
        let Ok(text) = std::str::from_utf8(input) else { return Outcome::ok("not-utf8") };
        let report = block_on(verify_text_with(text, f.ctx()));
        let mut oracle = None;
        if report.valid {
            // Only the fixture key signs what we feed in: anything else valid is forged.
            if report.issuer.as_deref() != Some(f.key.did()) {
                oracle = Some(format!("valid, but issued by {:?}", report.issuer));
            }
            // The fast proof path accepted it only if the general JSON-LD path agrees.
            if report.format == "ldp"
                && let Ok(doc) = serde_json::from_str::<Value>(text)
                && fastld::our_proof(&doc).and_then(|_| fastld::as_ours(&doc)).is_some()
            {
                let general = block_on(microcred::crypto::proof::verify_general(
                    &doc,
                    f.key.verification_method(),
                    f.key.did(),
                    &f.key.public_jwk(),
                ));
                if let Err(e) = general {
                    oracle = Some(format!("the fast proof path accepts what the general path refuses: {e}"));
                }
            }
        }
        Outcome { class: codes(&report), oracle }
    }
}

// ---------------------------------------------------------------------------------------
// Status lists: `encodedList` (multibase base64url of GZIP) decoded as a verifier decodes a
// fetched list, and whole list credentials (mutated, re-signed) checked by the verifier.

pub struct StatusLists;

impl StatusLists {
    pub fn new() -> Self {
        fixtures::get();
        Self
    }
}

fn gzip(raw: &[u8], level: u32) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    gz.write_all(raw).expect("gzip to memory");
    gz.finish().expect("gzip to memory")
}

/// A mutant of an `encodedList` string: the text, the compressed bytes or the bits.
fn mutate_encoded(s: &str, corpus: &[Vec<u8>], rng: &mut StdRng) -> String {
    let b64 = s.strip_prefix('u').unwrap_or(s);
    let compressed = BASE64_URL_SAFE_NO_PAD.decode(b64.trim_end_matches('=')).ok();
    let prefix = if rng.gen_bool(0.9) { "u" } else { "" };
    match (rng.gen_range(0..4), compressed) {
        (1, Some(c)) => format!("{prefix}{}", BASE64_URL_SAFE_NO_PAD.encode(mutate::bytes(&c, &[], rng))),
        (2 | 3, Some(c)) => {
            let bits = Bitstring::decode(&format!("u{}", BASE64_URL_SAFE_NO_PAD.encode(&c)))
                .map(|b| b.as_bytes().to_vec())
                .unwrap_or(c);
            let mut raw = mutate::bytes(&bits, &[], rng);
            if rng.gen_bool(0.001) {
                // Around the decompression limit.
                raw.resize(MAX_DECODED_BYTES - 1 + rng.gen_range(0..3), 0);
            }
            let mut gz = gzip(&raw, rng.gen_range(0..=9));
            if rng.gen_bool(0.15) {
                // Two GZIP members, or trailing garbage.
                let tail = if rng.gen_bool(0.5) { gzip(&raw, 1) } else { vec![0, 1, 2, 3] };
                gz.extend(tail);
            }
            format!("{prefix}{}", BASE64_URL_SAFE_NO_PAD.encode(gz))
        }
        _ => String::from_utf8_lossy(&mutate::bytes(s.as_bytes(), corpus, rng)).into_owned(),
    }
}

impl Target for StatusLists {
    fn name(&self) -> &'static str {
        "status"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let f = fixtures::get();
        let mut seeds = vec![
            // The W3C specification's example of an empty list.
            b"uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA".to_vec(),
            Bitstring::zeroed(8).encode().into_bytes(),
            Bitstring::zeroed(0).encode().into_bytes(),
            Bitstring::from_bytes(vec![0xff; 64]).encode().into_bytes(),
            format!("u{}", BASE64_URL_SAFE_NO_PAD.encode(gzip(&[0x55; 16 * 1024], 6))).into_bytes(),
            // Without the multibase prefix, and padded.
            BASE64_URL_SAFE_NO_PAD.encode(gzip(&[1, 2, 3], 9)).into_bytes(),
            format!("u{}==", BASE64_URL_SAFE_NO_PAD.encode(gzip(&[1, 2, 3], 9))).into_bytes(),
        ];
        let mut rng = StdRng::seed_from_u64(7);
        let random: Vec<u8> = (0..16 * 1024).map(|_| rng.r#gen()).collect();
        seeds.push(Bitstring::from_bytes(random).encode().into_bytes());
        if let Some(encoded) = f.list["credentialSubject"]["encodedList"].as_str() {
            seeds.push(encoded.as_bytes().to_vec());
        }
        // Whole list credentials, as a verifier checks them.
        seeds.push(text(&f.list));
        seeds
    }

    fn mutate(&self, parent: &[u8], corpus: &[Vec<u8>], rng: &mut StdRng) -> Vec<u8> {
        if parent.first() == Some(&b'{')
            && let Ok(mut list) = serde_json::from_slice::<Value>(parent)
        {
            let encoded = list.pointer("/credentialSubject/encodedList").and_then(Value::as_str).map(str::to_owned);
            match encoded {
                Some(e) if rng.gen_bool(0.6) => {
                    list["credentialSubject"]["encodedList"] = mutate_encoded(&e, corpus, rng).into();
                }
                _ => {
                    let out = mutate::json_text(list, corpus, rng);
                    let Ok(v) = serde_json::from_slice::<Value>(&out) else { return out };
                    list = v;
                }
            }
            if rng.gen_bool(0.7) {
                fixtures::get().resign(&mut list);
            }
            return serde_json::to_vec(&list).expect("json");
        }
        mutate_encoded(&String::from_utf8_lossy(parent), corpus, rng).into_bytes()
    }

    fn run(&self, input: &[u8]) -> Outcome {
        let f = fixtures::get();
        if input.first() == Some(&b'{') {
            // A list credential: the verifier checks a credential with entries into it.
            let Ok(list) = serde_json::from_slice::<Value>(input) else { return Outcome::ok("list:not-json") };
            let lists = GivenStatusLists {
                lists: [(LIST_URL.to_owned(), list)].into_iter().collect(),
                fallback: Box::new(NoStatusLists),
            };
            let ctx = VerifyContext { status: &lists, ..f.ctx() };
            let mut class = String::from("list");
            for c in f.credentials.iter().take(2) {
                let report = block_on(microcred::verify::verify_json_with(c.clone(), ctx));
                let status: Vec<_> =
                    report.errors.iter().filter(|e| e.check == "status").map(|e| e.code.as_str()).collect();
                class.push_str(&format!(":{}", status.join(",")));
            }
            return Outcome::ok(class);
        }
        let encoded = String::from_utf8_lossy(input);
        match Bitstring::decode(&encoded) {
            Err(e) => {
                let kind = format!("{e:?}");
                Outcome::ok(format!("err:{}", kind.split('(').next().unwrap_or_default()))
            }
            Ok(bits) => {
                let mut oracle = None;
                if bits.as_bytes().len() > MAX_DECODED_BYTES {
                    oracle = Some(format!("decoded {} bytes, more than the limit", bits.as_bytes().len()));
                }
                // (Re-encoding a list of megabytes costs more than the decoding under test.)
                if bits.as_bytes().len() <= 1 << 20 && Bitstring::decode(&bits.encode()).as_ref() != Ok(&bits) {
                    oracle = Some("a decoded list does not survive encode + decode".into());
                }
                let len = bits.len();
                for i in [0, len.saturating_sub(1), len, len + 7, usize::MAX / 8, usize::MAX] {
                    if bits.get(i).is_ok() != (i < len) {
                        oracle = Some(format!("bit {i} of {len}: get is wrong about the range"));
                    }
                }
                // The entry reader with this list size in mind.
                let cred = serde_json::json!({"credentialStatus": entry::entry_json(LIST_URL, entry::Purpose::Revocation, len)});
                let _ = entry::entries(&cred);
                let bucket = match len {
                    0 => "0",
                    1..=1024 => "small",
                    1025..=131_072 => "normal",
                    _ => "large",
                };
                Outcome { class: format!("ok:{bucket}:{}", bits.count_set().min(3)), oracle }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Canonicalisation: RDFC-1.0 through the vendored ssi-rdf (JSON-LD expansion, then the
// canonical N-Quads), under the verifier's work budget, and our fast path where it
// applies: the two must agree, and a hostile document must end with "over budget".

pub struct Canon;

impl Canon {
    pub fn new() -> Self {
        fixtures::get();
        Self
    }
}

impl Target for Canon {
    fn name(&self) -> &'static str {
        "canon"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let f = fixtures::get();
        let mut seeds: Vec<Vec<u8>> = f.credentials.iter().map(text).collect();
        seeds.extend(f.hostile.iter().map(text));
        seeds.push(text(&f.list));
        if !f.vector.is_null() {
            seeds.push(text(&f.vector));
        }
        // Blank nodes that refer to each other in a cycle and in a clique, and a list.
        let ctx = r#""@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]"#;
        seeds.push(format!(r#"{{{ctx},"type":["VerifiableCredential"],"credentialSubject":{{"id":"_:a","related":{{"id":"_:b","related":{{"id":"_:a"}}}}}}}}"#).into_bytes());
        seeds.push(format!(r#"{{{ctx},"@graph":[{{"@id":"_:x","https://e/p":{{"@id":"_:y"}}}},{{"@id":"_:y","https://e/p":{{"@id":"_:x"}}}},{{"@id":"_:z","https://e/p":[{{"@id":"_:x"}},{{"@id":"_:y"}}]}}]}}"#).into_bytes());
        seeds.push(
            br#"{"@context":{"p":{"@id":"https://e/p","@container":"@list"}},"p":[[1,2],[{"@id":"_:a"}]]}"#.to_vec(),
        );
        seeds
    }

    fn run(&self, input: &[u8]) -> Outcome {
        let Ok(doc) = serde_json::from_slice::<Value>(input) else { return Outcome::ok("not-json") };
        let budget = ssi::rdf::urdna2015::WorkBudget::begin(CANONICALISATION_BUDGET);
        let general = block_on(jsonld::canonical_nquads(&doc));
        if budget.exceeded() {
            return Outcome::ok("over-budget");
        }
        drop(budget);
        let fast = fastld::as_ours(&doc).and_then(|c| fastld::canonical(&c));
        let mut oracle = None;
        let class = match (&general, &fast) {
            (Ok(g), Some(f)) => {
                if g != f {
                    let (fl, gl): (BTreeSet<&str>, BTreeSet<&str>) = (f.lines().collect(), g.lines().collect());
                    oracle = Some(format!(
                        "the fast path and RDFC-1.0 disagree: only fast {:?}; only general {:?}",
                        fl.difference(&gl).take(3).collect::<Vec<_>>(),
                        gl.difference(&fl).take(3).collect::<Vec<_>>()
                    ));
                }
                format!("both:{}", g.lines().count().min(64) / 8)
            }
            (Ok(g), None) => format!("general:{}", g.lines().count().min(64) / 8),
            (Err(e), Some(_)) => {
                oracle = Some(format!("the fast path canonicalises what JSON-LD refuses: {e}"));
                "fast-only".into()
            }
            (Err(e), None) => format!("err:{}", format!("{e:?}").split('(').next().unwrap_or_default()),
        };
        // The document as the JSON-LD checks of the verifier see it.
        let _ = jsonld::check_contexts(&doc);
        Outcome { class, oracle }
    }
}
