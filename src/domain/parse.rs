//! Parsing a raw record into a validated [`Record`]: every rule MC-R01..MC-R21 of the
//! fixtures README, all findings at once. Each rule lives in exactly one function
//! (`r01_learner`, `r08_ects`, …) that returns the typed value it vouches for.

use chrono::NaiveDate;
use serde_json::Value;
use url::Url;

use super::institution::Institution;
use super::reader::{Field, Obj};
use super::record::*;
use super::report::{Findings, ValidationReport};
use super::rules_components::{self, LooseComponent};
use super::types::*;
use crate::clock::Clock;

/// Fields of the record envelope.
const RECORD_FIELDS: &[&str] =
    &["record_id", "summary", "microcredential", "award", "expected_errors", "expected_warnings"];
/// Fields of `microcredential`.
const MC_FIELDS: &[&str] = &[
    "id",
    "offering_kind",
    "institution_id",
    "platform",
    "title_nl",
    "title_en",
    "mc_type",
    "ects",
    "ects_exception",
    "ects_exception_reason",
    "vks_level",
    "level_tie_choice_reason",
    "delivery_mode",
    "languages",
    "isced_f_code",
    "learning_outcomes",
    "assessment",
    "supervision_id_verification",
    "quality_assurance",
    "prerequisites",
    "components",
    "stackability",
    "stackable_towards",
    "credit_certificates",
    "further_information_url",
];
/// Fields of `award`.
const AWARD_FIELDS: &[&str] = &[
    "learner",
    "activity_start_date",
    "activity_end_date",
    "date_of_issuing",
    "academic_term",
    "credits_earned",
    "grade",
    "result_status",
];

/// How a record is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// The learner's e-mail is known only as a salted hash (a record recovered from an
    /// issued credential); it still identifies the learner for MC-R01.
    pub hashed_email_present: bool,
}

/// Validates a record and, when it has no errors, returns it typed, with its warnings.
pub fn parse_record(value: &Value, clock: &dyn Clock) -> Result<(Record, ValidationReport), ValidationReport> {
    parse_record_with(value, clock, ParseOptions::default())
}

/// [`parse_record`] with options.
pub fn parse_record_with(
    value: &Value,
    clock: &dyn Clock,
    options: ParseOptions,
) -> Result<(Record, ValidationReport), ValidationReport> {
    let mut f = Findings::default();
    let record = read_record(value, clock, options, &mut f);
    finish(record, f)
}

/// A record read with its findings: typed when it has no errors.
fn finish(record: Option<Record>, mut f: Findings) -> Result<(Record, ValidationReport), ValidationReport> {
    match record {
        Some(r) if !f.has_errors() => Ok((r, f.into_report())),
        _ => {
            if !f.has_errors() {
                // Defensive: a rule returned nothing without saying why.
                f.format("format.invalid_record", "", "The record could not be read.");
            }
            Err(f.into_report())
        }
    }
}

/// Validates a microcredential definition on its own (`{"microcredential": {...}}`), for
/// registering it before any award: every rule that does not need an award.
pub fn parse_definition(value: &Value) -> Result<(Microcredential, ValidationReport), ValidationReport> {
    let mut f = Findings::default();
    let def = match value {
        Value::Object(map) => {
            let root = Obj::new(map, "");
            root.reject_unknown(&["microcredential"], &mut f);
            object_at(&root.field("microcredential"), "microcredential", &mut f)
                .and_then(|m| read_microcredential(&Obj::new(m, "/microcredential"), &mut f))
        }
        other => {
            f.format(
                "format.wrong_type",
                "",
                format!("Expected {{\"microcredential\": {{...}}}}, found {}.", super::reader::type_name(other)),
            );
            None
        }
    };
    match def {
        Some(d) if !f.has_errors() => Ok((d, f.into_report())),
        _ => {
            if !f.has_errors() {
                f.format("format.invalid_record", "", "The definition could not be read.");
            }
            Err(f.into_report())
        }
    }
}

fn object_at<'a>(field: &Field<'a>, what: &str, f: &mut Findings) -> Option<&'a serde_json::Map<String, Value>> {
    match field.object() {
        Ok(Some(o)) => Some(o),
        Ok(None) => {
            f.format(
                "format.required",
                field.path(),
                format!("'{what}' is required: an object (see the record format)."),
            );
            None
        }
        Err(found) => {
            field.wrong_type(f, "an object", found);
            None
        }
    }
}

fn read_record(value: &Value, clock: &dyn Clock, options: ParseOptions, f: &mut Findings) -> Option<Record> {
    let Value::Object(map) = value else {
        f.format(
            "format.wrong_type",
            "",
            format!(
                "A record must be a JSON object with 'microcredential' and 'award', found {}.",
                super::reader::type_name(value)
            ),
        );
        return None;
    };
    read_members(map, Definition::InRecord { text: None }, clock, options, f)
}

/// Where a record's `microcredential` member is.
enum Definition<'a> {
    /// In the record's map (the text it was parsed from, when known, is remembered with
    /// the definition).
    InRecord { text: Option<&'a str> },
    /// Read before on this thread from the same text; the record's map has no
    /// `microcredential` member.
    Known(&'a Remembered),
}

/// The members of a record object; see [`Definition`] for where its definition is.
fn read_members(
    map: &serde_json::Map<String, Value>,
    definition: Definition<'_>,
    clock: &dyn Clock,
    options: ParseOptions,
    f: &mut Findings,
) -> Option<Record> {
    let root = Obj::new(map, "");
    root.reject_unknown(RECORD_FIELDS, f);
    let mc = match &definition {
        Definition::Known(known) => Some(&known.json),
        Definition::InRecord { .. } => object_at(&root.field("microcredential"), "microcredential", f),
    }
    .map(|m| Obj::new(m, "/microcredential"));
    let aw = object_at(&root.field("award"), "award", f).map(|m| Obj::new(m, "/award"));
    if let (Some(mc), Some(aw)) = (&mc, &aw) {
        r21_credits_earned(mc, aw, f);
    }
    let mc = mc.and_then(|mc| read_microcredential_remembered(&mc, &definition, f));
    let award = aw.and_then(|aw| read_award(&aw, clock, options, f));
    Some(Record { microcredential: mc?, award: award? })
}

/// [`parse_record`] from the record's JSON text: `Err` when the text is not JSON.
///
/// The same answer as parsing the text into a [`Value`] and calling [`parse_record`],
/// for less: a batch's records repeat one definition, and a definition whose text is,
/// byte for byte, one this thread read before without any finding (the last few are
/// remembered, with their JSON) is neither parsed into a tree nor compared member by
/// member again. Records that are not a plain object of distinct members
/// take the [`Value`] path.
pub fn parse_record_text(
    text: &str,
    clock: &dyn Clock,
) -> Result<Result<(Record, ValidationReport), ValidationReport>, serde_json::Error> {
    let Some(members) = Members::split(text) else {
        let value: Value = serde_json::from_str(text)?;
        return Ok(parse_record(&value, clock));
    };
    let definition_text = members.0.iter().find(|(k, _)| k == "microcredential").map(|(_, v)| v.get());
    let known = definition_text.and_then(|text| {
        DEFINITIONS.with_borrow(|remembered| {
            remembered.iter().find(|r| r.text.as_deref() == Some(text)).map(std::rc::Rc::clone)
        })
    });
    let mut map = serde_json::Map::with_capacity(members.0.len());
    for (key, raw) in &members.0 {
        if known.is_none() || key != "microcredential" {
            map.insert(key.clone(), serde_json::from_str(raw.get())?);
        }
    }
    let mut f = Findings::default();
    let definition = match &known {
        Some(known) => Definition::Known(known),
        None => Definition::InRecord { text: definition_text },
    };
    let record = read_members(&map, definition, clock, ParseOptions::default(), &mut f);
    Ok(finish(record, f))
}

/// The members of a JSON object, as their unparsed text, in order; `None` for anything
/// else (not JSON, not an object, a member named twice).
struct Members<'a>(Vec<(String, &'a serde_json::value::RawValue)>);

impl<'a> Members<'a> {
    fn split(text: &'a str) -> Option<Self> {
        let members: Self = serde_json::from_str(text).ok()?;
        let distinct = members.0.iter().enumerate().all(|(i, (k, _))| members.0[..i].iter().all(|(o, _)| o != k));
        distinct.then_some(members)
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members<'a>, A::Error> {
                let mut members = Vec::with_capacity(8);
                while let Some(member) = map.next_entry::<String, &'de serde_json::value::RawValue>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// How many definitions each thread remembers (see [`read_microcredential_remembered`]).
const REMEMBERED_DEFINITIONS: usize = 8;

/// A definition read without any finding.
struct Remembered {
    /// The text it was read from, when it was read from text ([`parse_record_text`]).
    text: Option<Box<str>>,
    /// Its JSON.
    json: serde_json::Map<String, Value>,
    /// What reading it gave.
    microcredential: Microcredential,
}

thread_local! {
    /// Definitions this thread read without any finding, oldest first.
    static DEFINITIONS: std::cell::RefCell<Vec<std::rc::Rc<Remembered>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// [`read_microcredential`], remembering the last few definitions read on this thread.
///
/// A batch awards one microcredential to many learners: every record repeats the same
/// definition, the larger part of the record. Reading it is a pure function of its JSON,
/// so a definition whose JSON is the same, member for member and in the same order
/// ([`same_json`]), as one read before without any error or warning is that
/// definition again. Only those are remembered, and only while the record has no error
/// yet (some rules look at the errors already recorded), so the findings of every record
/// stay what reading it afresh gives. `definition` says whether `o` is a definition
/// already found by its text ([`parse_record_text`]), or the text it was parsed from, if
/// any, to remember with it.
fn read_microcredential_remembered(
    o: &Obj<'_>,
    definition: &Definition<'_>,
    f: &mut Findings,
) -> Option<Microcredential> {
    if f.has_errors() {
        return read_microcredential(o, f);
    }
    let text = match definition {
        Definition::Known(known) => return Some(known.microcredential.clone()),
        Definition::InRecord { text } => *text,
    };
    let known = DEFINITIONS.with_borrow(|remembered| {
        remembered.iter().find(|r| same_json_map(&r.json, o.map())).map(|r| r.microcredential.clone())
    });
    if known.is_some() {
        return known;
    }
    let mut own = Findings::default();
    let mc = read_microcredential(o, &mut own);
    if let Some(mc) = mc.as_ref().filter(|_| own.is_empty()) {
        DEFINITIONS.with_borrow_mut(|remembered| {
            if remembered.len() >= REMEMBERED_DEFINITIONS {
                remembered.remove(0);
            }
            remembered.push(std::rc::Rc::new(Remembered {
                text: text.map(Box::from),
                json: o.map().clone(),
                microcredential: mc.clone(),
            }));
        });
    }
    f.append(own);
    mc
}

/// Whether two JSON values are the same, objects with their members in the same order
/// (members in another order count as different: a definition read again, not wrong).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => same_json_map(x, y),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b)),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

fn same_json_map(x: &serde_json::Map<String, Value>, y: &serde_json::Map<String, Value>) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|((k1, v1), (k2, v2))| k1 == k2 && same_json(v1, v2))
}

fn read_microcredential(o: &Obj<'_>, f: &mut Findings) -> Option<Microcredential> {
    o.reject_unknown(MC_FIELDS, f);
    let id = required_url(&o.field("id"), "the stable id of the microcredential definition", f);
    r05_r06_offering_kind(o, f);
    let institution = r04_institution(o, f);
    let platform = enum_field::<Platform>(&o.field("platform"), f);
    let title = r02_r03_title(o, f);
    let mc_type = r07_mc_type(o, f);
    let (ects, ects_exception_reason) = r08_ects(o, f).unzip();
    let level = r11_level(o, f);
    let level_tie_choice_reason = o.field("level_tie_choice_reason").text(f);
    let delivery_mode = r15_delivery_mode(o, f);
    let languages = r18_languages(o, f);
    let isced_f_code = isced(&o.field("isced_f_code"), f);
    let learning_outcomes = r13_learning_outcomes(o, languages.as_ref(), f);
    let assessment = r14_assessment(o, f);
    let supervision = r20_enum::<Supervision>(
        &o.field("supervision_id_verification"),
        "supervision.invalid",
        "supervision and identity verification",
        f,
    );
    let quality_assurance = r16_quality_assurance(o, f);
    let prerequisites = lang_object(&o.field("prerequisites"), f);
    let components = rules_components::read(&o.field("components"), f);
    let stackability = r20_enum::<Stackability>(&o.field("stackability"), "stackability.invalid", "stackability", f);
    let stackable_towards = o.field("stackable_towards").text(f);
    let credit_certificates = o.field("credit_certificates").flag(f).unwrap_or(false);
    let further_information_url = optional_url(&o.field("further_information_url"), f);

    let components = components.and_then(|cs| {
        let t = mc_type?;
        rules_components::r09_composition(t, ects, &cs, f);
        rules_components::r10_source_programmes(&cs, f);
        if let Some(level) = level {
            rules_components::r12_type1_level(t, level, level_tie_choice_reason.is_some(), &cs, f);
        }
        Some(cs.into_iter().filter_map(LooseComponent::build).collect::<Vec<_>>())
    });
    if let Some(t) = mc_type {
        r19_credit_certificates(t, credit_certificates, f);
    }

    Some(Microcredential {
        id: id?,
        institution: institution?,
        platform,
        title: title?,
        mc_type: mc_type?,
        ects: ects?,
        ects_exception_reason: ects_exception_reason?,
        level: level?,
        level_tie_choice_reason,
        delivery_mode: delivery_mode?,
        languages: languages?,
        isced_f_code,
        learning_outcomes: learning_outcomes?,
        assessment: assessment?,
        supervision,
        quality_assurance: quality_assurance?,
        prerequisites,
        components: components?,
        stackability,
        stackable_towards,
        credit_certificates,
        further_information_url,
    })
}

fn read_award(o: &Obj<'_>, clock: &dyn Clock, options: ParseOptions, f: &mut Findings) -> Option<Award> {
    o.reject_unknown(AWARD_FIELDS, f);
    let learner = r01_learner(o, options, f);
    let dates = r17_dates(o, clock, f);
    let academic_term = o.field("academic_term").text(f);
    let credits = o.field("credits_earned");
    let credits_earned = match credits.number() {
        Ok(Some(n)) => Credits::new(n).or_else(|| {
            f.format(
                "format.invalid_value",
                credits.path(),
                format!(
                    "credits_earned is {n}; it must be a number of ECTS credits from 0.001 to 1,000,000, e.g. 6 or 2.5."
                ),
            );
            None
        }),
        Ok(None) => {
            f.format(
                "format.required",
                credits.path(),
                "credits_earned is required: the ECTS credits the learner earned (normally the full workload).",
            );
            None
        }
        Err(found) => {
            credits.wrong_type(f, "a number of ECTS credits", found);
            None
        }
    };
    let grade = o.field("grade").text(f);
    let status = o.field("result_status");
    let result_status = match status.string() {
        Ok(None) => Some(ResultStatus::Completed),
        Ok(Some(s)) => ResultStatus::parse(s).or_else(|| {
            f.format(
                "format.invalid_value",
                status.path(),
                format!(
                    "result_status is '{}'; only completed awards can be issued (allowed: {}).",
                    clip(s),
                    ResultStatus::allowed()
                ),
            );
            None
        }),
        Err(found) => {
            status.wrong_type(f, "text", found);
            None
        }
    };
    let (activity_start_date, activity_end_date, date_of_issuing) = dates?;
    Some(Award {
        learner: learner?,
        activity_start_date,
        activity_end_date,
        date_of_issuing,
        academic_term,
        credits_earned: credits_earned?,
        grade,
        result_status: result_status?,
    })
}

/// Shortens untrusted text quoted in a message.
pub(crate) fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

fn required_url(field: &Field<'_>, what: &str, f: &mut Findings) -> Option<Url> {
    if !field.is_present() {
        f.format("format.required", field.path(), format!("This field is required: {what}, an absolute URL."));
        return None;
    }
    optional_url(field, f)
}

fn optional_url(field: &Field<'_>, f: &mut Findings) -> Option<Url> {
    match field.string() {
        Ok(None) => None,
        Ok(Some(s)) => match Url::parse(s) {
            Ok(_) if !crate::jsonld::iri_percent_encoding_ok(s) => {
                f.format("format.invalid_value", field.path(), format!("'{}' has a percent-encoding that is not UTF-8 (such as %C3 alone); encode the characters as UTF-8 (é is %C3%A9).", clip(s)));
                None
            }
            Ok(u) if s.len() <= 2048 && u.has_host() && matches!(u.scheme(), "https" | "http") => Some(u),
            _ => {
                f.format("format.invalid_value", field.path(), format!("'{}' is not an absolute http(s) URL (at most 2048 characters), e.g. https://www.example.be/mc/ethics.", clip(s)));
                None
            }
        },
        Err(found) => {
            field.wrong_type(f, "a URL (text)", found);
            None
        }
    }
}

fn enum_field<E: EnumValue>(field: &Field<'_>, f: &mut Findings) -> Option<E> {
    match field.string() {
        Ok(None) => None,
        Ok(Some(s)) => E::parse_value(s).or_else(|| {
            f.format(
                "format.invalid_value",
                field.path(),
                format!("'{}' is not allowed here; use one of: {}.", clip(s), E::allowed_values()),
            );
            None
        }),
        Err(found) => {
            field.wrong_type(f, "text", found);
            None
        }
    }
}

/// The closed string sets, for generic helpers.
pub(crate) trait EnumValue: Sized {
    fn parse_value(s: &str) -> Option<Self>;
    fn allowed_values() -> String;
}

macro_rules! enum_value {
    ($($t:ty),*) => {$(
        impl EnumValue for $t {
            fn parse_value(s: &str) -> Option<Self> { <$t>::parse(s) }
            fn allowed_values() -> String { <$t>::allowed() }
        }
    )*};
}
enum_value!(Platform, Supervision, Stackability, ExternalReview, ComponentOrigin, ProgrammeType);

fn isced(field: &Field<'_>, f: &mut Findings) -> Option<String> {
    match field.string() {
        Ok(None) => None,
        Ok(Some(s)) if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) => Some(s.to_owned()),
        Ok(Some(s)) => {
            f.format(
                "format.invalid_value",
                field.path(),
                format!("isced_f_code '{}' is not a 4-digit ISCED-F 2013 code, e.g. 0223.", clip(s)),
            );
            None
        }
        Err(found) => {
            field.wrong_type(f, "a 4-digit code as text", found);
            None
        }
    }
}

/// `{ "nl": "...", "en": "..." }` objects (prerequisites).
pub(crate) fn lang_object(field: &Field<'_>, f: &mut Findings) -> Option<LangText> {
    let map = match field.object() {
        Ok(m) => m?,
        Err(found) => {
            field.wrong_type(f, "an object with 'nl' and/or 'en' text", found);
            return None;
        }
    };
    let o = Obj::new(map, field.path());
    o.reject_unknown(&["nl", "en"], f);
    LangText::new(o.field("nl").text(f), o.field("en").text(f))
}

fn r01_learner(o: &Obj<'_>, options: ParseOptions, f: &mut Findings) -> Option<Learner> {
    let field = o.field("learner");
    let map = match field.object() {
        Ok(Some(m)) => Some(m),
        Ok(None) => None,
        Err(found) => {
            field.wrong_type(f, "an object", found);
            return None;
        }
    };
    let (id, email, given_name, family_name) = match map {
        Some(map) => {
            let l = Obj::new(map, field.path());
            l.reject_unknown(&["learner_id", "given_name", "family_name", "email"], f);
            let id_field = l.field("learner_id");
            let id = match id_field.string() {
                Ok(None) => None,
                Ok(Some(s)) if !crate::jsonld::iri_percent_encoding_ok(s) => {
                    f.format(
                        "format.invalid_value",
                        id_field.path(),
                        format!(
                            "learner_id '{}' has a percent-encoding that is not UTF-8 (such as %C3 alone); encode the characters as UTF-8.",
                            clip(s)
                        ),
                    );
                    None
                }
                Ok(Some(s)) => Url::parse(s).ok().filter(|_| s.len() <= 2048).or_else(|| {
                    f.format(
                        "format.invalid_value",
                        id_field.path(),
                        format!("learner_id '{}' is not a URI; use e.g. urn:uuid:… or a DID.", clip(s)),
                    );
                    None
                }),
                Err(found) => {
                    id_field.wrong_type(f, "a URI (text)", found);
                    None
                }
            };
            let email_field = l.field("email");
            let email = match email_field.string() {
                Ok(None) => None,
                Ok(Some(s)) => Email::parse(s).or_else(|| {
                    f.format(
                        "format.invalid_value",
                        email_field.path(),
                        "email is not a valid e-mail address (name@domain.tld).",
                    );
                    None
                }),
                Err(found) => {
                    email_field.wrong_type(f, "an e-mail address (text)", found);
                    None
                }
            };
            (id, email, l.field("given_name").text(f), l.field("family_name").text(f))
        }
        None => (None, None, None, None),
    };
    let has_id = id.is_some() || email.is_some() || options.hashed_email_present;
    let has_name = given_name.is_some() || family_name.is_some();
    let identified = has_id && has_name;
    if !identified && !f.has_error_at(field.path()) {
        let missing = match (has_id, has_name) {
            (false, false) => "both an identifier and a name are missing",
            (false, true) => "the identifier is missing",
            _ => "the name is missing",
        };
        f.error(
            "MC-R01",
            "learner.identification_missing",
            field.path(),
            format!("The learner must be identified: a learner_id or e-mail, plus a given or family name (Annex I: identification of the learner); {missing}."),
        );
    }
    Some(Learner { id, email, given_name, family_name })
}

fn r02_r03_title(o: &Obj<'_>, f: &mut Findings) -> Option<LangText> {
    let nl = o.field("title_nl");
    let en = o.field("title_en");
    let (tnl, ten) = (nl.text(f), en.text(f));
    for (field, text) in [(&nl, &tnl), (&en, &ten)] {
        if let Some(m) = text.as_deref().and_then(|t| forbidden_term().find(t)) {
            f.error(
                "MC-R03",
                "title.forbidden_term",
                field.path(),
                format!("Title contains '{}'; the terms micro-degree and micro-master may not be used in Flanders (afsprakenkader). Call it a microcredential.", m.as_str()),
            );
        }
    }
    let title = LangText::new(tnl, ten);
    if title.is_none() && !f.has_error_at(nl.path()) && !f.has_error_at(en.path()) {
        f.error("MC-R02", "title.missing", nl.path(), "A title is required (Annex I): give title_nl and/or title_en.");
    }
    title
}

fn forbidden_term() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::RegexBuilder::new(r"micro[\s\-_]*(degree|master)")
            .case_insensitive(true)
            .build()
            .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
    })
}

fn r04_institution(o: &Obj<'_>, f: &mut Findings) -> Option<&'static Institution> {
    let field = o.field("institution_id");
    let found = match field.string() {
        Ok(s) => s,
        Err(t) => {
            f.error(
                "MC-R04",
                "issuer.unknown_institution",
                field.path(),
                format!("institution_id must be text naming one of the 18 institutions, found {t}."),
            );
            return None;
        }
    };
    let inst = found.and_then(Institution::by_id);
    if inst.is_none() {
        let what = found.map_or("is missing".to_owned(), |s| {
            format!("'{}' is not one of the 18 Flemish higher-education institutions this issuer serves", clip(s))
        });
        let ids: Vec<&str> = super::institution::INSTITUTIONS.iter().map(|i| i.id).collect();
        f.error(
            "MC-R04",
            "issuer.unknown_institution",
            field.path(),
            format!("Institution {what}; use one of: {}.", ids.join(", ")),
        );
    }
    inst
}

fn r05_r06_offering_kind(o: &Obj<'_>, f: &mut Findings) {
    let field = o.field("offering_kind");
    let kind = match field.string() {
        Ok(Some(s)) => OfferingKind::parse(s).ok_or_else(|| format!("'{}'", clip(s))),
        Ok(None) => Err("missing".to_owned()),
        Err(t) => Err(t.to_owned()),
    };
    match kind {
        Ok(OfferingKind::Microcredential) => {}
        Ok(OfferingKind::Postgraduate) => f.error(
            "MC-R05",
            "offering.postgraduate_not_microcredential",
            field.path(),
            "Postgraduate programmes (postgraduaten) are not microcredentials under the Flemish framework; they cannot be issued here.",
        ),
        Ok(_) => f.error(
            "MC-R06",
            "offering.bridging_or_preparatory_not_microcredential",
            field.path(),
            "Bridging and preparatory programmes (schakel- en voorbereidingsprogramma's) lead to another programme and are not microcredentials.",
        ),
        Err(found) => f.error(
            "MC-R05",
            "offering.not_microcredential",
            field.path(),
            format!("offering_kind is {found}; only offering_kind 'microcredential' can be issued as a microcredential."),
        ),
    }
}

fn r07_mc_type(o: &Obj<'_>, f: &mut Findings) -> Option<McType> {
    let field = o.field("mc_type");
    let found = match field.integer() {
        Ok(Some(n)) => match McType::new(n) {
            Some(t) => return Some(t),
            None => n.to_string(),
        },
        Ok(None) => "missing".to_owned(),
        Err(t) => t,
    };
    f.error(
        "MC-R07",
        "mc_type.invalid",
        field.path(),
        format!("mc_type is {found}; it must be 1, 2, 3 or 4 (the four Flemish microcredential types)."),
    );
    None
}

fn r08_ects(o: &Obj<'_>, f: &mut Findings) -> Option<(Credits, Option<String>)> {
    let field = o.field("ects");
    let flag_field = o.field("ects_exception");
    let reason_field = o.field("ects_exception_reason");
    let exception = flag_field.flag(f).unwrap_or(false);
    let reason = reason_field.text(f);
    let ects = match field.number() {
        Ok(Some(n)) => Credits::new(n),
        Ok(None) => None,
        Err(_) => None,
    };
    let Some(ects) = ects else {
        let shown = field.value.map_or("missing".to_owned(), |v| v.to_string().chars().take(40).collect());
        f.error(
            "MC-R08",
            "ects.invalid",
            field.path(),
            format!("ects is {shown}; it must be a number of ECTS credits from 0.001 to 1,000,000 (normally 3-20)."),
        );
        return None;
    };
    let n = ects.get();
    if n < 3.0 {
        f.error("MC-R08", "ects.below_minimum", field.path(), format!("ECTS is {n}; a microcredential needs at least 3 ECTS (afsprakenkader: normally 3-20, exceptions only above 20)."));
    } else if n >= 60.0 {
        f.error("MC-R08", "ects.at_or_above_master_minimum", field.path(), format!("ECTS is {n}; even with an exception a microcredential must stay below 60 ECTS, the minimum size of a master."));
    } else if n > 20.0 && !exception {
        f.error("MC-R08", "ects.above_20_without_exception", flag_field.path(), format!("ECTS is {n} (> 20) but ects_exception is not true; set the exception flag and give a reason, or reduce the workload."));
    } else if n > 20.0 && reason.is_none() {
        f.error("MC-R08", "ects.exception_reason_missing", reason_field.path(), format!("ECTS is {n} with ects_exception true, but ects_exception_reason is empty; explain why this microcredential needs more than 20 ECTS."));
    } else if n <= 20.0 && exception {
        f.warning("MC-R08", "ects.exception_flag_unneeded", flag_field.path(), format!("ects_exception is true but ECTS is {n} (≤ 20); the exception is only needed above 20 ECTS. Set it to false."));
    }
    let reason = if n > 20.0 { reason } else { None };
    Some((ects, reason))
}

fn r11_level(o: &Obj<'_>, f: &mut Findings) -> Option<Level> {
    let field = o.field("vks_level");
    let found = match field.integer() {
        Ok(Some(n)) => match Level::new(n) {
            Some(l) => {
                if l.get() < 5 {
                    f.warning(
                        "MC-R11",
                        "level.below_higher_education",
                        field.path(),
                        format!("VKS level {n} is below higher-education levels (5-8); check that this is intended."),
                    );
                }
                return Some(l);
            }
            None => format!("VKS level {n} does not exist"),
        },
        Ok(None) => "vks_level is missing".to_owned(),
        Err(t) => format!("vks_level is {t}"),
    };
    f.error(
        "MC-R11",
        "level.out_of_range",
        field.path(),
        format!("{found}; the Flemish Qualifications Framework has levels 1-8 (referenced 1:1 to EQF 1-8)."),
    );
    None
}

fn r13_learning_outcomes(
    o: &Obj<'_>,
    languages: Option<&NonEmptyVec<LanguageTag>>,
    f: &mut Findings,
) -> Option<NonEmptyVec<LearningOutcome>> {
    let field = o.field("learning_outcomes");
    let items = match field.array() {
        Ok(Some(a)) if !a.is_empty() => a,
        Ok(_) => {
            f.error("MC-R13", "learning_outcomes.missing", field.path(), "At least one learning outcome is required (Annex I mandatory element; leerresultaten vooraf meegedeeld).");
            return None;
        }
        Err(t) => {
            f.error(
                "MC-R13",
                "learning_outcomes.missing",
                field.path(),
                format!("learning_outcomes must be a list of outcomes, found {t}."),
            );
            return None;
        }
    };
    let mut out = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{}/{i}", field.path());
        let Value::Object(map) = item else {
            f.format(
                "format.wrong_type",
                &path,
                format!(
                    "A learning outcome must be an object {{\"id\", \"nl\", \"en\"}}, found {}.",
                    super::reader::type_name(item)
                ),
            );
            continue;
        };
        let lo = Obj::new(map, &path);
        lo.reject_unknown(&["id", "nl", "en"], f);
        let id_field = lo.field("id");
        let id = id_field.text(f).unwrap_or_else(|| format!("LO{}", i + 1));
        if !ids.insert(id.clone()) {
            f.format(
                "format.duplicate",
                id_field.path(),
                format!("Learning outcome id '{}' is used twice; ids must be unique.", clip(&id)),
            );
        }
        let text = LangText::new(lo.field("nl").text(f), lo.field("en").text(f));
        let in_instruction_language = match (&text, languages) {
            (Some(t), Some(langs)) => langs.iter().any(|l| t.get(l.primary()).is_some()),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !in_instruction_language && !f.has_error_at(&path) {
            let langs =
                languages.map_or(String::new(), |l| l.iter().map(LanguageTag::as_str).collect::<Vec<_>>().join(", "));
            f.error("MC-R13", "learning_outcomes.language_mismatch", &path, format!("Learning outcome {} has no text in a language of instruction ({langs}); add the text in that language.", clip(&id)));
        }
        if let Some(text) = text {
            out.push(LearningOutcome { id, text });
        }
    }
    NonEmptyVec::new(out)
}

fn r14_assessment(o: &Obj<'_>, f: &mut Findings) -> Option<Assessment> {
    let field = o.field("assessment");
    let map = match field.object() {
        Ok(Some(m)) => m,
        Ok(None) => {
            f.error("MC-R14", "assessment.missing", field.path(), "Type of assessment is mandatory (Annex I) and the learning outcomes must be assessed (afsprakenkader).");
            return None;
        }
        Err(t) => {
            f.error(
                "MC-R14",
                "assessment.missing",
                field.path(),
                format!("assessment must be an object with 'types' and 'announced_in_advance', found {t}."),
            );
            return None;
        }
    };
    let a = Obj::new(map, field.path());
    a.reject_unknown(&["types", "announced_in_advance", "description_nl", "description_en"], f);
    let types_field = a.field("types");
    let raw = match types_field.array() {
        Ok(Some(v)) if !v.is_empty() => v.as_slice(),
        _ => {
            f.error(
                "MC-R14",
                "assessment.missing",
                types_field.path(),
                format!("Give at least one assessment type; allowed: {}.", AssessmentType::allowed()),
            );
            &[]
        }
    };
    let mut types = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        match t.as_str().and_then(AssessmentType::parse) {
            Some(t) if !types.contains(&t) => types.push(t),
            Some(_) => {}
            None => f.error(
                "MC-R14",
                "assessment.unknown_type",
                format!("{}/{i}", types_field.path()),
                format!("Unknown assessment type {}; allowed: {}.", clip(&t.to_string()), AssessmentType::allowed()),
            ),
        }
    }
    if !types.is_empty() && types.iter().all(|t| *t == AssessmentType::LevelOfAttendance) {
        f.error(
            "MC-R14",
            "assessment.attendance_only",
            types_field.path(),
            "Attendance alone is not an assessment of the learning outcomes; add the assessment type that tests them.",
        );
    }
    let announced = a.field("announced_in_advance");
    if announced.boolean() != Ok(Some(true)) {
        f.error("MC-R14", "assessment.not_announced", announced.path(), "announced_in_advance must be true: the assessment format is announced to students in advance (afsprakenkader).");
    }
    let description = LangText::new(a.field("description_nl").text(f), a.field("description_en").text(f));
    Some(Assessment { types: NonEmptyVec::new(types)?, description })
}

fn r15_delivery_mode(o: &Obj<'_>, f: &mut Findings) -> Option<DeliveryMode> {
    let field = o.field("delivery_mode");
    let mode = field.string().ok().flatten().and_then(DeliveryMode::parse);
    if mode.is_none() {
        let shown = field.value.map_or("missing".to_owned(), |v| clip(&v.to_string()));
        f.error(
            "MC-R15",
            "delivery_mode.invalid",
            field.path(),
            format!(
                "delivery_mode is {shown}; use physical (fysiek), hybrid (hybride) or distance (afstandsonderwijs)."
            ),
        );
    }
    mode
}

fn r16_quality_assurance(o: &Obj<'_>, f: &mut Findings) -> Option<QualityAssurance> {
    let field = o.field("quality_assurance");
    let msg = format!(
        "The type of quality assurance is mandatory (Annex I): give quality_assurance.type, one of: {}.",
        QaType::allowed()
    );
    let map = match field.object() {
        Ok(Some(m)) => m,
        _ => {
            f.error("MC-R16", "quality_assurance.missing", field.path(), msg);
            return None;
        }
    };
    let q = Obj::new(map, field.path());
    q.reject_unknown(&["type", "external_review", "description_nl", "description_en"], f);
    let type_field = q.field("type");
    let qa_type = type_field.string().ok().flatten().and_then(QaType::parse);
    if qa_type.is_none() {
        f.error("MC-R16", "quality_assurance.missing", type_field.path(), msg);
    }
    let external_review = enum_field::<ExternalReview>(&q.field("external_review"), f);
    let description = LangText::new(q.field("description_nl").text(f), q.field("description_en").text(f));
    Some(QualityAssurance { qa_type: qa_type?, external_review, description })
}

fn parse_date(field: &Field<'_>, f: &mut Findings) -> Option<NaiveDate> {
    let found = match field.string() {
        Ok(Some(s)) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if s.len() == 10 => return Some(d),
            _ => format!("'{}'", clip(s)),
        },
        Ok(None) => "missing".to_owned(),
        Err(t) => t.to_owned(),
    };
    f.error("MC-R17", "dates.invalid", field.path(), format!("Date is {found}; give a calendar date as YYYY-MM-DD."));
    None
}

fn r17_dates(o: &Obj<'_>, clock: &dyn Clock, f: &mut Findings) -> Option<(NaiveDate, NaiveDate, NaiveDate)> {
    let (sf, ef, df) = (o.field("activity_start_date"), o.field("activity_end_date"), o.field("date_of_issuing"));
    let (start, end, issued) = (parse_date(&sf, f), parse_date(&ef, f), parse_date(&df, f));
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        f.error(
            "MC-R17",
            "dates.start_after_end",
            sf.path(),
            format!("The learning activity starts on {s}, after it ends on {e}."),
        );
    }
    if let (Some(e), Some(d)) = (end, issued)
        && d < e
    {
        f.error(
            "MC-R17",
            "dates.issued_before_activity_end",
            df.path(),
            format!("Date of issuing {d} is before the end of the learning activity {e}."),
        );
    }
    if let Some(d) = issued {
        let today = clock.today();
        if d > today {
            f.error(
                "MC-R17",
                "dates.issued_in_future",
                df.path(),
                format!("Date of issuing {d} is in the future (today is {today}); issue on or after that date."),
            );
        }
    }
    Some((start?, end?, issued?))
}

fn r18_languages(o: &Obj<'_>, f: &mut Findings) -> Option<NonEmptyVec<LanguageTag>> {
    let field = o.field("languages");
    let items = match field.array() {
        Ok(Some(a)) if !a.is_empty() => a,
        _ => {
            f.error(
                "MC-R18",
                "languages.missing",
                field.path(),
                "Give at least one language of instruction as a BCP 47 code, e.g. [\"nl\"] or [\"nl\", \"en\"].",
            );
            return None;
        }
    };
    let mut out: Vec<LanguageTag> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str().and_then(LanguageTag::parse) {
            Some(tag) if !out.contains(&tag) => out.push(tag),
            Some(_) => {}
            None => f.format(
                "format.invalid_value",
                format!("{}/{i}", field.path()),
                format!("{} is not a BCP 47 language code such as nl, en or nl-BE.", clip(&item.to_string())),
            ),
        }
    }
    NonEmptyVec::new(out)
}

fn r19_credit_certificates(t: McType, credit_certificates: bool, f: &mut Findings) {
    if credit_certificates && !t.has_components() {
        f.error("MC-R19", "credit_certificates.not_allowed_for_type", "/microcredential/credit_certificates", format!("Credit certificates (creditbewijzen) can only be issued for types 1 and 2; this is type {}. Set credit_certificates to false.", t.get()));
    }
}

fn r20_enum<E: EnumValue>(field: &Field<'_>, code: &str, what: &str, f: &mut Findings) -> Option<E> {
    let s = match field.string() {
        Ok(s) => s?,
        Err(t) => {
            f.error(
                "MC-R20",
                code,
                field.path(),
                format!("{what} must be text, found {t}; allowed: {}.", E::allowed_values()),
            );
            return None;
        }
    };
    E::parse_value(s).or_else(|| {
        f.error(
            "MC-R20",
            code,
            field.path(),
            format!("'{}' is not a valid value for {what}; allowed: {}.", clip(s), E::allowed_values()),
        );
        None
    })
}

fn r21_credits_earned(mc: &Obj<'_>, award: &Obj<'_>, f: &mut Findings) {
    let (Ok(Some(earned)), Ok(Some(ects))) = (award.field("credits_earned").number(), mc.field("ects").number()) else {
        return; // missing or malformed numbers are reported by their own checks
    };
    if ects <= 0.0 {
        return; // an invalid workload is reported by MC-R08; comparing with it says nothing
    }
    if earned > ects + 1e-9 {
        f.error("MC-R21", "credits_earned.exceeds_ects", "/award/credits_earned", format!("credits_earned is {earned}, more than the workload of {ects} ECTS; a learner cannot earn more credits than the microcredential carries."));
    }
}
