use std::collections::BTreeSet;

use microcred::domain::{parse_record, parse_record_text};

use crate::helpers::*;

#[test]
fn every_valid_fixture_validates_without_errors() {
    for rec in all_valid_records() {
        let id = rec["record_id"].as_str().unwrap_or("?").to_owned();
        match parse_record(&rec, &fixture_clock()) {
            Ok((_, report)) => {
                assert!(report.valid && report.errors.is_empty(), "{id}: {report:?}")
            }
            Err(report) => panic!("{id} should be valid: {:#?}", report.errors),
        }
    }
}

fn expected_set(rec: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    rec["expected_errors"]
        .as_array()
        .expect("expected_errors")
        .iter()
        .map(|e| {
            (e["rule"].as_str().unwrap().into(), e["code"].as_str().unwrap().into(), e["path"].as_str().unwrap().into())
        })
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

#[test]
fn own_valid_fixtures_yield_exactly_their_expected_warnings() {
    for rec in own_records("valid.json") {
        let id = rec["record_id"].as_str().unwrap_or("?").to_owned();
        let (_, report) = parse_record(&rec, &fixture_clock()).unwrap_or_else(|r| panic!("{id}: {r:?}"));
        let got: BTreeSet<_> =
            report.warnings.iter().map(|e| (e.rule.clone(), e.code.clone(), e.path.clone())).collect();
        let want: BTreeSet<_> = rec["expected_warnings"]
            .as_array()
            .expect("expected_warnings")
            .iter()
            .map(|e| {
                (
                    e["rule"].as_str().unwrap().into(),
                    e["code"].as_str().unwrap().into(),
                    e["path"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(got, want, "{id}");
    }
}

#[test]
fn every_rule_and_code_of_the_catalogue_is_exercised_by_some_fixture() {
    let catalogue = [
        "learner.identification_missing",
        "title.missing",
        "title.forbidden_term",
        "issuer.unknown_institution",
        "offering.postgraduate_not_microcredential",
        "offering.not_microcredential",
        "offering.bridging_or_preparatory_not_microcredential",
        "mc_type.invalid",
        "ects.invalid",
        "ects.below_minimum",
        "ects.above_20_without_exception",
        "ects.exception_reason_missing",
        "ects.at_or_above_master_minimum",
        "ects.exception_flag_unneeded",
        "components.type1_requires_existing_only",
        "components.type2_requires_existing_and_new",
        "components.not_allowed_for_type",
        "components.ects_sum_mismatch",
        "components.source_programme_invalid",
        "components.level_mismatch",
        "level.out_of_range",
        "level.below_higher_education",
        "level.type1_not_majority",
        "level.type1_tie_choice_invalid",
        "level.tie_choice_reason_missing",
        "learning_outcomes.missing",
        "learning_outcomes.language_mismatch",
        "assessment.missing",
        "assessment.unknown_type",
        "assessment.attendance_only",
        "assessment.not_announced",
        "delivery_mode.invalid",
        "quality_assurance.missing",
        "dates.invalid",
        "dates.start_after_end",
        "dates.issued_before_activity_end",
        "dates.issued_in_future",
        "languages.missing",
        "credit_certificates.not_allowed_for_type",
        "supervision.invalid",
        "stackability.invalid",
        "credits_earned.exceeds_ects",
    ];
    let mut records = own_records("invalid.json");
    records.extend(own_records("valid.json"));
    records.extend(shared_records("invalid").unwrap_or_default());
    let mut seen = BTreeSet::new();
    for rec in &records {
        let report = match parse_record(rec, &fixture_clock()) {
            Ok((_, r)) | Err(r) => r,
        };
        seen.extend(report.errors.into_iter().chain(report.warnings).map(|f| f.code));
    }
    let missing: Vec<_> = catalogue.iter().filter(|c| !seen.contains(**c)).collect();
    // Without ../shared, the shared-only codes may be missing; with it, none may be.
    if shared_dir().is_some() {
        assert!(missing.is_empty(), "codes never produced: {missing:?}");
    }
}

/// What reading `rec` gives, as text (the record and every finding).
fn read_as_text(rec: &serde_json::Value) -> String {
    format!("{:?}", parse_record(rec, &fixture_clock()))
}

/// What reading `rec` gives on a thread that has read nothing before.
fn read_afresh(rec: &serde_json::Value) -> String {
    let rec = rec.clone();
    std::thread::spawn(move || read_as_text(&rec)).join().expect("reading thread")
}

/// Every valid and invalid fixture record, ours and the shared ones.
fn every_record() -> Vec<serde_json::Value> {
    let mut records = all_valid_records();
    records.extend(own_records("invalid.json"));
    records.extend(shared_records("invalid").unwrap_or_default());
    records
}

#[test]
fn a_definition_read_again_gives_what_reading_it_afresh_gives() {
    let mut records = every_record();
    // Records of one definition with another learner, another title, a broken number of
    // credits, and members in another order: each read after the original.
    let base = all_valid_records()[0].clone();
    let mut other_learner = base.clone();
    other_learner["award"]["learner"]["given_name"] = "Another".into();
    let mut other_title = base.clone();
    other_title["microcredential"]["title_en"] = "Another title".into();
    let mut broken_ects = base.clone();
    broken_ects["microcredential"]["ects"] = "five".into();
    let mut reordered = base.clone();
    let mc = reordered["microcredential"].as_object_mut().expect("object");
    let first = mc.keys().next().expect("a member").clone();
    let value = mc.shift_remove(&first).expect("a member");
    mc.insert(first, value);
    let mut broken_award = base.clone();
    broken_award["award"]["credits_earned"] = (-1).into();
    records.extend([base.clone(), other_learner, other_title, broken_ects, reordered, broken_award, base]);
    let afresh: Vec<String> = records.iter().map(read_afresh).collect();
    // One thread reads all of them, twice: every definition is met again.
    let again: Vec<String> = std::thread::spawn(move || {
        let first: Vec<String> = records.iter().map(read_as_text).collect();
        let second: Vec<String> = records.iter().map(read_as_text).collect();
        assert_eq!(first, second, "a second reading differs from the first");
        first
    })
    .join()
    .expect("reading thread");
    assert_eq!(again.len(), afresh.len());
    for (i, (a, b)) in again.iter().zip(&afresh).enumerate() {
        assert_eq!(a, b, "record {i}");
    }
    // The variants above are read as what they are, not as the definition before them.
    let n = afresh.len();
    assert!(afresh[n - 5].contains("Another title") && !afresh[n - 7].contains("Another title"));
    assert!(afresh[n - 4].contains("Err(") && afresh[n - 2].contains("Err(") && afresh[n - 1].contains("Ok("));
}

/// What reading the text `text` gives, as text: `None` when it is not JSON.
fn read_text_as_text(text: &str) -> Option<String> {
    parse_record_text(text, &fixture_clock()).ok().map(|r| format!("{r:?}"))
}

#[test]
fn a_record_read_from_its_text_gives_what_reading_its_json_gives() {
    let mut records = every_record();
    let base = all_valid_records()[0].clone();
    let mut other_title = base.clone();
    other_title["microcredential"]["title_en"] = "Another title".into();
    // Too many credits: an error found before the definition is read (MC-R21).
    let mut too_many_credits = base.clone();
    too_many_credits["award"]["credits_earned"] = 1000.into();
    let mut not_an_object = base.clone();
    not_an_object["microcredential"] = 5.into();
    let mut unknown_member = base.clone();
    unknown_member["unexpected"] = true.into();
    records.extend([base.clone(), other_title, too_many_credits.clone(), not_an_object, unknown_member, base.clone()]);
    let mut texts: Vec<String> = records.iter().map(|r| serde_json::to_string(r).expect("JSON")).collect();
    // The same JSON in other spellings, and texts that are not a record's object.
    texts.push(serde_json::to_string_pretty(&base).expect("JSON"));
    texts.push(serde_json::to_string_pretty(&too_many_credits).expect("JSON"));
    let award = serde_json::to_string(&base["award"]).expect("JSON");
    let definition = serde_json::to_string(&base["microcredential"]).expect("JSON");
    texts.push(format!(r#"{{"microcredential":{definition},"award":{award},"award":{{}}}}"#));
    texts.push(format!(r#"{{"microcredential":{{}},"award":{award},"microcredential":{definition}}}"#));
    texts.push(format!(r#"{{"microcredential":{definition},"award":{award}}}"#));
    for other in ["[1, 2]", "\"text\"", "null", "{}", "{\"microcredential\": null}", "{\"a\":", "", "{} {}"] {
        texts.push(other.to_owned());
    }
    // What the JSON path gives on a thread that has read nothing before.
    let afresh: Vec<Option<String>> =
        texts.iter().map(|t| serde_json::from_str::<serde_json::Value>(t).ok().map(|v| read_afresh(&v))).collect();
    // One thread reads every record through the JSON path, then every text twice: the
    // definitions are met again, remembered from a tree and from a text.
    let texts_again = texts.clone();
    let again: Vec<Option<String>> = std::thread::spawn(move || {
        for t in &texts_again {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
                read_as_text(&v);
            }
        }
        let first: Vec<Option<String>> = texts_again.iter().map(|t| read_text_as_text(t)).collect();
        let second: Vec<Option<String>> = texts_again.iter().map(|t| read_text_as_text(t)).collect();
        assert_eq!(first, second, "a second reading differs from the first");
        first
    })
    .join()
    .expect("reading thread");
    // And on a thread of its own, the text path first.
    let alone: Vec<Option<String>> = texts
        .iter()
        .map(|t| {
            let t = t.clone();
            std::thread::spawn(move || read_text_as_text(&t)).join().expect("reading thread")
        })
        .collect();
    assert_eq!(again.len(), afresh.len());
    for (i, ((a, b), c)) in again.iter().zip(&afresh).zip(&alone).enumerate() {
        assert_eq!(a, b, "text {i}: {}", texts[i].chars().take(80).collect::<String>());
        assert_eq!(c, b, "text {i} alone");
    }
    // The texts that are not JSON are said to be so; the rest are read.
    let n = texts.len();
    assert!(afresh[n - 3].is_none() && afresh[n - 2].is_none() && afresh[n - 1].is_none());
    assert!(afresh[..n - 3].iter().all(Option::is_some));
    assert!(afresh[n - 9].as_deref().is_some_and(|r| r.starts_with("Ok(")), "a record rebuilt from its parts reads");
}
