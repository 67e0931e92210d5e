//! The real inputs the targets start from, made once per process and deterministic: a
//! fixed Ed25519 key, the crate's and the shared record fixtures, credentials issued
//! from them in both representations (with revocation entries, some revoked), the
//! signed status list they point to, and factorially expensive credentials.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use chrono::{NaiveDate, TimeZone, Utc};
use microcred::clock::FixedClock;
use microcred::crypto::did::Resolver;
use microcred::crypto::keys::IssuerKey;
use microcred::crypto::proof;
use microcred::domain::parse_record;
use microcred::issuance::{IssueOptions, issue_record_both};
use microcred::status::bitstring::Bitstring;
use microcred::status::check::{GivenStatusLists, NoStatusLists};
use microcred::status::entry::{Purpose, entry_json, list_credential};
use microcred::verify::{Expect, VerifyContext};
use rand::SeedableRng;
use serde_json::{Value, json};

/// The status list every issued credential points to.
pub const LIST_URL: &str = "https://status.example/lists/7";

/// Everything the targets share.
pub struct Fixtures {
    pub key: IssuerKey,
    pub signing: ed25519_dalek::SigningKey,
    pub clock: FixedClock,
    pub resolver: Resolver,
    pub lists: GivenStatusLists,
    /// Valid and invalid records (crate and shared fixtures).
    pub records: Vec<Value>,
    /// Signed JSON credentials (eddsa-rdfc-2022).
    pub credentials: Vec<Value>,
    /// The same credentials as VC-JWTs.
    pub jwts: Vec<String>,
    /// The signed status list credential.
    pub list: Value,
    /// Factorially expensive credentials (n look-alike related blank nodes), n = 3..=9.
    pub hostile: Vec<Value>,
    /// The unsigned credential of the official OB 3.0 test vector.
    pub vector: Value,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json_file(path: PathBuf) -> Option<Value> {
    let text = std::fs::read_to_string(&path).ok()?;
    Some(serde_json::from_str(&text).expect("fixture files are JSON"))
}

fn array(v: Option<Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a,
        _ => vec![],
    }
}

/// The shared fixtures (`../shared/fixtures`), when present.
fn shared(kind: &str) -> Vec<Value> {
    let path = root().join(format!("../shared/fixtures/microcredentials-{kind}.json"));
    if !path.is_file() {
        eprintln!("SKIP: ../shared is absent; the fuzz corpus has only this crate's fixtures");
    }
    array(json_file(path))
}

thread_local! {
    static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

/// Runs a future on this thread's single-threaded runtime (verification drives its
/// async parts this way on the service's CPU pool too).
pub fn block_on<F: Future>(f: F) -> F::Output {
    RUNTIME.with(|rt| {
        let mut rt = rt.borrow_mut();
        let rt = rt.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
        });
        rt.block_on(f)
    })
}

/// `n` Achievement blank nodes, each `related` to all the others (as in tests/api/hostile.rs).
pub fn hostile_credential(key: &IssuerKey, n: usize) -> Value {
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let related: Vec<Value> = (0..n).filter(|j| *j != i).map(|j| json!({"id": format!("_:a{j}")})).collect();
            json!({"id": format!("_:a{i}"), "type": ["Achievement"], "name": "x", "related": related})
        })
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": key.did(),
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "x",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": nodes},
        "proof": [{
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2025-01-01T00:00:00Z",
            "verificationMethod": key.verification_method(),
            "proofPurpose": "assertionMethod",
            "proofValue": "z3u81phh43fGiq2gu24bhD4Pf4qHGBkaRyG6qTCUTBcKFVqr2438XZStyLbZo5hxpopLcZLU3Ana79wbaS5qRWz7a"
        }]
    })
}

impl Fixtures {
    fn make() -> Self {
        let signing = ed25519_dalek::SigningKey::from_bytes(&[12u8; 32]);
        let jwk: ssi::JWK = serde_json::from_value(json!({
            "kty": "OKP", "crv": "Ed25519",
            "x": BASE64_URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes()),
            "d": BASE64_URL_SAFE_NO_PAD.encode(signing.to_bytes()),
        }))
        .expect("jwk");
        let key = IssuerKey::from_jwk(jwk).expect("key");
        let clock = FixedClock::at_date(NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"));

        let mut records = array(json_file(root().join("tests/fixtures/valid.json")));
        records.extend(shared("valid"));
        records.extend(array(json_file(root().join("tests/fixtures/invalid.json"))));
        records.extend(shared("invalid"));
        if let Some(example) = json_file(root().join("tests/fixtures/record-example.json")) {
            records.push(example);
        }

        // Every odd index of the list revoked.
        let mut bits = Bitstring::zeroed(131_072);
        for i in (1..64).step_by(2) {
            bits.set(i, true).expect("bit");
        }
        let now = Utc.with_ymd_and_hms(2025, 8, 31, 12, 0, 0).single().expect("date");
        let mut list =
            list_credential(LIST_URL, key.did(), Purpose::Revocation, &bits, now, chrono::Duration::days(30), 300_000);
        list["proof"] = block_on(proof::sign(&list, &key, now)).expect("sign list");

        let mut ids = rand::rngs::StdRng::seed_from_u64(12);
        let (mut credentials, mut jwts) = (Vec::new(), Vec::new());
        for (i, rec) in records.iter().enumerate() {
            let Ok((record, warnings)) = parse_record(rec, &clock) else { continue };
            let valid_until = (i % 3 == 2).then(|| Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).single().expect("date"));
            let options = IssueOptions {
                valid_until,
                credential_status: Some(entry_json(LIST_URL, Purpose::Revocation, i % 8)),
                ..Default::default()
            };
            let issued =
                block_on(issue_record_both(&record, warnings, &key, &clock, &mut ids, &options)).expect("issue");
            credentials.push(issued.credential);
            jwts.push(issued.jwt.expect("jwt"));
        }
        assert!(credentials.len() >= 10, "the fixtures give signed credentials");
        let lists = GivenStatusLists {
            lists: HashMap::from([(LIST_URL.to_owned(), list.clone())]),
            fallback: Box::new(NoStatusLists),
        };
        let hostile = (3..=9).map(|n| hostile_credential(&key, n)).collect();
        let vector = json_file(root().join("tests/vectors/ob3-eddsa-rdfc-2022.json"))
            .map(|v| v["credential"].clone())
            .unwrap_or(Value::Null);
        Self {
            key,
            signing,
            clock,
            resolver: Resolver::new(),
            lists,
            records,
            credentials,
            jwts,
            list,
            hostile,
            vector,
        }
    }

    /// The verification context of the service's `POST /api/v1/verify`, with the status
    /// list given instead of fetched.
    pub fn ctx(&self) -> VerifyContext<'_> {
        VerifyContext {
            resolver: &self.resolver,
            status: &self.lists,
            clock: &self.clock,
            expect: Expect::default(),
            trust: microcred::trust::TrustRegistry::empty(),
        }
    }

    /// Signs `header.payload` with the fixture key (a JWT the verifier's signature check
    /// accepts whatever the mutated header and payload say).
    pub fn sign_jws(&self, signing_input: &str) -> String {
        use ed25519_dalek::Signer;
        let sig = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", BASE64_URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    /// Replaces the proof of a JSON document by a fresh one from the fixture key, if the
    /// document can be signed at all (the general JSON-LD path may refuse it).
    pub fn resign(&self, doc: &mut Value) -> bool {
        let Value::Object(o) = doc else { return false };
        o.shift_remove("proof");
        let now = Utc.with_ymd_and_hms(2025, 8, 31, 12, 0, 0).single().expect("date");
        let budget = ssi::rdf::urdna2015::WorkBudget::begin(microcred::verify::CANONICALISATION_BUDGET);
        let signed = block_on(proof::sign(doc, &self.key, now));
        if budget.exceeded() {
            return false;
        }
        match signed {
            Ok(p) => {
                doc["proof"] = Value::Array(vec![p]);
                true
            }
            Err(_) => false,
        }
    }
}

pub fn get() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(Fixtures::make)
}
