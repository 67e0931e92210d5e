//! Typed values of a validated microcredential record. Each constrained value has a
//! checking constructor; once a value of these types exists, it is known to be valid.

use std::fmt;

/// Declares a closed set of snake_case string values.
macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the wire value.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The allowed wire values, for messages.
            pub fn allowed() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum!(
    /// What kind of offer a record describes; only microcredentials may be issued.
    OfferingKind {
        /// A microcredential.
        Microcredential => "microcredential",
        /// A postgraduate programme (not a microcredential in Flanders).
        Postgraduate => "postgraduate",
        /// A bridging programme (schakelprogramma).
        BridgingProgramme => "bridging_programme",
        /// A preparatory programme (voorbereidingsprogramma).
        PreparatoryProgramme => "preparatory_programme",
    }
);

str_enum!(
    /// The shared lifelong-learning platform an offer is listed on (informational).
    Platform {
        /// Nova Academy (UGent, VUB, UAntwerpen).
        NovaAcademy => "nova_academy",
        /// Continue (KU Leuven association).
        Continue => "continue",
    }
);

str_enum!(
    /// Annex I form of participation.
    DeliveryMode {
        /// On site (fysiek).
        Physical => "physical",
        /// Blended (hybride).
        Hybrid => "hybrid",
        /// Online (afstandsonderwijs).
        Distance => "distance",
    }
);

str_enum!(
    /// Europass assessment types, snake_case.
    AssessmentType {
        /// Written examination.
        WrittenExam => "written_exam",
        /// Oral examination.
        OralExam => "oral_exam",
        /// Practical assessment.
        PracticalAssessment => "practical_assessment",
        /// Project work.
        ProjectWork => "project_work",
        /// Portfolio.
        Portfolio => "portfolio",
        /// Marked assignment.
        MarkedAssignment => "marked_assignment",
        /// Continuous evaluation.
        ContinuousEvaluation => "continuous_evaluation",
        /// Peer assessment.
        PeerAssessment => "peer_assessment",
        /// Peer review.
        PeerReview => "peer_review",
        /// Group performance.
        GroupPerformance => "group_performance",
        /// Quiz.
        Quiz => "quiz",
        /// Problem-based learning.
        ProblemBasedLearning => "problem_based_learning",
        /// Artefact assessment.
        ArtefactAssessment => "artefact_assessment",
        /// Level of attendance (never enough on its own, MC-R14).
        LevelOfAttendance => "level_of_attendance",
    }
);

str_enum!(
    /// Annex I supervision and identity verification during assessment.
    Supervision {
        /// Unsupervised, no identity verification.
        UnsupervisedNoIdentityVerification => "unsupervised_no_identity_verification",
        /// Supervised, no identity verification.
        SupervisedNoIdentityVerification => "supervised_no_identity_verification",
        /// Supervised online with identity verification.
        SupervisedOnlineWithIdentityVerification => "supervised_online_with_identity_verification",
        /// Supervised on site with identity verification.
        SupervisedOnsiteWithIdentityVerification => "supervised_onsite_with_identity_verification",
    }
);

str_enum!(
    /// Annex I type of quality assurance.
    QaType {
        /// Internal QA within the institution's policy, following the ESG.
        InternalInstitutionalEsg => "internal_institutional_esg",
        /// Programme accreditation.
        ProgrammeAccreditation => "programme_accreditation",
    }
);

str_enum!(
    /// External review of the quality assurance.
    ExternalReview {
        /// The NVAO institutional review.
        NvaoInstitutionalReview => "nvao_institutional_review",
    }
);

str_enum!(
    /// Where a component's content comes from.
    ComponentOrigin {
        /// An existing course unit (opleidingsonderdeel).
        ExistingCourseUnit => "existing_course_unit",
        /// New content written for lifelong learning.
        NewLllContent => "new_lll_content",
    }
);

str_enum!(
    /// The programme an existing course unit comes from; it fixes the unit's level.
    ProgrammeType {
        /// Graduaat (VKS 5).
        Graduaat => "graduaat",
        /// Bachelor (VKS 6).
        Bachelor => "bachelor",
        /// Bachelor-na-bachelor (VKS 6).
        BachelorNaBachelor => "bachelor_na_bachelor",
        /// Master (VKS 7).
        Master => "master",
        /// Master-na-master (VKS 7).
        MasterNaMaster => "master_na_master",
    }
);

impl ProgrammeType {
    /// The VKS level the programme type implies.
    pub fn level(self) -> u8 {
        match self {
            Self::Graduaat => 5,
            Self::Bachelor | Self::BachelorNaBachelor => 6,
            Self::Master | Self::MasterNaMaster => 7,
        }
    }
}

str_enum!(
    /// Annex I integration/stackability option.
    Stackability {
        /// A stand-alone microcredential.
        Standalone => "standalone",
        /// Stackable towards a larger credential.
        Stackable => "stackable",
    }
);

str_enum!(
    /// The result of the award; only completed awards are issued.
    ResultStatus {
        /// Completed.
        Completed => "completed",
    }
);

/// The Flemish microcredential type (1-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McType(u8);

impl McType {
    /// Checks the range.
    pub fn new(n: i64) -> Option<Self> {
        (1..=4).contains(&n).then_some(Self(n as u8))
    }
    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }
    /// Types 1 and 2 are built from components and may carry credit certificates.
    pub fn has_components(self) -> bool {
        self.0 <= 2
    }
}

/// A VKS level, equal to the EQF level (1-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(u8);

impl Level {
    /// Checks the range.
    pub fn new(n: i64) -> Option<Self> {
        (1..=8).contains(&n).then_some(Self(n as u8))
    }
    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A positive amount of ECTS credits.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Credits(f64);

impl Credits {
    /// Accepts values from 0.001 to 1,000,000. Outside that range a number is written into
    /// the credential in exponent form (`1e-22`, a fuzz finding), which the JSON-LD
    /// library cannot write back, so the credential would not verify.
    pub fn new(n: f64) -> Option<Self> {
        (n.is_finite() && (0.001..=1_000_000.0).contains(&n)).then_some(Self(n))
    }
    /// The number.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A BCP 47 language tag, kept in its canonical case (`nl`, `en`, `nl-BE`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LanguageTag(String);

impl LanguageTag {
    /// Accepts a well-formed tag: a 2-3 letter primary language subtag, optionally a
    /// 4-letter script and a 2-letter or 3-digit region (the shape OB 3.0 `inLanguage`
    /// allows).
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split(['-', '_']);
        let lang = parts.next()?;
        if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let mut out = lang.to_ascii_lowercase();
        let mut rest: Vec<&str> = parts.collect();
        if let Some(script) = rest.first().filter(|p| p.len() == 4 && p.chars().all(|c| c.is_ascii_alphabetic())) {
            let mut chars = script.chars();
            let first = chars.next()?.to_ascii_uppercase();
            out.push('-');
            out.push(first);
            out.push_str(&chars.as_str().to_ascii_lowercase());
            rest.remove(0);
        }
        if let Some(region) = rest.first() {
            let alpha = region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic());
            let digits = region.len() == 3 && region.chars().all(|c| c.is_ascii_digit());
            if !(alpha || digits) {
                return None;
            }
            out.push('-');
            out.push_str(&region.to_ascii_uppercase());
            rest.remove(0);
        }
        rest.is_empty().then_some(Self(out))
    }
    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The primary language subtag (`nl` for `nl-BE`).
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

/// A text in Dutch and/or English; at least one is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LangText {
    nl: Option<String>,
    en: Option<String>,
}

impl LangText {
    /// Needs at least one of the two.
    pub fn new(nl: Option<String>, en: Option<String>) -> Option<Self> {
        (nl.is_some() || en.is_some()).then_some(Self { nl, en })
    }
    /// The Dutch text.
    pub fn nl(&self) -> Option<&str> {
        self.nl.as_deref()
    }
    /// The English text.
    pub fn en(&self) -> Option<&str> {
        self.en.as_deref()
    }
    /// Text in a language (primary subtag `nl` or `en`).
    pub fn get(&self, lang: &str) -> Option<&str> {
        match lang {
            "nl" => self.nl(),
            "en" => self.en(),
            _ => None,
        }
    }
    /// `(language, text)` pairs present, Dutch first.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [("nl", self.nl.as_deref()), ("en", self.en.as_deref())].into_iter().filter_map(|(l, t)| t.map(|t| (l, t)))
    }
    /// The text in the first of `preferred` that has one, else any text, with its language.
    pub fn best(&self, preferred: &[&str]) -> (&'static str, &str) {
        for p in preferred {
            if let Some((l, t)) = self.entries().find(|(l, _)| l == p) {
                return (l, t);
            }
        }
        self.entries().next().unwrap_or(("nl", ""))
    }
}

/// A list with at least one element.
#[derive(Debug, Clone, PartialEq)]
pub struct NonEmptyVec<T>(Vec<T>);

impl<T> NonEmptyVec<T> {
    /// Needs at least one element.
    pub fn new(v: Vec<T>) -> Option<Self> {
        (!v.is_empty()).then_some(Self(v))
    }
    /// The elements.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
    /// The first element.
    pub fn first(&self) -> &T {
        &self.0[0]
    }
    /// Iterates over the elements.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

/// An e-mail address, trimmed and lower-cased (the form that is hashed).
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// A pragmatic shape check: one `@`, a non-empty local part, a dotted domain, no spaces.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (local, domain) = s.split_once('@')?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then(|| Self(s.to_lowercase()))
    }
    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data: never printed in logs or debug output.
        f.write_str("Email(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_canonicalised_or_refused() {
        let cases = [
            ("nl", Some("nl")),
            ("EN", Some("en")),
            ("nl-be", Some("nl-BE")),
            ("zh-hant-tw", Some("zh-Hant-TW")),
            ("es-419", Some("es-419")),
            ("", None),
            ("dutch", None),
            ("nl-BEL", None),
            ("n1", None),
            ("nl-BE-x", None),
        ];
        for (input, want) in cases {
            assert_eq!(LanguageTag::parse(input).as_ref().map(LanguageTag::as_str), want, "{input}");
        }
    }

    #[test]
    fn emails_are_normalised_and_malformed_ones_refused() {
        assert_eq!(Email::parse(" Sanne@Example.org ").map(|e| e.0), Some("sanne@example.org".into()));
        for bad in ["no-at.example.org", "@example.org", "a@b", "a b@example.org", "a@.org", "a@b@c.org"] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(format!("{:?}", Email::parse("x@example.org")), "Some(Email(<redacted>))");
    }

    #[test]
    fn ranges_are_enforced() {
        assert!(McType::new(0).is_none() && McType::new(5).is_none() && McType::new(4).is_some());
        assert!(Level::new(0).is_none() && Level::new(9).is_none() && Level::new(8).is_some());
        assert!(Credits::new(0.0).is_none() && Credits::new(f64::NAN).is_none() && Credits::new(0.5).is_some());
        assert!(Credits::new(1e-22).is_none() && Credits::new(1e20).is_none() && Credits::new(2.625).is_some());
    }
}
