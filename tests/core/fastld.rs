//! The fast canonicalisation path gives exactly the general JSON-LD processor's
//! canonical N-Quads and the same eddsa-rdfc-2022 proofs, on every fixture and on random
//! records.

use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::crypto::proof;
use microcred::fastld;
use microcred::issuance::{IssueOptions, issue};
use microcred::jsonld::canonical_nquads;
use microcred::ob3::OpenBadgeCredential;
use microcred::status::entry::{Purpose, entry_json};
use proptest::strategy::{Strategy, ValueTree};
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::helpers::*;

/// `credential` without its proof: what the proof signs.
fn unsigned(credential: &Value) -> Value {
    let mut doc = credential.clone();
    doc.as_object_mut().expect("object").remove("proof");
    doc
}

/// A record's credential as issued, and the typed form of what its proof signs.
async fn issued_typed(rec: &Value, key: &IssuerKey, rng: &mut rand::rngs::StdRng) -> (Value, OpenBadgeCredential) {
    let issued = issue(rec, key, &fixture_clock(), rng, &IssueOptions::default()).await.expect("issue");
    let typed = fastld::as_ours(&unsigned(&issued.credential)).expect("our shape");
    (issued.credential, typed)
}

async fn compare(rec: &Value, status: Option<Value>, key: &IssuerKey, rng: &mut rand::rngs::StdRng) -> bool {
    // Every other record as the service issues it: the context under a deployment's URL
    // and its digest in `relatedResource`.
    let context_base_url = rec.to_string().len().is_multiple_of(2).then(|| "https://badges.example.be".to_owned());
    let opts = IssueOptions { credential_status: status, context_base_url, ..Default::default() };
    let issued = issue(rec, key, &fixture_clock(), rng, &opts).await.expect("issue");
    let doc = unsigned(&issued.credential);
    let general = canonical_nquads(&doc).await.expect("general");
    let typed = fastld::as_ours(&doc).expect("our own credential is our shape");
    // The JWT path's term check walks the same way without keeping triples.
    assert_eq!(fastld::emit::check(&typed).is_ok(), fastld::emit::credential(&typed).is_ok());
    let taken = match fastld::canonical(&typed) {
        Some(fast) => {
            assert_eq!(fast, general, "{}", rec["record_id"]);
            true
        }
        None => false,
    };
    // Signatures: the proof `issue` made equals the general processor's, and both
    // verifiers agree on the credential and on a tampered copy.
    let created = issued.credential["proof"][0]["created"].as_str().expect("created").parse().expect("date");
    let secret: ssi::JWK = serde_json::from_str(&key.to_private_json()).expect("jwk");
    let general_proof =
        proof::sign_general(&doc, &secret, key.verification_method(), key.did(), created).await.expect("general sign");
    assert_eq!(issued.credential["proof"][0], general_proof, "{}", rec["record_id"]);
    let public = key.public_jwk();
    let (vm, did) = (key.verification_method(), key.did());
    proof::verify(&issued.credential, vm, did, &public).await.expect("fast verify");
    proof::verify_general(&issued.credential, vm, did, &public).await.expect("general verify");
    let mut tampered = issued.credential.clone();
    tampered["credentialSubject"]["identifier"][0]["salt"] = "tampered".into();
    assert_eq!(proof::verify(&tampered, vm, did, &public).await, Err(proof::ProofFailure::BadSignature));
    assert_eq!(proof::verify_general(&tampered, vm, did, &public).await, Err(proof::ProofFailure::BadSignature));
    taken
}

#[tokio::test]
async fn the_fast_path_matches_the_general_processor_on_fixtures_and_random_records() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let single = entry_json("https://issuer.example/issuers/x/status/revocation/1", Purpose::Revocation, 4242);
    let both = Value::Array(vec![
        single.clone(),
        entry_json("https://issuer.example/issuers/x/status/suspension/1", Purpose::Suspension, 4242),
    ]);
    let mut records = all_valid_records();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..60 {
        records.push(crate::properties::valid_record().new_tree(&mut runner).expect("sample").current());
    }
    // Alike blank nodes (N-degree hashing); tests/js compares 40 more with jsonld.js.
    for _ in 0..30 {
        records.push(repeated_record().new_tree(&mut runner).expect("sample").current());
    }
    let (mut fast, mut total) = (0, 0);
    for (i, rec) in records.iter().enumerate() {
        let status = match i % 3 {
            0 => None,
            1 => Some(single.clone()),
            _ => Some(both.clone()),
        };
        total += 1;
        if compare(rec, status, &key, &mut rng).await {
            fast += 1;
        }
    }
    eprintln!("fast path taken for {fast} of {total} credentials");
    assert_eq!(fast, total, "the fast path covers every credential we issue");
}

#[test]
fn documents_that_are_not_exactly_our_shape_take_the_general_path() {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("rt");
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let issued = rt
        .block_on(issue(
            &own_records("valid.json").remove(0),
            &key,
            &fixture_clock(),
            &mut rng,
            &IssueOptions::default(),
        ))
        .expect("issue");
    let doc = issued.credential;
    assert!(fastld::as_ours(&doc).is_some());
    assert!(fastld::covers(&doc));
    let mut odd_proof = doc.clone();
    odd_proof["proof"][0]["favouriteColour"] = "blue".into();
    assert!(!fastld::covers(&odd_proof), "a proof member we do not write");
    assert!(rt.block_on(microcred::jsonld::check_terms(&odd_proof)).is_err(), "and it is an undefined term");
    let mut extra = doc.clone();
    extra["credentialSubject"]["favouriteColour"] = "blue".into();
    assert!(fastld::as_ours(&extra).is_none(), "an extra member");
    let mut float = doc.clone();
    float["credentialSubject"]["creditsEarned"] = serde_json::json!(6.0);
    assert!(fastld::as_ours(&float).is_none(), "6.0 is not written as we write it");
    let mut ctx = doc.clone();
    ctx["@context"].as_array_mut().expect("ctx").push("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json".into());
    assert!(fastld::as_ours(&ctx).is_none(), "another context list");
}

/// A random valid record whose credential has blank nodes that look alike at first
/// degree: course units of the same programme (type 1 and 2), identical course units
/// (same code, title, ECTS and programme), learning outcomes with the same text. Their
/// canonical labels need RDFC-1.0's N-degree hashing.
pub fn repeated_record() -> impl Strategy<Value = Value> {
    use proptest::prelude::*;
    const PROGRAMMES: [&str; 2] = ["Master in de wijsbegeerte", "Master in de geschiedenis"];
    (
        crate::properties::valid_record(),
        prop::collection::vec((0..2usize, 0..3usize, 0..2usize, any::<bool>()), 2..6),
        any::<bool>(),
        prop::collection::vec(0..2usize, 1..5),
    )
        .prop_map(|(mut rec, units, type2, outcomes)| {
            let mut components: Vec<Value> = units
                .iter()
                .map(|&(programme, code, title, big)| {
                    let title = ["Deel", "Ander deel"][title];
                    json!({
                        "code": format!("FIX-R{code}"),
                        "origin": "existing_course_unit",
                        "title_nl": title,
                        "ects": if big { 3.0 } else { 1.5 },
                        "vks_level": 7,
                        "source_programme": {"name_nl": PROGRAMMES[programme], "programme_type": "master"},
                    })
                })
                .collect();
            if type2 {
                components.push(json!({"code": "FIX-NEW", "origin": "new_lll_content", "title_en": "New", "ects": 1.0, "vks_level": 7, "source_programme": null}));
            }
            let ects: f64 = components.iter().filter_map(|c| c["ects"].as_f64()).sum();
            let mc = &mut rec["microcredential"];
            mc["mc_type"] = json!(if type2 { 2 } else { 1 });
            mc["vks_level"] = json!(7);
            mc["ects"] = json!(ects);
            mc["components"] = Value::Array(components);
            mc["learning_outcomes"] = outcomes
                .iter()
                .enumerate()
                .map(|(i, &t)| {
                    let text = ["Zelfde", "Ander"][t];
                    json!({"id": format!("LO{i}"), "nl": text, "en": "Same"})
                })
                .collect();
            let award = &mut rec["award"];
            award["credits_earned"] = json!(ects);
            rec
        })
}

/// The fast path's canonical N-Quads of every fixture and of random records with repeated
/// programmes, outcomes and components equal jsonld.js's (`tests/js/canon.mjs`, the
/// canonicaliser under the Digital Bazaar verifier). Needs `npm ci` in tests/js.
#[tokio::test]
async fn the_fast_path_matches_jsonld_js_on_repeated_shapes() {
    use std::process::Command;
    let canon = crate::helpers::root().join("tests/js/canon.mjs");
    if !crate::helpers::root().join("tests/js/node_modules/jsonld").is_dir() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the JS interop tests: run `npm ci` in tests/js");
        eprintln!("SKIP: tests/js/node_modules missing (run `npm ci` in tests/js); jsonld.js not compared");
        return;
    }
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let mut records = all_valid_records();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..40 {
        records.push(repeated_record().new_tree(&mut runner).expect("sample").current());
    }
    let (mut lines, mut ours) = (String::new(), Vec::new());
    for rec in &records {
        let issued = issue(rec, &key, &fixture_clock(), &mut rng, &IssueOptions::default()).await.expect("issue");
        let typed = fastld::as_ours(&issued.credential).expect("our shape");
        ours.push(fastld::canonical(&typed).expect("the fast path covers it"));
        lines.push_str(&issued.credential.to_string());
        lines.push('\n');
    }
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("docs.jsonl");
    std::fs::write(&file, lines).expect("write");
    let out = Command::new("node").arg(&canon).arg("--all").arg(&file).output().expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs: Vec<String> = serde_json::from_slice(&out.stdout).expect("a JSON array of N-Quads");
    assert_eq!(theirs.len(), ours.len());
    for ((ours, theirs), rec) in ours.iter().zip(&theirs).zip(&records) {
        assert_eq!(ours, theirs, "{}", rec["record_id"]);
    }
}

#[test]
fn n_degree_hashing_labels_look_alike_blank_nodes_as_the_general_implementation_does() {
    // Shapes our credentials do not have, to exercise the algorithm beyond trees of
    // depth one: a cycle of four alike nodes, a star with alike leaves behind a blank hub,
    // and chains of alike pairs.
    use fastld::nquads::{Term, Triple, canonicalize};
    let p = |l: &'static str| ("https://example.org/", l);
    let b = Term::Blank;
    let lit = |v: &str| Term::Literal(v.into(), None, None);
    let t = |s: Term, p, o: Term| Triple { s, p, o };
    let shapes: Vec<(Vec<Triple>, usize)> = vec![
        ((0..4).map(|i| t(b(i), p("next"), b((i + 1) % 4))).collect(), 4),
        (
            (1..5)
                .flat_map(|i| [t(b(0), p("leaf"), b(i)), t(b(i), p("name"), lit(if i < 3 { "x" } else { "y" }))])
                .collect(),
            5,
        ),
        (
            (0..3)
                .flat_map(|i| {
                    [
                        t(Term::Iri("urn:root".into()), p("part"), b(2 * i)),
                        t(b(2 * i), p("source"), b(2 * i + 1)),
                        t(b(2 * i + 1), p("name"), lit("same")),
                    ]
                })
                .collect(),
            6,
        ),
    ];
    for (triples, blanks) in shapes {
        let fast = canonicalize(&triples, blanks).expect("within the budget");
        let general = general_canonical(&triples);
        assert_eq!(fast, general);
    }
}

#[test]
fn lines_are_ordered_as_their_bytes_where_terms_are_prefixes_of_one_another() {
    // The fast path sorts lines by (subject, predicate, object) instead of as strings.
    // The cases where that could differ: a predicate, subject or object that is a prefix
    // of another (`<…/a>` against `<…/a/b>`: `>` sorts after `/`), literals that are
    // prefixes of others, and labels `_:c14n1` against `_:c14n10`.
    use fastld::nquads::{Term, Triple, canonicalize};
    let iri = |s: &str| Term::Iri(s.into());
    let lit = |v: &str| Term::Literal(v.into(), None, None);
    let typed = |v: &str| Term::Literal(v.into(), Some("http://www.w3.org/2001/XMLSchema#integer"), None);
    let t = |s: Term, p, o: Term| Triple { s, p, o };
    let preds: [(&'static str, &'static str); 5] = [
        ("https://example.org/", "a"),
        ("https://example.org/", "a/b"),
        ("https://example.org/", "a#"),
        ("https://example.org/a", ""),
        ("https://example.org/", "a0"),
    ];
    let objects = || {
        vec![
            iri("https://example.org/a"),
            iri("https://example.org/a/b"),
            iri("https://example.org/a#"),
            lit("a"),
            lit("a b"),
            lit("ab"),
            lit(""),
            typed("1"),
            typed("10"),
        ]
    };
    let mut triples = Vec::new();
    for subject in [iri("urn:a"), iri("urn:a:b"), iri("urn:a/"), iri("urn:ab")] {
        for (i, p) in preds.iter().enumerate() {
            for o in objects().into_iter().skip(i) {
                triples.push(t(subject.clone(), *p, o));
            }
        }
    }
    // Twelve blank nodes, told apart by their values: labels `c14n0` … `c14n11`.
    for b in 0..12 {
        triples.push(t(iri("urn:root"), preds[b % 5], Term::Blank(b)));
        triples.push(t(Term::Blank(b), preds[(b + 1) % 5], lit(&format!("value {b}"))));
        triples.push(t(Term::Blank(b), preds[0], Term::Blank((b + 1) % 12)));
        triples.push(t(Term::Blank(b), preds[1], objects()[b % 9].clone()));
    }
    let fast = canonicalize(&triples, 12).expect("within the budget");
    assert_eq!(fast, general_canonical(&triples));
    let lines: Vec<&str> = fast.lines().collect();
    assert!(lines.is_sorted(), "code point order");
    assert!(fast.contains("_:c14n10 ") && fast.contains("_:c14n1 "));
}

#[test]
fn labels_past_the_made_ones_are_written_as_the_general_path_writes_them() {
    // The fast path makes the first 1,024 `_:c14n` labels once and formats the rest:
    // 1,100 blank nodes, most told apart by their values; the last ten alike at first
    // degree, so that N-degree hashing meets labels of both kinds.
    use fastld::nquads::{Term, Triple, canonicalize};
    let p = |local: &'static str| ("https://example.org/", local);
    let mut triples = Vec::new();
    let n = 1100;
    for b in 0..n {
        triples.push(Triple { s: Term::Iri("urn:root".into()), p: p("has"), o: Term::Blank(b) });
        let value = if b < 1090 { format!("value {b}") } else { "alike".to_owned() };
        triples.push(Triple { s: Term::Blank(b), p: p("value"), o: Term::Literal(value, None, None) });
        if b >= 1090 {
            triples.push(Triple { s: Term::Blank(b), p: p("next"), o: Term::Blank(b - 1090) });
        }
    }
    let fast = canonicalize(&triples, n).expect("within the budget");
    assert_eq!(fast, general_canonical(&triples));
    assert!(fast.contains("_:c14n1099 ") && fast.contains("_:c14n1023 ") && fast.contains("_:c14n1024 "));
}

/// RDFC-1.0 of `triples` by ssi's implementation (the general path's).
fn general_canonical(triples: &[fastld::nquads::Triple]) -> String {
    use fastld::nquads::Term;
    use rdf_types::{BlankIdBuf, Id, IriBuf, LexicalQuad, Literal, LiteralType, Quad, Term as RdfTerm};
    let id = |t: &Term| match t {
        Term::Iri(i) => Id::Iri(IriBuf::new(i.clone()).expect("iri")),
        Term::Blank(b) => Id::Blank(BlankIdBuf::new(format!("_:b{b}")).expect("blank")),
        Term::Literal(..) => unreachable!("no literal subjects"),
    };
    let quads: Vec<LexicalQuad> = triples
        .iter()
        .map(|t| {
            let o = match &t.o {
                Term::Literal(v, dt, _) => RdfTerm::Literal(Literal::new(
                    v.clone(),
                    LiteralType::Any(
                        IriBuf::new(dt.unwrap_or("http://www.w3.org/2001/XMLSchema#string").into()).expect("iri"),
                    ),
                )),
                other => RdfTerm::Id(id(other)),
            };
            Quad(id(&t.s), IriBuf::new(format!("{}{}", t.p.0, t.p.1)).expect("iri"), o, None)
        })
        .collect();
    ssi::rdf::urdna2015::normalize(quads.iter().map(Quad::as_lexical_quad_ref)).into_nquads()
}

/// A value repeated in an array (the assessment types of an achievement, a blank node) is
/// one triple: an RDF dataset is a set. The general path counted each copy
/// in the blank node's hash (a fuzz finding), so its `_:c14n` labels differed from the
/// fast path's and from jsonld.js's, and such a credential verified only on the path that
/// signed it. All three now agree, and a proof signed on one path verifies on the other.
#[tokio::test]
async fn repeated_array_values_count_once_on_both_paths_and_in_jsonld_js() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let rec = &all_valid_records()[0];
    let issued = issue(rec, &key, &fixture_clock(), &mut rng, &IssueOptions::default()).await.expect("issue");
    let mut doc = unsigned(&issued.credential);
    let subject = &mut doc["credentialSubject"];
    let t = subject["type"].clone();
    let first = t.as_array().and_then(|a| a.first()).cloned().unwrap_or(t);
    subject["type"] = json!([first.clone(), first.clone(), first]);
    subject["achievement"]["assessment"]["assessmentType"] = Value::Array(vec![json!("written_exam"); 1000]);
    let general = canonical_nquads(&doc).await.expect("general");
    assert_eq!(general.matches("vocab#assessmentType>").count(), 1, "one assessment type triple:\n{general}");
    // Where the fast path takes it, it agrees.
    if let Some(typed) = fastld::as_ours(&doc)
        && let Some(fast) = fastld::canonical(&typed)
    {
        assert_eq!(fast, general);
    }
    // Signed on the general path, verified on the fast one and back.
    let created = issued.credential["proof"][0]["created"].as_str().expect("created").parse().expect("date");
    let secret: ssi::JWK = serde_json::from_str(&key.to_private_json()).expect("jwk");
    let (vm, did, public) = (key.verification_method(), key.did(), key.public_jwk());
    let mut signed = doc.clone();
    signed["proof"] = json!([proof::sign_general(&doc, &secret, vm, did, created).await.expect("sign")]);
    proof::verify(&signed, vm, did, &public).await.expect("fast verify of a general signature");
    proof::verify_general(&signed, vm, did, &public).await.expect("general verify");

    let canon = crate::helpers::root().join("tests/js/canon.mjs");
    if !crate::helpers::root().join("tests/js/node_modules/jsonld").is_dir() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the JS interop tests: run `npm ci` in tests/js");
        eprintln!("SKIP: tests/js/node_modules missing (run `npm ci` in tests/js); jsonld.js not compared");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("doc.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    let out = std::process::Command::new("node").arg(&canon).arg(&file).output().expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), general);
}

/// What the general JSON-LD processor refuses, the fast path does not take either (fuzz
/// finding: it canonicalised a credential with a whole number outside 64 bits, and one
/// nested deeper than the JSON-LD limit, that the general path refuses).
#[tokio::test]
async fn the_fast_path_refuses_what_the_general_path_refuses() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let rec = &all_valid_records()[0];
    let issued = issue(rec, &key, &fixture_clock(), &mut rng, &IssueOptions::default()).await.expect("issue");
    assert!(fastld::as_ours(&issued.credential).is_some(), "our credential takes the fast path");
    let text = issued.credential.to_string();
    let ects = issued.credential["credentialSubject"]["achievement"]["creditsAvailable"].to_string();
    let huge: Value = serde_json::from_str(&text.replacen(
        &format!("\"creditsAvailable\":{ects}"),
        "\"creditsAvailable\":18446744073709551616",
        1,
    ))
    .expect("json");
    assert_ne!(huge, issued.credential, "the number was replaced");
    assert!(canonical_nquads(&unsigned(&huge)).await.is_err(), "the general path refuses it");
    assert!(fastld::as_ours(&huge).is_none(), "so does the fast path");

    // The term check remembers the last achievement it found writable on this thread:
    // every refused shape below follows one it accepted.
    let accepted = fastld::as_ours(&unsigned(&issued.credential)).expect("our shape");
    assert!(fastld::emit::check(&accepted).is_ok());
    // A language map key that is not a well-formed BCP 47 tag: the JSON-LD processor does
    // not keep it as a language, so the fast path leaves the credential to it.
    for tag in ["microcredential", "1e-999"] {
        let mut odd = issued.credential.clone();
        odd["credentialSubject"]["achievement"]["localizedName"][tag] = "x".into();
        let typed = fastld::as_ours(&odd).expect("still our shape");
        assert_eq!(fastld::canonical(&typed), None, "{tag}");
        assert!(fastld::emit::check(&typed).is_err(), "{tag}: the term check says so too");
    }
    // Text with a control character and an id that is not an IRI: refused by both walks.
    for (at, value) in [("name", "tab\there"), ("id", "not an iri")] {
        let mut odd = issued.credential.clone();
        odd["credentialSubject"]["achievement"][at] = value.into();
        let typed = fastld::as_ours(&odd).expect("still our shape");
        assert!(fastld::emit::credential(&typed).is_err() && fastld::emit::check(&typed).is_err(), "{at}");
        assert!(fastld::emit::check(&accepted).is_ok(), "{at}: the accepted one again");
    }
}

#[tokio::test]
async fn only_the_blank_nodes_of_the_definition_are_remembered_and_they_hold_nothing_of_the_learner() {
    use fastld::nquads::Term;
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    for rec in all_valid_records() {
        let id = rec["record_id"].as_str().unwrap_or("?").to_owned();
        let (credential, typed) = issued_typed(&rec, &key, &mut rng).await;
        let g = fastld::emit::credential(&typed).expect("emit");
        assert!(!g.definition.is_empty(), "{id}: the achievement has blank nodes");
        // The learner's own values, as they appear in the credential.
        let subject = &credential["credentialSubject"];
        let mut personal: Vec<String> = subject["identifier"]
            .as_array()
            .expect("identifiers")
            .iter()
            .flat_map(|i| [i["identityHash"].as_str(), i["salt"].as_str()])
            .flatten()
            .map(str::to_owned)
            .collect();
        personal
            .extend(["activityStartDate", "activityEndDate"].map(|k| subject[k].as_str().expect("date").to_owned()));
        assert!(personal.len() >= 4, "{id}");
        let text = |t: &Term| match t {
            Term::Iri(s) | Term::Literal(s, _, _) => s.clone(),
            Term::Blank(_) => String::new(),
        };
        let mut learner_blanks = 0;
        for b in 0..g.blanks {
            // What the first-degree quads of `b` hold.
            let mentions: Vec<String> = g
                .triples
                .iter()
                .filter(|t| t.s == Term::Blank(b) || t.o == Term::Blank(b))
                .flat_map(|t| [text(&t.s), text(&t.o)])
                .collect();
            let holds_learner = mentions.iter().any(|m| personal.iter().any(|p| m.contains(p.as_str())));
            if g.definition.contains(&b) {
                assert!(!holds_learner, "{id}: remembered blank node {b} holds learner data: {mentions:?}");
            } else if holds_learner {
                learner_blanks += 1;
            }
        }
        assert!(learner_blanks >= 2, "{id}: the identifiers and the subject are outside the definition");
    }
}

/// A credential whose achievement was written before on the same thread gets the same
/// triples as on a thread that never saw it: the remembered triples' blank nodes are
/// renumbered after the credential's own, however many of those there are.
#[tokio::test]
async fn an_achievement_written_again_gives_the_triples_of_a_first_writing() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let mut checked = 0;
    for rec in all_valid_records() {
        let id = rec["record_id"].as_str().unwrap_or("?").to_owned();
        let (_, typed) = issued_typed(&rec, &key, &mut rng).await;
        // The same achievement after fewer and more blank nodes of the learner's.
        let mut fewer = typed.clone();
        fewer.credential_subject.identifier.clear();
        fewer.credential_subject.result.clear();
        let mut more = typed.clone();
        let extra = more.credential_subject.identifier.clone();
        more.credential_subject.identifier.extend(extra);
        let extra = more.credential_subject.result.clone();
        more.credential_subject.result.extend(extra);
        let variants = [typed, fewer, more];
        // Each variant written first on a fresh thread: what the triples must be.
        let cold: Vec<fastld::emit::Graph> = variants
            .iter()
            .map(|v| {
                let v = v.clone();
                std::thread::spawn(move || fastld::emit::credential(&v).expect("emit")).join().expect("thread")
            })
            .collect();
        assert!(cold[1].definition.start < cold[0].definition.start, "{id}: fewer blank nodes before the achievement");
        assert!(cold[2].definition.start > cold[0].definition.start, "{id}: more blank nodes before the achievement");
        // All of them on one thread, each after the others (so from memory).
        let warm = {
            let variants = variants.clone();
            std::thread::spawn(move || {
                [0, 1, 2, 0, 2, 1].map(|i| (i, fastld::emit::credential(&variants[i]).expect("emit")))
            })
            .join()
            .expect("thread")
        };
        for (i, g) in warm {
            assert_eq!(g.triples, cold[i].triples, "{id}: variant {i}");
            assert_eq!((g.blanks, g.definition.clone()), (cold[i].blanks, cold[i].definition.clone()), "{id}: {i}");
            let canonical = |g: &fastld::emit::Graph| {
                fastld::nquads::canonicalize_remembering(&g.triples, g.blanks, g.definition.clone())
            };
            assert_eq!(canonical(&g), canonical(&cold[i]), "{id}: variant {i}");
            checked += 1;
        }
    }
    assert!(checked >= 6 * 16, "{checked} credentials compared");
}
