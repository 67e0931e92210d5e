//! Record → OB 3.0 credential. The mapping of every Annex I element and Flemish field
//! is documented in README.md ("Mapping"); it follows `shared/notes/DOMAIN-MAPPING.md`
//! with the changes listed there.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::*;
use crate::domain::types::{DeliveryMode, LangText};
use crate::domain::{Component, Microcredential, Record, institution};
use crate::jsonld::contexts::{CREDENTIALS_V2_URL, MICROCRED_V1_URL, OB_V3P0_URL};

/// The per-credential values that are random in production and fixed in tests.
#[derive(Debug, Clone)]
pub struct MappingInputs {
    /// Issuer identifier (a DID).
    pub issuer_id: String,
    /// Credential id (`urn:uuid:…`).
    pub credential_id: String,
    /// Salt for the e-mail hash.
    pub email_salt: String,
    /// Optional expiry.
    pub valid_until: Option<DateTime<Utc>>,
}

/// Builds the unsigned credential.
pub fn to_credential(record: &Record, inputs: &MappingInputs) -> OpenBadgeCredential {
    let mc = &record.microcredential;
    let inst = mc.institution;
    let achievement = achievement(mc, record.award.grade.is_some());
    OpenBadgeCredential {
        context: vec![CREDENTIALS_V2_URL.into(), OB_V3P0_URL.into(), MICROCRED_V1_URL.into()],
        id: inputs.credential_id.clone(),
        types: vec!["VerifiableCredential".into(), "OpenBadgeCredential".into()],
        name: achievement.name.clone(),
        issuer: Profile {
            id: inputs.issuer_id.clone(),
            types: vec!["Profile".into()],
            name: inst.name.into(),
            url: inst.url.into(),
            address: Address {
                types: vec!["Address".into()],
                address_country: institution::COUNTRY_NAME.into(),
                address_country_code: institution::COUNTRY_CODE.into(),
                address_region: institution::REGION.into(),
            },
        },
        valid_from: date_time(record.award.date_of_issuing),
        valid_until: inputs.valid_until.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        awarded_date: date_time(record.award.date_of_issuing),
        credential_subject: subject(record, inputs, achievement),
        credential_schema: vec![
            CredentialSchema { id: OB_SCHEMA_URL.into(), type_: SCHEMA_VALIDATOR_TYPE.into() },
            CredentialSchema { id: EXTENSION_SCHEMA_URL.into(), type_: SCHEMA_VALIDATOR_TYPE.into() },
        ],
        credential_status: None,
        related_resource: Vec::new(),
    }
}

/// Names our extension context `context_url` and our extension schema
/// `{base}/microcred/schemas/v1.json` instead of their w3id.org URLs, and names the
/// context's digest in `relatedResource`, so that a verifier that fetches the context
/// can check it is the one the credential was signed with.
pub fn publish_extension_under(c: &mut OpenBadgeCredential, context_url: &str, base: &str) {
    c.related_resource = vec![RelatedResource {
        id: context_url.to_owned(),
        digest_sri: crate::jsonld::contexts::sri(MICROCRED_V1_URL).unwrap_or_default(),
        media_type: Some("application/ld+json".into()),
    }];
    for url in &mut c.context {
        if url == MICROCRED_V1_URL {
            context_url.clone_into(url);
        }
    }
    for s in &mut c.credential_schema {
        if s.id == EXTENSION_SCHEMA_URL {
            s.id = format!("{base}{EXTENSION_SCHEMA_PATH}");
        }
    }
}

/// `YYYY-MM-DDT00:00:00Z`: OB 3.0 dates are date-times with a zone.
pub fn date_time(d: NaiveDate) -> String {
    format!("{}T00:00:00Z", d.format("%Y-%m-%d"))
}

/// `sha256$` + hex(SHA-256(identity ‖ salt)), the OB 3.0 `IdentityHash` form.
pub fn identity_hash(identity: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{identity}{salt}").as_bytes());
    format!("sha256${}", hex::encode(digest))
}

fn subject(record: &Record, inputs: &MappingInputs, achievement: Achievement) -> AchievementSubject {
    let award = &record.award;
    let learner = &award.learner;
    let mut identifier = Vec::new();
    if let Some(email) = &learner.email {
        identifier.push(IdentityObject {
            type_: "IdentityObject".into(),
            identity_type: "emailAddress".into(),
            hashed: true,
            identity_hash: identity_hash(email.as_str(), &inputs.email_salt),
            salt: Some(inputs.email_salt.clone()),
        });
    }
    identifier.push(IdentityObject {
        type_: "IdentityObject".into(),
        identity_type: "name".into(),
        hashed: false,
        identity_hash: learner.full_name(),
        salt: None,
    });
    let grade_link = award.grade.as_ref().map(|_| format!("{}#grade", achievement.id));
    AchievementSubject {
        id: learner.id.as_ref().map(|u| u.as_str().to_owned()),
        types: vec!["AchievementSubject".into()],
        identifier,
        activity_start_date: date_time(award.activity_start_date),
        activity_end_date: date_time(award.activity_end_date),
        term: award.academic_term.clone(),
        credits_earned: Num(award.credits_earned.get()),
        result: vec![ResultEntry {
            types: vec!["Result".into()],
            result_description: grade_link,
            value: award.grade.clone(),
            status: "Completed".into(),
        }],
        achievement,
    }
}

fn lang_map(t: &LangText) -> LangMap {
    t.entries().map(|(l, s)| (l.to_owned(), s.to_owned())).collect()
}

fn mode_words(m: DeliveryMode) -> (&'static str, &'static str) {
    match m {
        DeliveryMode::Physical => ("fysiek", "on site"),
        DeliveryMode::Hybrid => ("hybride", "blended"),
        DeliveryMode::Distance => ("afstandsonderwijs", "distance learning"),
    }
}

fn achievement(mc: &Microcredential, graded: bool) -> Achievement {
    let prefs = mc.language_preference();
    let (lang, name) = mc.title.best(&prefs);
    let ects = Num(mc.ects.get());
    let level = mc.level.get();
    let ects_text = serde_json::to_string(&ects).unwrap_or_default();
    let (mode_nl, mode_en) = mode_words(mc.delivery_mode);
    let ects_text_nl = ects_text.replace('.', ",");
    let desc_nl = format!(
        "Microcredential (type {}) van {ects_text_nl} studiepunten (ECTS) op niveau {level} van de Vlaamse kwalificatiestructuur (EQF {level}), {mode_nl}, uitgereikt door {}.",
        mc.mc_type.get(),
        mc.institution.name
    );
    let desc_en = format!(
        "Microcredential (type {}) of {ects_text} ECTS credits at level {level} of the Flemish Qualifications Framework (EQF {level}), {mode_en}, awarded by {}.",
        mc.mc_type.get(),
        mc.institution.name
    );
    let description = if lang == "nl" { desc_nl.clone() } else { desc_en.clone() };
    let localized_description = [("en".to_owned(), desc_en), ("nl".to_owned(), desc_nl)].into_iter().collect();
    let id = mc.id.as_str().to_owned();
    let mut alignment = vec![
        Alignment {
            types: vec!["Alignment".into()],
            target_name: format!("EQF level {level}"),
            target_url: format!("http://data.europa.eu/snb/eqf/{level}"),
            target_description: None,
            target_code: Some(level.to_string()),
            target_framework: Some("European Qualifications Framework".into()),
            target_type: Some("ext:EQFLevel".into()),
        },
        Alignment {
            types: vec!["Alignment".into()],
            target_name: format!("VKS niveau {level}"),
            target_url: "https://www.vlaamsekwalificatiestructuur.be".into(),
            target_description: None,
            target_code: Some(level.to_string()),
            target_framework: Some("Vlaamse kwalificatiestructuur (VKS)".into()),
            target_type: Some("ext:VKSLevel".into()),
        },
    ];
    for lo in mc.learning_outcomes.iter() {
        alignment.push(Alignment {
            types: vec!["Alignment".into()],
            target_name: lo.id.clone(),
            target_url: format!("{id}#{}", url_fragment(&lo.id)),
            target_description: Some(lo.text.best(&prefs).1.to_owned()),
            target_code: Some(lo.id.clone()),
            target_framework: None,
            target_type: Some("ext:LearningOutcome".into()),
        });
    }
    Achievement {
        types: vec!["Achievement".into(), "FlemishMicroCredential".into()],
        achievement_type: "MicroCredential".into(),
        name: name.to_owned(),
        localized_name: lang_map(&mc.title),
        description,
        localized_description,
        criteria: Criteria {
            id: mc.further_information_url.as_ref().map(|u| u.as_str().to_owned()),
            narrative: narrative(mc, lang),
        },
        in_language: lang.to_owned(),
        credits_available: ects,
        field_of_study: mc.isced_f_code.as_ref().map(|c| format!("ISCED-F {c}")),
        tag: vec!["microcredential".into(), format!("type-{}", mc.mc_type.get())],
        alignment,
        result_description: if graded { vec![grade_description(&id)] } else { Vec::new() },
        microcredential_type: mc.mc_type.get(),
        vks_level: level,
        eqf_level: format!("http://data.europa.eu/snb/eqf/{level}"),
        credit_system: ECTS_IRI.into(),
        ects_exception: mc.ects_exception_reason.is_some(),
        ects_exception_reason: mc.ects_exception_reason.clone(),
        level_tie_choice_reason: mc.level_tie_choice_reason.clone(),
        lll_platform: mc.platform.map(|p| p.as_str().to_owned()),
        isced_f: mc.isced_f_code.as_ref().map(|c| format!("http://data.europa.eu/snb/isced-f/{c}")),
        languages_of_instruction: mc.languages.iter().map(|l| l.as_str().to_owned()).collect(),
        learning_outcomes: mc
            .learning_outcomes
            .iter()
            .map(|lo| LearningOutcomeLd { outcome_code: lo.id.clone(), outcome_text: lang_map(&lo.text) })
            .collect(),
        delivery_mode: mc.delivery_mode.as_str().into(),
        assessment: AssessmentLd {
            assessment_type: mc.assessment.types.iter().map(|t| t.as_str().to_owned()).collect(),
            announced_in_advance: true,
            assessment_description: mc.assessment.description.as_ref().map(lang_map),
        },
        supervision_and_id_verification: mc.supervision.map(|s| s.as_str().to_owned()),
        quality_assurance: QualityAssuranceLd {
            qa_type: mc.quality_assurance.qa_type.as_str().into(),
            external_review: mc.quality_assurance.external_review.map(|e| e.as_str().to_owned()),
            qa_description: mc.quality_assurance.description.as_ref().map(lang_map),
        },
        prerequisites: mc.prerequisites.as_ref().map(lang_map),
        stackability: mc.stackability.map(|s| s.as_str().to_owned()),
        stackable_towards: mc.stackable_towards.clone(),
        components: mc.components.iter().map(|c| component(c, &prefs)).collect(),
        credit_certificates: mc.credit_certificates,
        id,
    }
}

fn component(c: &Component, prefs: &[&str]) -> ComponentLd {
    ComponentLd {
        type_: "MicroCredentialComponent".into(),
        component_code: c.code.clone(),
        name: c.title.best(prefs).1.to_owned(),
        localized_name: lang_map(&c.title),
        credits_available: Num(c.ects.get()),
        vks_level: c.level.get(),
        origin: c.origin.as_str().into(),
        source_programme: c.source_programme.as_ref().map(|sp| SourceProgrammeLd {
            programme_name: sp.name_nl.as_ref().map(|n| [("nl".to_owned(), n.clone())].into_iter().collect()),
            programme_type: sp.programme_type.as_str().into(),
        }),
    }
}

fn grade_description(achievement_id: &str) -> ResultDescription {
    ResultDescription {
        id: format!("{achievement_id}#grade"),
        types: vec!["ResultDescription".into()],
        name: "Eindcijfer / Final grade".into(),
        result_type: "ext:FlemishGrade".into(),
        value_min: None,
        value_max: None,
        required_value: None,
    }
}

/// Percent-encodes what may not appear in a URL fragment.
fn url_fragment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn narrative(mc: &Microcredential, lang: &str) -> String {
    let prefs = [lang, "nl", "en"];
    let heading = if lang == "nl" {
        "De houder heeft de volgende leerresultaten behaald; ze werden getoetst"
    } else {
        "The holder achieved the following learning outcomes; they were assessed"
    };
    let types: Vec<&str> = mc.assessment.types.iter().map(|t| t.as_str()).collect();
    let mut out = format!("{heading} ({}):\n\n", types.join(", ").replace('_', " "));
    for (i, lo) in mc.learning_outcomes.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", i + 1, lo.text.best(&prefs).1));
    }
    out.trim_end().to_owned()
}
