//! A validated microcredential record: the definition (`Microcredential`) and the
//! learner-specific award (`Award`). Values of these types only come out of
//! [`super::parse_record`], so everything downstream can trust them.

use chrono::NaiveDate;
use url::Url;

use super::institution::Institution;
use super::types::*;

/// A validated record, ready to be mapped and signed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Record {
    /// The achievement definition.
    pub microcredential: Microcredential,
    /// The award to one learner.
    pub award: Award,
}

/// The microcredential definition (becomes the OB 3.0 `Achievement`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Microcredential {
    /// Stable id of the definition (absolute URL).
    pub id: Url,
    /// The awarding body.
    pub institution: &'static Institution,
    /// Listing platform, informational.
    pub platform: Option<Platform>,
    /// Title in Dutch and/or English.
    pub title: LangText,
    /// Flemish type 1-4.
    pub mc_type: McType,
    /// Notional workload.
    pub ects: Credits,
    /// Reason for a workload above 20 ECTS (present exactly when the exception applies).
    pub ects_exception_reason: Option<String>,
    /// VKS level (= EQF level).
    pub level: Level,
    /// Why the institution chose among tied levels (type 1).
    pub level_tie_choice_reason: Option<String>,
    /// Form of participation.
    pub delivery_mode: DeliveryMode,
    /// Languages of instruction, the first being the primary one.
    pub languages: NonEmptyVec<LanguageTag>,
    /// ISCED-F 2013 field of study (4 digits).
    pub isced_f_code: Option<String>,
    /// Learning outcomes.
    pub learning_outcomes: NonEmptyVec<LearningOutcome>,
    /// Assessment.
    pub assessment: Assessment,
    /// Supervision and identity verification.
    pub supervision: Option<Supervision>,
    /// Quality assurance.
    pub quality_assurance: QualityAssurance,
    /// Admission conditions; `None` means none.
    pub prerequisites: Option<LangText>,
    /// Building blocks (types 1 and 2 only).
    pub components: Vec<Component>,
    /// Integration/stackability.
    pub stackability: Option<Stackability>,
    /// What it stacks towards.
    pub stackable_towards: Option<String>,
    /// Whether credit certificates are issued too (types 1 and 2 only).
    pub credit_certificates: bool,
    /// Public page with further information.
    pub further_information_url: Option<Url>,
}

/// One learning outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LearningOutcome {
    /// Short id, e.g. `LO1`.
    pub id: String,
    /// The outcome.
    pub text: LangText,
}

/// How the learning outcomes are assessed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Assessment {
    /// Assessment types (not only attendance).
    pub types: NonEmptyVec<AssessmentType>,
    /// Free-text description.
    pub description: Option<LangText>,
}

/// Quality assurance of the offer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QualityAssurance {
    /// QA type.
    pub qa_type: QaType,
    /// External review.
    pub external_review: Option<ExternalReview>,
    /// Free-text description.
    pub description: Option<LangText>,
}

/// A building block of a type 1 or 2 microcredential.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Component {
    /// Course-unit code.
    pub code: String,
    /// Existing course unit or new content.
    pub origin: ComponentOrigin,
    /// Title.
    pub title: LangText,
    /// Workload.
    pub ects: Credits,
    /// Level.
    pub level: Level,
    /// Source programme (existing course units).
    pub source_programme: Option<SourceProgramme>,
}

/// The programme an existing course unit belongs to.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SourceProgramme {
    /// Programme name in Dutch.
    pub name_nl: Option<String>,
    /// Programme type (fixes the level).
    pub programme_type: ProgrammeType,
}

/// The learner-specific award.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Award {
    /// The learner.
    pub learner: Learner,
    /// Start of the learning activity.
    pub activity_start_date: NaiveDate,
    /// End of the learning activity, including assessment.
    pub activity_end_date: NaiveDate,
    /// Annex I date of issuing.
    pub date_of_issuing: NaiveDate,
    /// Academic term, free text.
    pub academic_term: Option<String>,
    /// Credits earned (≤ the workload).
    pub credits_earned: Credits,
    /// Grade achieved, as written by the institution (`15/20`, `geslaagd`).
    pub grade: Option<String>,
    /// Result.
    pub result_status: ResultStatus,
}

/// The learner: a stable identifier (URI and/or e-mail) and a name.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Learner {
    /// A URI (DID, `urn:uuid:`…) identifying the learner.
    pub id: Option<Url>,
    /// E-mail address; only ever emitted salted and hashed.
    pub email: Option<Email>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
}

impl Learner {
    /// The full name as displayed.
    pub fn full_name(&self) -> String {
        [self.given_name.as_deref(), self.family_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
    }
}

impl Microcredential {
    /// The primary language of instruction (`nl`, `en`, …).
    pub fn primary_language(&self) -> &LanguageTag {
        self.languages.first()
    }

    /// Preferred display languages: languages of instruction, then Dutch, then English.
    pub fn language_preference(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.languages.iter().map(LanguageTag::primary).collect();
        v.extend(["nl", "en"]);
        v
    }
}
