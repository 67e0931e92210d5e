//! Property tests: random valid records always give schema-valid, verifiable
//! credentials; random mutations never panic the validator or the verifier.

use microcred::crypto::did::Resolver;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::domain::{INSTITUTIONS, parse_record};
use microcred::issuance::{Format, IssueOptions, issue};
use microcred::schema;
use microcred::verify::verify_text;
use proptest::prelude::*;
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::helpers::*;

const ASSESSMENTS: [&str; 13] = [
    "written_exam",
    "oral_exam",
    "practical_assessment",
    "project_work",
    "portfolio",
    "marked_assignment",
    "continuous_evaluation",
    "peer_assessment",
    "peer_review",
    "group_performance",
    "quiz",
    "problem_based_learning",
    "artefact_assessment",
];

fn text() -> impl Strategy<Value = String> {
    // Printable text, including non-ASCII, quotes and markdown characters.
    "[A-Za-zÀ-ÿ0-9 ,.;:'\"()*#_\\-/–😀]{1,60}".prop_filter("not blank", |s| !s.trim().is_empty())
}

prop_compose! {
    pub fn valid_record()(
        inst in 0..INSTITUTIONS.len(),
        mc_type in 1u8..=4,
        halves in 6u32..=40,          // ECTS = halves / 2, 3..20
        level in 5i64..=8,
        langs in prop::sample::select(vec![vec!["nl"], vec!["en"], vec!["nl", "en"], vec!["en", "nl"]]),
        outcomes in prop::collection::vec((text(), text()), 1..5),
        assess in prop::sample::subsequence(ASSESSMENTS.to_vec(), 1..4),
        mode in prop::sample::select(vec!["physical", "hybrid", "distance"]),
        title in text(),
        learner_id in prop::option::of("[a-f0-9]{8}"),
        email in prop::option::of("[a-z]{1,10}"),
        given in text(),
        grade in prop::option::of(text()),
        optional in any::<(bool, bool, bool)>(),
        earned_fraction in 1u32..=4,
        start_day in 0i64..300,
        length in 1i64..120,
    ) -> Value {
        let ects = f64::from(halves) / 2.0;
        let (components, vks, credit_certs) = match mc_type {
            1 => (vec![json!({"code": "FIX-P1", "origin": "existing_course_unit", "title_nl": "Deel", "ects": ects, "vks_level": 6,
                              "source_programme": {"name_nl": "Bachelor X", "programme_type": "bachelor"}})], 6, optional.0),
            2 => (vec![json!({"code": "FIX-P1", "origin": "existing_course_unit", "title_en": "Part", "ects": ects - 1.0, "vks_level": 7,
                              "source_programme": {"name_nl": "Master X", "programme_type": "master"}}),
                       json!({"code": "FIX-P2", "origin": "new_lll_content", "title_en": "New", "ects": 1.0, "vks_level": 7, "source_programme": null})],
                  level, optional.0),
            _ => (vec![], level, false),
        };
        let email = email.map(|e| format!("{e}@example.org"));
        let learner_id = if email.is_none() && learner_id.is_none() { Some("00000000".to_owned()) } else { learner_id };
        let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date") + chrono::Duration::days(start_day);
        let end = start + chrono::Duration::days(length);
        let issued = end + chrono::Duration::days(length % 7);
        let (t_nl, t_en) = if langs[0] == "nl" { (Some(title.clone()), None) } else { (None, Some(title.clone())) };
        json!({
            "microcredential": {
                "id": format!("https://fixtures.example.org/prop/{inst}/{mc_type}"),
                "offering_kind": "microcredential",
                "institution_id": INSTITUTIONS[inst].id,
                "title_nl": t_nl, "title_en": t_en,
                "mc_type": mc_type, "ects": ects, "vks_level": vks,
                "delivery_mode": mode, "languages": langs,
                "learning_outcomes": outcomes.iter().enumerate().map(|(i, (nl, en))| json!({"id": format!("LO{i}"), "nl": nl, "en": en})).collect::<Vec<_>>(),
                "assessment": {"types": assess, "announced_in_advance": true, "description_en": if optional.1 { Some("Desc") } else { None }},
                "quality_assurance": {"type": "internal_institutional_esg", "external_review": if optional.2 { Some("nvao_institutional_review") } else { None }},
                "prerequisites": if optional.1 { json!({"nl": "Geen"}) } else { Value::Null },
                "supervision_id_verification": if optional.2 { Some("supervised_online_with_identity_verification") } else { None },
                "components": components,
                "stackability": if optional.0 { Some("stackable") } else { None },
                "credit_certificates": credit_certs,
            },
            "award": {
                "learner": {"learner_id": learner_id.map(|id| format!("urn:uuid:{id}-0000-4000-8000-000000000000")), "given_name": given, "email": email},
                "activity_start_date": start.to_string(),
                "activity_end_date": end.to_string(),
                "date_of_issuing": issued.to_string(),
                "credits_earned": ects * f64::from(earned_fraction) / 4.0,
                "grade": grade,
            }
        })
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_records_give_schema_valid_verifiable_credentials(rec in valid_record(), jwt in any::<bool>(), seed in any::<u64>()) {
        let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
        let clock = fixture_clock();
        if let Err(r) = parse_record(&rec, &clock) {
            prop_assert!(false, "generator made an invalid record: {:?}", r.errors);
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let opts = IssueOptions { format: if jwt { Format::Jwt } else { Format::Ldp }, ..Default::default() };
        let rt = rt();
        let issued = rt.block_on(issue(&rec, &key, &clock, &mut rng, &opts)).expect("issue");
        prop_assert!(schema::check(&issued.credential, true).is_empty());
        let report = rt.block_on(verify_text(&issued.to_wire(), &Resolver::new(), &clock));
        prop_assert!(report.valid, "{:?}", report.errors);
    }
}

/// A random JSON value, including huge strings and deep nesting.
fn junk() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::from),
        (1usize..200_000).prop_map(|n| Value::from("x".repeat(n))),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Applies one random change somewhere in a document.
fn mutate(doc: &mut Value, mut choice: u64, replacement: Value) {
    let mut node = doc;
    loop {
        let keys: Vec<String> = match node {
            Value::Object(o) => o.keys().cloned().collect(),
            Value::Array(a) => (0..a.len()).map(|i| i.to_string()).collect(),
            _ => vec![],
        };
        if keys.is_empty() || choice.is_multiple_of(4) {
            *node = replacement;
            return;
        }
        let key = &keys[(choice as usize / 4) % keys.len()];
        choice /= 7;
        if choice.is_multiple_of(5) {
            if let Value::Object(o) = node {
                o.remove(key);
            } else if let Value::Array(a) = node {
                a.remove(key.parse::<usize>().unwrap_or(0));
            }
            return;
        }
        node = match node {
            Value::Object(o) => o.get_mut(key).expect("key"),
            Value::Array(a) => &mut a[key.parse::<usize>().unwrap_or(0)],
            _ => return,
        };
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_mutations_never_panic_the_validator(choices in prop::collection::vec((any::<u64>(), junk()), 1..4)) {
        let mut rec = own_records("valid.json").remove(0);
        for (c, j) in choices {
            mutate(&mut rec, c, j);
        }
        let _ = parse_record(&rec, &fixture_clock());
    }

    #[test]
    fn arbitrary_text_never_panics_the_verifier(text in ".{0,300}", prefix in prop::sample::select(vec!["", "{", "eyJ", "{\"@context\":"])) {
        let _ = rt().block_on(verify_text(&format!("{prefix}{text}"), &Resolver::new(), &fixture_clock()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_mutations_of_a_signed_credential_never_panic_the_verifier(c in any::<u64>(), j in junk(), jwt in any::<bool>()) {
        static SIGNED: std::sync::OnceLock<(Value, String)> = std::sync::OnceLock::new();
        let (cred, token) = SIGNED.get_or_init(|| {
            let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
            let rec = own_records("valid.json").remove(0);
            let mut rng = rand::rngs::StdRng::seed_from_u64(9);
            let rt = rt();
            let ldp = rt.block_on(issue(&rec, &key, &fixture_clock(), &mut rng, &IssueOptions::default())).expect("issue");
            let opts = IssueOptions { format: Format::Jwt, ..Default::default() };
            let jwt = rt.block_on(issue(&rec, &key, &fixture_clock(), &mut rng, &opts)).expect("issue");
            (ldp.credential, jwt.to_wire())
        });
        let text = if jwt {
            use base64::Engine;
            let b64 = base64::prelude::BASE64_URL_SAFE_NO_PAD;
            let parts: Vec<&str> = token.split('.').collect();
            let mut payload: Value = serde_json::from_slice(&b64.decode(parts[1]).expect("b64")).expect("json");
            mutate(&mut payload, c, j);
            format!("{}.{}.{}", parts[0], b64.encode(payload.to_string()), parts[2])
        } else {
            let mut doc = cred.clone();
            mutate(&mut doc, c, j);
            doc.to_string()
        };
        let report = rt().block_on(verify_text(&text, &Resolver::new(), &fixture_clock()));
        // A change anywhere is either harmless JSON re-shaping or a failure; never a panic.
        let _ = report;
    }
}
