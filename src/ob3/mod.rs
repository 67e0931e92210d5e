//! Typed wire format of the credentials we issue: an Open Badges 3.0
//! `OpenBadgeCredential` (<https://www.imsglobal.org/spec/ob/v3p0/>) on the W3C VC
//! Data Model 2.0, plus our microcredential extension terms (defined in
//! `contexts/microcred-v1.jsonld`). [`mapping`] builds it from a validated record;
//! [`reverse`] reads a credential back into record form for re-checking the rules.

pub mod mapping;
pub mod reverse;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// URL of the 1EdTech OB 3.0 AchievementCredential JSON Schema.
pub const OB_SCHEMA_URL: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";
/// URL of our extension JSON Schema, version 1.
pub const EXTENSION_SCHEMA_URL: &str = "https://w3id.org/microcred/schemas/v1.json";
/// Path of our extension JSON Schema, version 1, under a context base URL.
pub const EXTENSION_SCHEMA_PATH: &str = "/microcred/schemas/v1.json";
/// The `credentialSchema` type OB 3.0 uses.
pub const SCHEMA_VALIDATOR_TYPE: &str = "1EdTechJsonSchemaValidator2019";
/// ECTS in the EU education-credit vocabulary.
pub const ECTS_IRI: &str = "http://data.europa.eu/snb/education-credit/6fcec5c5af";

/// A language map (`{"nl": "…", "en": "…"}`), JSON-LD `@container: @language`.
pub type LangMap = BTreeMap<String, String>;

/// A JSON number that is written as an integer when it has no fraction, so that every
/// JSON-LD processor sees the same literal (`10`, not `10.0`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() < 9.0e15 {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64::deserialize(d).map(Num)
    }
}

/// The credential.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OpenBadgeCredential {
    /// JSON-LD contexts.
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// `urn:uuid:` id.
    pub id: String,
    /// `VerifiableCredential`, `OpenBadgeCredential`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Display name (the achievement's name).
    pub name: String,
    /// The institution.
    pub issuer: Profile,
    /// Date of issuing.
    pub valid_from: String,
    /// Optional expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Original award date.
    pub awarded_date: String,
    /// The learner and the achievement.
    pub credential_subject: AchievementSubject,
    /// Schemas a verifier can check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_schema: Vec<CredentialSchema>,
    /// Status entries (revocation, suspension), when the issuer keeps status lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<serde_json::Value>,
    /// VC 2.0 `relatedResource`: our extension context under the URL the credential
    /// names it by, with its digest (service-issued credentials).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_resource: Vec<RelatedResource>,
}

/// A VC 2.0 `relatedResource` entry: a resource and its digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RelatedResource {
    /// The resource's URL.
    pub id: String,
    /// `sha256-<base64>` of its bytes (Subresource Integrity).
    #[serde(rename = "digestSRI")]
    pub digest_sri: String,
    /// Its media type.
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// A `credentialSchema` entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CredentialSchema {
    /// Schema URL.
    pub id: String,
    /// Validator type.
    #[serde(rename = "type")]
    pub type_: String,
}

/// OB 3.0 `Profile` of the issuer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Issuer DID.
    pub id: String,
    /// `Profile`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Institution name.
    pub name: String,
    /// Homepage.
    pub url: String,
    /// Country and region (Annex I).
    pub address: Address,
}

/// OB 3.0 `Address`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// `Address`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Country name.
    pub address_country: String,
    /// ISO 3166-1 alpha-2 code.
    pub address_country_code: String,
    /// Region.
    pub address_region: String,
}

/// OB 3.0 `AchievementSubject`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    /// Learner URI, when the record gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `AchievementSubject`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Hashed e-mail and plain name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<IdentityObject>,
    /// Start of the learning activity.
    pub activity_start_date: String,
    /// End of the learning activity.
    pub activity_end_date: String,
    /// Academic term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// ECTS earned.
    pub credits_earned: Num,
    /// Grade and status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub result: Vec<ResultEntry>,
    /// The achievement.
    pub achievement: Achievement,
}

/// OB 3.0 `IdentityObject`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// `IdentityObject`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `emailAddress`, `name`, …
    pub identity_type: String,
    /// Whether `identity_hash` is a hash.
    pub hashed: bool,
    /// `sha256$hex` or plain text.
    pub identity_hash: String,
    /// Salt of the hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

/// OB 3.0 `Result`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResultEntry {
    /// `Result`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Link to the achievement's `ResultDescription`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<String>,
    /// The grade as written by the institution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `Completed`.
    pub status: String,
}

/// OB 3.0 `Achievement` with our extension terms.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    /// Stable id of the microcredential definition.
    pub id: String,
    /// `Achievement`, `FlemishMicroCredential`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// `MicroCredential`.
    pub achievement_type: String,
    /// Title in the primary language.
    pub name: String,
    /// Title in every language given.
    pub localized_name: LangMap,
    /// Summary in the primary language.
    pub description: String,
    /// Summary in Dutch and English.
    pub localized_description: LangMap,
    /// Learning outcomes as Markdown, and the public page.
    pub criteria: Criteria,
    /// Primary language of instruction.
    pub in_language: String,
    /// ECTS (OB calls them credit hours; `creditSystem` says which system).
    pub credits_available: Num,
    /// ISCED-F code, readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_of_study: Option<String>,
    /// Search tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag: Vec<String>,
    /// EQF and VKS levels, and the learning outcomes.
    pub alignment: Vec<Alignment>,
    /// How the grade reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub result_description: Vec<ResultDescription>,
    /// Flemish type 1-4.
    pub microcredential_type: u8,
    /// VKS level.
    pub vks_level: u8,
    /// EQF level IRI.
    pub eqf_level: String,
    /// Credit system IRI (ECTS).
    pub credit_system: String,
    /// Workload above 20 ECTS by exception.
    pub ects_exception: bool,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ects_exception_reason: Option<String>,
    /// Tie-break reason for type 1 levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_tie_choice_reason: Option<String>,
    /// Listing platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lll_platform: Option<String>,
    /// ISCED-F IRI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isced_f: Option<String>,
    /// All languages of instruction.
    pub languages_of_instruction: Vec<String>,
    /// Learning outcomes in every language given.
    pub learning_outcomes: Vec<LearningOutcomeLd>,
    /// Form of participation.
    pub delivery_mode: String,
    /// Assessment.
    pub assessment: AssessmentLd,
    /// Supervision and identity verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervision_and_id_verification: Option<String>,
    /// Quality assurance.
    pub quality_assurance: QualityAssuranceLd,
    /// Admission conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prerequisites: Option<LangMap>,
    /// Integration/stackability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stackability: Option<String>,
    /// What it stacks towards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stackable_towards: Option<String>,
    /// Building blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentLd>,
    /// Credit certificates issued too.
    pub credit_certificates: bool,
}

/// OB 3.0 `Criteria`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Criteria {
    /// Public page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Markdown.
    pub narrative: String,
}

/// OB 3.0 `Alignment`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    /// `Alignment`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Name.
    pub target_name: String,
    /// URL.
    pub target_url: String,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    /// Code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// Framework name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// `ext:` type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
}

/// OB 3.0 `ResultDescription`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResultDescription {
    /// `{achievement}#grade`.
    pub id: String,
    /// `ResultDescription`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Name.
    pub name: String,
    /// Result type.
    pub result_type: String,
    /// Lowest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_min: Option<String>,
    /// Highest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<String>,
    /// Pass mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_value: Option<String>,
}

/// A learning outcome in every language given.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LearningOutcomeLd {
    /// `LO1`.
    pub outcome_code: String,
    /// The text.
    pub outcome_text: LangMap,
}

/// Assessment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AssessmentLd {
    /// Europass assessment types.
    pub assessment_type: Vec<String>,
    /// Announced in advance.
    pub announced_in_advance: bool,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment_description: Option<LangMap>,
}

/// Quality assurance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QualityAssuranceLd {
    /// QA type.
    pub qa_type: String,
    /// External review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_review: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qa_description: Option<LangMap>,
}

/// A component of a type 1 or 2 microcredential.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ComponentLd {
    /// `MicroCredentialComponent`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Course-unit code.
    pub component_code: String,
    /// Title in the primary language.
    pub name: String,
    /// Title in every language given.
    pub localized_name: LangMap,
    /// ECTS.
    pub credits_available: Num,
    /// VKS level.
    pub vks_level: u8,
    /// Existing course unit or new content.
    pub origin: String,
    /// Programme of an existing course unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_programme: Option<SourceProgrammeLd>,
}

/// Source programme.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceProgrammeLd {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme_name: Option<LangMap>,
    /// Programme type.
    pub programme_type: String,
}
