//! Human labels, in Dutch and English, for every enum value a credential can carry
//! (the wire values of [`crate::domain::types`]), plus month, language and ISCED-F
//! broad-field names. An unknown value has no label; the page then shows it as is.

use super::Lang;

/// A label table: `(wire value, Dutch, English)` rows.
pub type Table = &'static [(&'static str, &'static str, &'static str)];

fn lookup(table: Table, value: &str, lang: Lang) -> Option<&'static str> {
    table.iter().find(|(v, _, _)| *v == value).map(|(_, nl, en)| if lang == Lang::Nl { *nl } else { *en })
}

/// Annex I form of participation.
pub const DELIVERY_MODE: Table = &[
    ("physical", "Fysiek", "On site"),
    ("hybrid", "Hybride", "Blended"),
    ("distance", "Afstandsonderwijs", "Distance learning"),
];

/// Europass assessment types.
pub const ASSESSMENT_TYPE: Table = &[
    ("written_exam", "Schriftelijk examen", "Written examination"),
    ("oral_exam", "Mondeling examen", "Oral examination"),
    ("practical_assessment", "Praktijktoets", "Practical assessment"),
    ("project_work", "Projectwerk", "Project work"),
    ("portfolio", "Portfolio", "Portfolio"),
    ("marked_assignment", "Beoordeelde opdracht", "Marked assignment"),
    ("continuous_evaluation", "Permanente evaluatie", "Continuous evaluation"),
    ("peer_assessment", "Peerbeoordeling", "Peer assessment"),
    ("peer_review", "Peerreview", "Peer review"),
    ("group_performance", "Groepsprestatie", "Group performance"),
    ("quiz", "Quiz", "Quiz"),
    ("problem_based_learning", "Probleemgestuurd leren", "Problem-based learning"),
    ("artefact_assessment", "Beoordeling van een werkstuk", "Artefact assessment"),
    ("level_of_attendance", "Aanwezigheid", "Level of attendance"),
];

/// Annex I supervision and identity verification.
pub const SUPERVISION: Table = &[
    (
        "unsupervised_no_identity_verification",
        "Zonder toezicht, zonder identiteitscontrole",
        "Unsupervised, without identity verification",
    ),
    (
        "supervised_no_identity_verification",
        "Onder toezicht, zonder identiteitscontrole",
        "Supervised, without identity verification",
    ),
    (
        "supervised_online_with_identity_verification",
        "Online onder toezicht, met identiteitscontrole",
        "Supervised online, with identity verification",
    ),
    (
        "supervised_onsite_with_identity_verification",
        "Ter plaatse onder toezicht, met identiteitscontrole",
        "Supervised on site, with identity verification",
    ),
];

/// Annex I type of quality assurance.
pub const QA_TYPE: Table = &[
    (
        "internal_institutional_esg",
        "Interne kwaliteitszorg van de instelling volgens de ESG",
        "Internal quality assurance of the institution, following the ESG",
    ),
    ("programme_accreditation", "Accreditatie van de opleiding", "Programme accreditation"),
];

/// External review of the quality assurance.
pub const EXTERNAL_REVIEW: Table =
    &[("nvao_institutional_review", "Instellingsreview door de NVAO", "Institutional review by the NVAO")];

/// Where a component comes from.
pub const COMPONENT_ORIGIN: Table = &[
    ("existing_course_unit", "Bestaand opleidingsonderdeel", "Existing course unit"),
    ("new_lll_content", "Nieuw aanbod voor levenslang leren", "New lifelong-learning content"),
];

/// The programme an existing course unit comes from.
pub const PROGRAMME_TYPE: Table = &[
    ("graduaat", "Graduaat", "Associate degree (graduaat)"),
    ("bachelor", "Bachelor", "Bachelor"),
    ("bachelor_na_bachelor", "Bachelor-na-bachelor", "Advanced bachelor"),
    ("master", "Master", "Master"),
    ("master_na_master", "Master-na-master", "Advanced master"),
];

/// Annex I integration/stackability.
pub const STACKABILITY: Table =
    &[("standalone", "Op zichzelf staand", "Stand-alone"), ("stackable", "Stapelbaar", "Stackable")];

/// Lifelong-learning listing platform.
pub const PLATFORM: Table = &[("nova_academy", "Nova Academy", "Nova Academy"), ("continue", "Continue", "Continue")];

/// Flemish microcredential types 1-4 (afsprakenkader), one line each.
pub const MC_TYPE: Table = &[
    (
        "1",
        "een of meer bestaande opleidingsonderdelen uit graduaats-, bachelor- of masteropleidingen.",
        "one or more existing course units from associate, bachelor's or master's programmes.",
    ),
    (
        "2",
        "bestaande opleidingsonderdelen, aangevuld met nieuw aanbod voor levenslang leren.",
        "existing course units combined with new content for lifelong learning.",
    ),
    (
        "3",
        "bestaande opleidingsinhoud, anders samengesteld dan per opleidingsonderdeel.",
        "existing programme content, recombined other than along course-unit lines.",
    ),
    (
        "4",
        "nieuw aanbod, of aanbod uit bestaande initiatieven voor levenslang leren.",
        "new content, or content from existing lifelong-learning initiatives.",
    ),
];

/// Languages of instruction (primary subtag).
pub const LANGUAGE: Table = &[
    ("nl", "Nederlands", "Dutch"),
    ("en", "Engels", "English"),
    ("fr", "Frans", "French"),
    ("de", "Duits", "German"),
    ("es", "Spaans", "Spanish"),
    ("it", "Italiaans", "Italian"),
    ("pt", "Portugees", "Portuguese"),
    ("pl", "Pools", "Polish"),
    ("tr", "Turks", "Turkish"),
    ("ar", "Arabisch", "Arabic"),
    ("zh", "Chinees", "Chinese"),
];

/// ISCED-F 2013 broad fields (the first two digits of a code).
pub const ISCED_BROAD: Table = &[
    ("00", "Algemene programma's en kwalificaties", "Generic programmes and qualifications"),
    ("01", "Onderwijs", "Education"),
    ("02", "Kunsten en geesteswetenschappen", "Arts and humanities"),
    ("03", "Sociale wetenschappen, journalistiek en informatie", "Social sciences, journalism and information"),
    ("04", "Bedrijfskunde, administratie en recht", "Business, administration and law"),
    ("05", "Natuurwetenschappen, wiskunde en statistiek", "Natural sciences, mathematics and statistics"),
    ("06", "Informatie- en communicatietechnologie", "Information and communication technologies"),
    ("07", "Ingenieurswetenschappen, industrie en bouw", "Engineering, manufacturing and construction"),
    ("08", "Landbouw, bosbouw, visserij en diergeneeskunde", "Agriculture, forestry, fisheries and veterinary"),
    ("09", "Gezondheid en welzijn", "Health and welfare"),
    ("10", "Diensten", "Services"),
];

/// Countries by ISO 3166-1 alpha-2 code.
pub const COUNTRY: Table = &[("BE", "België", "Belgium")];

const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The label of `value` in `table`, in `lang`.
pub fn label(table: Table, value: &str, lang: Lang) -> Option<&'static str> {
    lookup(table, value, lang)
}

/// The name of a month (1-12).
pub fn month(m: u32, lang: Lang) -> &'static str {
    let i = (m.clamp(1, 12) - 1) as usize;
    match lang {
        Lang::Nl => MONTHS_NL[i],
        Lang::En => MONTHS_EN[i],
    }
}
