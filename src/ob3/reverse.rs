//! Credential → record, so a verifier can re-check the microcredential rules on any
//! credential that carries our extension, with findings pointing into the credential.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{LangMap, OpenBadgeCredential};
use crate::domain::{Institution, ParseOptions};

/// Whether a credential claims to carry our extension (its achievement is typed
/// `FlemishMicroCredential`).
pub fn has_extension(credential: &Value) -> bool {
    credential
        .pointer("/credentialSubject/achievement/type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|v| v == "FlemishMicroCredential"))
}

/// The record a credential was issued from, as far as the credential says, and how to
/// read it. Fails when the credential does not have our typed shape.
pub fn to_record(credential: &Value) -> Result<(Value, ParseOptions), String> {
    let c = OpenBadgeCredential::deserialize(credential).map_err(|e| e.to_string())?;
    let s = &c.credential_subject;
    let a = &s.achievement;
    let institution_id = Institution::by_name(&c.issuer.name).map_or(c.issuer.name.clone(), |i| i.id.to_owned());
    let split = |m: &Option<LangMap>| -> (Value, Value) {
        let get = |l: &str| m.as_ref().and_then(|m| m.get(l)).map_or(Value::Null, |t| json!(t));
        (get("nl"), get("en"))
    };
    let (assess_nl, assess_en) = split(&a.assessment.assessment_description);
    let (qa_nl, qa_en) = split(&a.quality_assurance.qa_description);
    let prerequisites = a.prerequisites.as_ref().map_or(Value::Null, |p| json!(p));
    let components: Vec<Value> = a
        .components
        .iter()
        .map(|c| {
            json!({
                "code": c.component_code,
                "origin": c.origin,
                "title_nl": c.localized_name.get("nl"),
                "title_en": c.localized_name.get("en"),
                "ects": c.credits_available,
                "vks_level": c.vks_level,
                "source_programme": c.source_programme.as_ref().map(|sp| json!({
                    "name_nl": sp.programme_name.as_ref().and_then(|n| n.get("nl")),
                    "programme_type": sp.programme_type,
                })),
            })
        })
        .collect();
    let outcomes: Vec<Value> = a
        .learning_outcomes
        .iter()
        .map(|lo| json!({"id": lo.outcome_code, "nl": lo.outcome_text.get("nl"), "en": lo.outcome_text.get("en")}))
        .collect();
    let name_identity = s.identifier.iter().find(|i| i.identity_type == "name" && !i.hashed);
    let hashed_email_present = s.identifier.iter().any(|i| i.identity_type == "emailAddress" && i.hashed);
    let result = s.result.first();
    let record = json!({
        "microcredential": {
            "id": a.id,
            "offering_kind": "microcredential",
            "institution_id": institution_id,
            "platform": a.lll_platform,
            "title_nl": a.localized_name.get("nl"),
            "title_en": a.localized_name.get("en"),
            "mc_type": a.microcredential_type,
            "ects": a.credits_available,
            "ects_exception": a.ects_exception,
            "ects_exception_reason": a.ects_exception_reason,
            "vks_level": a.vks_level,
            "level_tie_choice_reason": a.level_tie_choice_reason,
            "delivery_mode": a.delivery_mode,
            "languages": a.languages_of_instruction,
            "isced_f_code": a.isced_f.as_deref().map(|i| i.trim_start_matches("http://data.europa.eu/snb/isced-f/")),
            "learning_outcomes": outcomes,
            "assessment": {
                "types": a.assessment.assessment_type,
                "announced_in_advance": a.assessment.announced_in_advance,
                "description_nl": assess_nl,
                "description_en": assess_en,
            },
            "supervision_id_verification": a.supervision_and_id_verification,
            "quality_assurance": {
                "type": a.quality_assurance.qa_type,
                "external_review": a.quality_assurance.external_review,
                "description_nl": qa_nl,
                "description_en": qa_en,
            },
            "prerequisites": prerequisites,
            "components": components,
            "stackability": a.stackability,
            "stackable_towards": a.stackable_towards,
            "credit_certificates": a.credit_certificates,
            "further_information_url": a.criteria.id,
        },
        "award": {
            "learner": {
                "learner_id": s.id,
                "given_name": name_identity.map(|i| i.identity_hash.clone()),
                "family_name": null,
                "email": null,
            },
            "activity_start_date": date_part(&s.activity_start_date),
            "activity_end_date": date_part(&s.activity_end_date),
            "date_of_issuing": date_part(&c.awarded_date),
            "academic_term": s.term,
            "credits_earned": s.credits_earned,
            "grade": result.and_then(|r| r.value.clone()),
            "result_status": result.map(|r| r.status.to_lowercase()),
        }
    });
    Ok((record, ParseOptions { hashed_email_present }))
}

fn date_part(s: &str) -> String {
    s.get(..10).unwrap_or(s).to_owned()
}

/// Translates a JSON Pointer into the recovered record to one into the credential.
pub fn credential_path(record_path: &str) -> String {
    const A: &str = "/credentialSubject/achievement";
    let tokens: Vec<&str> = record_path.split('/').skip(1).collect();
    let rest = |from: usize, map: &dyn Fn(&str) -> String| -> String {
        tokens.get(from..).unwrap_or(&[]).iter().map(|t| format!("/{}", map(t))).collect()
    };
    match tokens.as_slice() {
        ["microcredential", field, ..] => {
            let base = match *field {
                "id" => "/id".into(),
                "institution_id" => return "/issuer/name".into(),
                "title_nl" => return format!("{A}/localizedName/nl"),
                "title_en" => return format!("{A}/localizedName/en"),
                "isced_f_code" => "/iscedF".into(),
                "further_information_url" => return format!("{A}/criteria/id"),
                "supervision_id_verification" => "/supervisionAndIdVerification".into(),
                "languages" => "/languagesOfInstruction".into(),
                "mc_type" => "/microcredentialType".into(),
                "ects" => "/creditsAvailable".into(),
                "vks_level" => "/vksLevel".into(),
                "platform" => "/lllPlatform".into(),
                other => format!("/{}", camel(other)),
            };
            let sub = rest(2, &|t| match t {
                "types" => "assessmentType".into(),
                "type" => "qaType".into(),
                "id" => "outcomeCode".into(),
                "nl" | "en" => format!("outcomeText/{t}"),
                "code" => "componentCode".into(),
                "ects" => "creditsAvailable".into(),
                "title_nl" => "localizedName/nl".into(),
                "title_en" => "localizedName/en".into(),
                other => camel(other),
            });
            format!("{A}{base}{sub}")
        }
        ["award", "learner", ..] => "/credentialSubject/identifier".into(),
        ["award", "date_of_issuing", ..] => "/awardedDate".into(),
        ["award", "grade", ..] => "/credentialSubject/result/0/value".into(),
        ["award", "academic_term", ..] => "/credentialSubject/term".into(),
        ["award", field, ..] => format!("/credentialSubject/{}", camel(field)),
        _ => record_path.to_owned(),
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Keeps only the members of an object that are not JWT registered claims (a VC-JWT
/// payload is the credential plus `iss`, `jti`, `nbf`, `sub`, `exp`).
pub fn without_jwt_claims(payload: &Map<String, Value>) -> Map<String, Value> {
    payload
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "iss" | "jti" | "nbf" | "sub" | "exp" | "iat" | "aud"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::credential_path;

    #[test]
    fn record_paths_translate_to_credential_paths() {
        let cases = [
            ("/microcredential/ects", "/credentialSubject/achievement/creditsAvailable"),
            ("/microcredential/vks_level", "/credentialSubject/achievement/vksLevel"),
            ("/microcredential/assessment/types/1", "/credentialSubject/achievement/assessment/assessmentType/1"),
            ("/microcredential/learning_outcomes/2", "/credentialSubject/achievement/learningOutcomes/2"),
            ("/microcredential/components/0/vks_level", "/credentialSubject/achievement/components/0/vksLevel"),
            ("/microcredential/ects_exception_reason", "/credentialSubject/achievement/ectsExceptionReason"),
            ("/microcredential/institution_id", "/issuer/name"),
            ("/award/date_of_issuing", "/awardedDate"),
            ("/award/credits_earned", "/credentialSubject/creditsEarned"),
            ("/award/learner", "/credentialSubject/identifier"),
        ];
        for (from, to) in cases {
            assert_eq!(credential_path(from), to, "{from}");
        }
    }
}
