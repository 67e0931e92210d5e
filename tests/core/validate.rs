use std::collections::BTreeSet;

use microcred::domain::parse_record;

use crate::helpers::*;

#[test]
fn every_valid_fixture_validates_without_errors() {
    for rec in all_valid_records() {
        let id = rec["record_id"].as_str().unwrap_or("?").to_owned();
        match parse_record(&rec, &fixture_clock()) {
            Ok((_, report)) => assert!(report.valid && report.errors.is_empty(), "{id}: {report:?}"),
            Err(report) => panic!("{id} should be valid: {:#?}", report.errors),
        }
    }
}

fn expected_set(rec: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    rec["expected_errors"]
        .as_array()
        .expect("expected_errors")
        .iter()
        .map(|e| (e["rule"].as_str().unwrap().into(), e["code"].as_str().unwrap().into(), e["path"].as_str().unwrap().into()))
        .collect()
}

fn check_invalid(records: Vec<serde_json::Value>) {
    for rec in records {
        let id = rec["record_id"].as_str().unwrap_or("?").to_owned();
        let report = parse_record(&rec, &fixture_clock()).expect_err(&id);
        let got: BTreeSet<_> = report.errors.iter().map(|e| (e.rule.clone(), e.code.clone(), e.path.clone())).collect();
        assert_eq!(got, expected_set(&rec), "{id}: {:#?}", report.errors);
        for e in &report.errors {
            assert!(e.message.len() > 20, "{id}: message too terse: {}", e.message);
        }
    }
}

#[test]
fn every_shared_invalid_fixture_yields_exactly_its_expected_errors() {
    if let Some(records) = shared_records("invalid") {
        assert_eq!(records.len(), 12);
        check_invalid(records);
    }
}

#[test]
fn every_own_invalid_fixture_yields_exactly_its_expected_errors() {
    check_invalid(own_records("invalid.json"));
}
