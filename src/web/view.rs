//! What the credential page shows, read from the credential JSON (a Data Integrity
//! credential, or the credential in a VC-JWT payload) into plain strings in the page
//! language. Every field is optional: a credential from another issuer, or one with
//! fields missing or of the wrong type, still gives a page. Annex I elements follow
//! the mapping table in README.md ("The mapping").

use serde::Serialize;
use serde_json::Value;

use super::Lang;
use super::fmt::{at, date, first, in_lang, level_number, localized, number, safe_url, str_at};
use super::labels::{self, label};

/// One component (course unit) of a type 1 or 2 microcredential.
#[derive(Debug, Serialize)]
pub struct ComponentView {
    code: Option<String>,
    title: Option<String>,
    ects: Option<String>,
    level: Option<u64>,
    origin: Option<String>,
    programme: Option<String>,
}

/// The Flemish type and its one-line explanation.
#[derive(Debug, Serialize)]
pub struct McTypeView {
    number: u64,
    explanation: Option<&'static str>,
}

/// Everything the credential page shows about the credential.
#[derive(Debug, Default, Serialize)]
pub struct CredentialView {
    /// Whether the credential carries our microcredential extension.
    pub ours: bool,
    /// Title in the page language.
    pub title: Option<String>,
    description: Option<String>,
    learner: Option<String>,
    issuer_name: Option<String>,
    issuer_url: Option<String>,
    /// The issuer's id (a DID).
    pub issuer_id: Option<String>,
    /// The credential's id.
    pub credential_id: Option<String>,
    country: Option<String>,
    issued_on: Option<String>,
    workload: Option<String>,
    credits_earned: Option<String>,
    ects_exception_reason: Option<String>,
    level: Option<String>,
    mc_type: Option<McTypeView>,
    delivery: Option<String>,
    outcomes: Vec<String>,
    assessment_types: Vec<String>,
    assessment_description: Option<String>,
    announced: bool,
    supervision: Option<String>,
    grade: Option<String>,
    qa: Vec<String>,
    qa_description: Option<String>,
    prerequisites: Option<String>,
    stackability: Option<String>,
    stackable_towards: Option<String>,
    components: Vec<ComponentView>,
    credit_certificates: Option<bool>,
    activity_period: Option<String>,
    term: Option<String>,
    languages: Vec<String>,
    field: Option<String>,
    more_info_url: Option<String>,
    platform: Option<String>,
    narrative: Option<String>,
}

/// A wire value's label, or the value itself when it has none.
fn labelled(table: &'static [(&str, &str, &str)], v: Option<&Value>, lang: Lang) -> Option<String> {
    let raw = v.and_then(Value::as_str)?.trim();
    (!raw.is_empty()).then(|| label(table, raw, lang).map_or_else(|| raw.to_owned(), str::to_owned))
}

fn array(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

/// The learner's name: the plain `name` identity, else `credentialSubject.name`.
/// Never a hashed identity such as the e-mail hash.
fn learner(subject: &Value) -> Option<String> {
    array(subject.get("identifier"))
        .find(|id| {
            id.get("identityType").and_then(Value::as_str) == Some("name")
                && id.get("hashed").and_then(Value::as_bool) == Some(false)
        })
        .and_then(|id| str_at(id, &["identityHash"]))
        .or_else(|| str_at(subject, &["name"]))
}

/// `België / Belgium`-style bilingual text: the part for the page language.
fn bilingual(s: &str, lang: Lang) -> String {
    match s.split_once(" / ") {
        Some((nl, en)) => if lang == Lang::Nl { nl } else { en }.trim().to_owned(),
        None => s.to_owned(),
    }
}

fn country(issuer: &Value, lang: Lang) -> Option<String> {
    let addr = issuer.get("address")?;
    let country = str_at(addr, &["addressCountryCode"])
        .and_then(|c| label(labels::COUNTRY, &c, lang).map(str::to_owned))
        .or_else(|| str_at(addr, &["addressCountry"]).map(|c| bilingual(&c, lang)));
    let region = str_at(addr, &["addressRegion"]).map(|r| bilingual(&r, lang));
    let parts: Vec<String> = country.into_iter().chain(region).collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn level(a: &Value, lang: Lang) -> Option<String> {
    let vks = a.get("vksLevel").and_then(level_number);
    let eqf = a.get("eqfLevel").and_then(level_number);
    let vks_word = if lang == Lang::Nl { "VKS-niveau" } else { "VKS level" };
    match (vks, eqf) {
        (Some(v), Some(e)) => Some(format!("{vks_word} {v} (EQF {e})")),
        (Some(v), None) => Some(format!("{vks_word} {v}")),
        (None, Some(e)) => Some(format!("EQF {e}")),
        (None, None) => None,
    }
}

fn field_of_study(a: &Value, lang: Lang) -> Option<String> {
    let code = str_at(a, &["fieldOfStudy"])
        .map(|f| f.trim_start_matches("ISCED-F").trim().to_owned())
        .or_else(|| str_at(a, &["iscedF"])?.rsplit('/').next().map(str::to_owned))?;
    let broad = code.get(..2).and_then(|b| label(labels::ISCED_BROAD, b, lang));
    Some(match broad {
        Some(b) if code.chars().all(|c| c.is_ascii_digit()) => format!("ISCED-F {code} ({b})"),
        _ => format!("ISCED-F {code}"),
    })
}

fn component(c: &Value, lang: Lang) -> ComponentView {
    let programme = c.get("sourceProgramme").map(|sp| {
        let name = sp.get("programmeName").and_then(|n| localized(n, lang));
        let kind = labelled(labels::PROGRAMME_TYPE, sp.get("programmeType"), lang);
        match (name, kind) {
            (Some(n), Some(k)) => format!("{n} ({k})"),
            (n, k) => n.or(k).unwrap_or_default(),
        }
    });
    ComponentView {
        code: str_at(c, &["componentCode"]),
        title: c.get("localizedName").and_then(|m| in_lang(m, lang)).or_else(|| str_at(c, &["name"])),
        ects: c.get("creditsAvailable").and_then(|n| number(n, lang)),
        level: c.get("vksLevel").and_then(level_number),
        origin: labelled(labels::COMPONENT_ORIGIN, c.get("origin"), lang),
        programme: programme.filter(|p| !p.is_empty()),
    }
}

fn period(subject: &Value, lang: Lang) -> Option<String> {
    let start = str_at(subject, &["activityStartDate"]).map(|d| date(&d, lang));
    let end = str_at(subject, &["activityEndDate"]).map(|d| date(&d, lang));
    match (start, end) {
        (Some(s), Some(e)) => Some(format!("{s} – {e}")),
        (s, e) => s.or(e),
    }
}

/// Reads the credential.
pub fn credential_view(c: &Value, lang: Lang) -> CredentialView {
    let subject = c.get("credentialSubject").map(first).unwrap_or(&Value::Null);
    let a = subject.get("achievement").unwrap_or(&Value::Null);
    let issuer = c.get("issuer").unwrap_or(&Value::Null);
    let ours = a.get("microcredentialType").is_some()
        || array(a.get("type")).any(|t| t.as_str() == Some("FlemishMicroCredential"));
    let title = a
        .get("localizedName")
        .and_then(|m| in_lang(m, lang))
        .or_else(|| str_at(a, &["name"]))
        .or_else(|| str_at(c, &["name"]));
    let description = a
        .get("localizedDescription")
        .and_then(|m| in_lang(m, lang))
        .or_else(|| str_at(a, &["description"]))
        .or_else(|| str_at(c, &["description"]));
    let issued = ["validFrom", "issuanceDate", "awardedDate"].iter().find_map(|k| str_at(c, &[k]));
    let assessment = a.get("assessment").unwrap_or(&Value::Null);
    let qa = a.get("qualityAssurance").unwrap_or(&Value::Null);
    let mut view = CredentialView {
        ours,
        title,
        description,
        learner: learner(subject),
        issuer_name: issuer.as_object().and_then(|_| str_at(issuer, &["name"])),
        issuer_url: str_at(issuer, &["url"]).and_then(|u| safe_url(&u)),
        issuer_id: issuer.as_str().map(str::to_owned).or_else(|| str_at(issuer, &["id"])),
        credential_id: str_at(c, &["id"]),
        country: country(issuer, lang),
        issued_on: issued.map(|d| date(&d, lang)),
        grade: array(subject.get("result")).find_map(|r| str_at(r, &["value"])),
        narrative: str_at(a, &["criteria", "narrative"]),
        ..Default::default()
    };
    if !ours {
        return view;
    }
    view.workload = a.get("creditsAvailable").and_then(|n| number(n, lang));
    view.credits_earned = subject.get("creditsEarned").and_then(|n| number(n, lang));
    if a.get("ectsException").and_then(Value::as_bool) == Some(true) {
        view.ects_exception_reason = str_at(a, &["ectsExceptionReason"]);
    }
    view.level = level(a, lang);
    view.mc_type = a
        .get("microcredentialType")
        .and_then(Value::as_u64)
        .map(|n| McTypeView { number: n, explanation: label(labels::MC_TYPE, &n.to_string(), lang) });
    view.delivery = labelled(labels::DELIVERY_MODE, a.get("deliveryMode"), lang);
    view.outcomes = array(a.get("learningOutcomes"))
        .filter_map(|lo| lo.get("outcomeText").and_then(|t| localized(t, lang)))
        .collect();
    view.assessment_types = array(assessment.get("assessmentType"))
        .filter_map(|t| labelled(labels::ASSESSMENT_TYPE, Some(t), lang))
        .collect();
    view.assessment_description = assessment.get("assessmentDescription").and_then(|d| localized(d, lang));
    view.announced = assessment.get("announcedInAdvance").and_then(Value::as_bool) == Some(true);
    view.supervision = labelled(labels::SUPERVISION, a.get("supervisionAndIdVerification"), lang);
    view.qa = [
        labelled(labels::QA_TYPE, qa.get("qaType"), lang),
        labelled(labels::EXTERNAL_REVIEW, qa.get("externalReview"), lang),
    ]
    .into_iter()
    .flatten()
    .collect();
    view.qa_description = qa.get("qaDescription").and_then(|d| localized(d, lang));
    view.prerequisites = a.get("prerequisites").and_then(|p| localized(p, lang));
    view.stackability = labelled(labels::STACKABILITY, a.get("stackability"), lang);
    view.stackable_towards = str_at(a, &["stackableTowards"]);
    view.components = array(a.get("components")).map(|x| component(x, lang)).collect();
    let certificates = a.get("creditCertificates").and_then(Value::as_bool);
    view.credit_certificates = certificates.filter(|yes| *yes || !view.components.is_empty());
    view.activity_period = period(subject, lang);
    view.term = str_at(subject, &["term"]);
    let langs: Vec<&Value> = match at(a, &["languagesOfInstruction"]) {
        Some(Value::Array(l)) if !l.is_empty() => l.iter().collect(),
        _ => a.get("inLanguage").into_iter().collect(),
    };
    view.languages = langs
        .into_iter()
        .filter_map(Value::as_str)
        .map(|tag| {
            Lang::from_tag(tag)
                .map(Lang::code)
                .or_else(|| tag.split('-').next())
                .and_then(|p| label(labels::LANGUAGE, p, lang))
                .map_or_else(|| tag.to_owned(), str::to_owned)
        })
        .collect();
    view.field = field_of_study(a, lang);
    view.more_info_url = str_at(a, &["criteria", "id"]).and_then(|u| safe_url(&u));
    view.platform = labelled(labels::PLATFORM, a.get("lllPlatform"), lang);
    view
}
