use microcred::crypto::did::Resolver;
use microcred::crypto::keys::{IssuerKey, KeyAlg};
use microcred::issuance::{Format, IssueOptions, issue};
use microcred::verify::verify_text;
use rand::SeedableRng;

use crate::helpers::*;

#[tokio::test]
async fn every_valid_record_issues_and_verifies_in_both_formats() {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let clock = fixture_clock();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for rec in all_valid_records() {
        let id = rec["record_id"].as_str().unwrap_or("?").to_owned();
        for format in [Format::Ldp, Format::Jwt] {
            let opts = IssueOptions { format, ..Default::default() };
            let issued =
                issue(&rec, &key, &clock, &mut rng, &opts).await.unwrap_or_else(|e| panic!("{id}/{format:?}: {e}"));
            let report = verify_text(&issued.to_wire(), &Resolver::new(), &clock).await;
            assert!(report.valid, "{id}/{format:?}: {}", serde_json::to_string_pretty(&report).unwrap());
        }
    }
}
