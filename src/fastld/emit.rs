//! Our credential as RDF triples, written directly from the typed structure, following
//! the term definitions of the VC 2.0, OB 3.0.3 and microcred v1 contexts. Each mapping
//! is what JSON-LD expansion would produce; `tests/core/fastld.rs` checks it against the
//! general processor on every fixture and on random records.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::nquads::{Pred, Term, Triple, number_lexical, plain_iri, plain_text};
use crate::ob3::*;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const CRED: &str = "https://www.w3.org/2018/credentials#";
const OB: &str = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#";
const SCHEMA: &str = "https://schema.org/";
const STATUS: &str = "https://www.w3.org/ns/credentials/status#";
const SRI_STRING: &str = "https://www.w3.org/2018/credentials#sriString";
const XSD_DATETIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
// OB 3.0.3 types these with https (sic) XML Schema IRIs, and awardedDate with an
// unexpanded "xsd:dateTime"; the signed RDF carries them as written.
const OB_FLOAT: &str = "https://www.w3.org/2001/XMLSchema#float";
const OB_BOOLEAN: &str = "https://www.w3.org/2001/XMLSchema#boolean";
const OB_DATE: &str = "https://www.w3.org/2001/XMLSchema#date";
const OB_ANYURI: &str = "https://www.w3.org/2001/XMLSchema#anyURI";
const OB_AWARDED_DATETIME: &str = "xsd:dateTime";
const SCHEMA_VALIDATOR: &str = "https://purl.imsglobal.org/spec/vccs/v1p0/context.json#1EdTechJsonSchemaValidator2019";

/// Why the fast path does not apply (the general path is used instead).
pub type Unsupported = &'static str;

/// Term IRIs and enum-value IRIs of our own context, read from the embedded file once.
struct Ours {
    terms: FxHashMap<&'static str, &'static str>,
    enums: FxHashMap<(&'static str, &'static str), &'static str>,
}

fn ours() -> &'static Ours {
    static O: OnceLock<Ours> = OnceLock::new();
    O.get_or_init(|| {
        let text = crate::jsonld::contexts::get(crate::jsonld::contexts::MICROCRED_V1_URL).unwrap_or("{}");
        let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let mut terms = FxHashMap::default();
        let mut enums = FxHashMap::default();
        fn leak(s: &str) -> &'static str {
            Box::leak(s.to_owned().into_boxed_str())
        }
        fn walk(
            ctx: &Value,
            terms: &mut FxHashMap<&'static str, &'static str>,
            enums: &mut FxHashMap<(&'static str, &'static str), &'static str>,
        ) {
            let Some(map) = ctx.as_object() else { return };
            for (name, def) in map {
                if name.starts_with('@') {
                    continue;
                }
                let iri = match def {
                    Value::String(s) => s.as_str(),
                    Value::Object(o) => o.get("@id").and_then(Value::as_str).unwrap_or(""),
                    _ => "",
                };
                if !iri.is_empty() && !iri.starts_with('@') && !terms.contains_key(name.as_str()) {
                    terms.insert(leak(name), leak(iri));
                }
                if let Some(inner) = def.get("@context") {
                    if def.get("@type").and_then(Value::as_str) == Some("@vocab") {
                        for (value, v_iri) in inner.as_object().into_iter().flatten() {
                            if let Some(v) = v_iri.as_str().filter(|_| !value.starts_with('@')) {
                                enums.insert((leak(name), leak(value)), leak(v));
                            }
                        }
                    } else {
                        walk(inner, terms, enums);
                    }
                }
            }
        }
        walk(&doc["@context"], &mut terms, &mut enums);
        Ours { terms, enums }
    })
}

fn mc(term: &str) -> Result<Pred, Unsupported> {
    ours().terms.get(term).map(|i| (*i, "")).ok_or("term missing from the microcred context")
}

fn mc_enum(term: &str, value: &str) -> Result<Term, Unsupported> {
    // The map's keys are 'static; looked up with shorter-lived ones (it is covariant).
    let enums: &FxHashMap<(&str, &str), &'static str> = &ours().enums;
    enums.get(&(term, value)).map(|i| Term::Iri((*i).to_owned())).ok_or("enum value not in the microcred context")
}

/// Collects triples and hands out blank nodes.
#[derive(Debug, Default)]
pub struct Graph {
    /// The triples.
    pub triples: Vec<Triple>,
    /// Blank nodes used.
    pub blanks: usize,
    /// Only decide whether the fast path applies: no triple is kept (see [`check`]).
    check_only: bool,
    /// The blank nodes of the achievement: the microcredential's definition, the same in
    /// every credential of a cohort and free of anything about the learner. Only their
    /// first-degree hashes are remembered by canonicalisation
    /// ([`super::nquads::canonicalize_remembering`]).
    pub definition: std::ops::Range<usize>,
}

fn cat(a: &'static str, b: &'static str) -> Pred {
    (a, b)
}

impl Graph {
    fn blank(&mut self) -> Term {
        self.blanks += 1;
        Term::Blank(self.blanks - 1)
    }
    fn add(&mut self, s: &Term, p: Pred, o: Term) {
        if !self.check_only {
            self.triples.push(Triple { s: s.clone(), p, o });
        }
    }
    fn ty(&mut self, s: &Term, iri: Pred) {
        if !self.check_only {
            self.add(s, (RDF_TYPE, ""), Term::Iri(format!("{}{}", iri.0, iri.1)));
        }
    }
    fn text(&mut self, s: &Term, p: Pred, v: &str) -> Result<(), Unsupported> {
        if !plain_text(v) {
            return Err("text with control characters");
        }
        if !self.check_only {
            self.add(s, p, Term::Literal(v.to_owned(), None, None));
        }
        Ok(())
    }
    fn typed(&mut self, s: &Term, p: Pred, v: String, dt: &'static str) -> Result<(), Unsupported> {
        if !plain_text(&v) {
            return Err("text with control characters");
        }
        self.add(s, p, Term::Literal(v, Some(dt), None));
        Ok(())
    }
    fn iri(&mut self, s: &Term, p: Pred, v: &str) -> Result<(), Unsupported> {
        self.add(s, p, node(v)?);
        Ok(())
    }
    fn lang(&mut self, s: &Term, p: Pred, map: &LangMap) -> Result<(), Unsupported> {
        for (tag, v) in map {
            if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                return Err("language tag not in lowercase");
            }
            // Only well-formed BCP 47 tags (what the JSON-LD processor keeps as a language);
            // others (`microcredential`, `1e-999`: fuzz findings) go to the general path.
            if langtag::LangTag::new(tag.as_str()).is_err() {
                return Err("language tag not well-formed (BCP 47)");
            }
            if !plain_text(v) {
                return Err("text with control characters");
            }
            if !self.check_only {
                self.add(s, p, Term::Literal(v.clone(), None, Some(tag.clone())));
            }
        }
        Ok(())
    }
}

fn node(iri: &str) -> Result<Term, Unsupported> {
    if plain_iri(iri) { Ok(Term::Iri(iri.to_owned())) } else { Err("not an absolute IRI") }
}

fn bool_lex(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

/// The triples of a credential (without its proof).
pub fn credential(c: &OpenBadgeCredential) -> Result<Graph, Unsupported> {
    let mut g = Graph::default();
    credential_into(&mut g, c)?;
    Ok(g)
}

/// Whether [`credential`] succeeds (every member of `c` maps to a term of our contexts),
/// decided by the same walk without keeping the triples: the VC-JWT path's term check.
pub fn check(c: &OpenBadgeCredential) -> Result<(), Unsupported> {
    credential_into(&mut Graph { check_only: true, ..Graph::default() }, c)
}

fn credential_into(g: &mut Graph, c: &OpenBadgeCredential) -> Result<(), Unsupported> {
    // Exactly the types we write, in our order: anything else is signed by the general path.
    if c.types != ["VerifiableCredential", "OpenBadgeCredential"] {
        return Err("unexpected credential types");
    }
    let cred = node(&c.id)?;
    g.ty(&cred, cat(CRED, "VerifiableCredential"));
    g.ty(&cred, cat(OB, "OpenBadgeCredential"));
    g.text(&cred, cat(SCHEMA, "name"), &c.name)?;
    let issuer = node(&c.issuer.id)?;
    g.add(&cred, cat(CRED, "issuer"), issuer.clone());
    profile(g, &issuer, &c.issuer)?;
    g.typed(&cred, cat(CRED, "validFrom"), c.valid_from.clone(), XSD_DATETIME)?;
    if let Some(u) = &c.valid_until {
        g.typed(&cred, cat(CRED, "validUntil"), u.clone(), XSD_DATETIME)?;
    }
    g.typed(&cred, cat(OB, "awardedDate"), c.awarded_date.clone(), OB_AWARDED_DATETIME)?;
    for s in &c.credential_schema {
        let n = node(&s.id)?;
        g.add(&cred, cat(CRED, "credentialSchema"), n.clone());
        if s.type_ != SCHEMA_VALIDATOR_TYPE {
            return Err("credentialSchema of another type");
        }
        g.ty(&n, (SCHEMA_VALIDATOR, ""));
    }
    if let Some(status) = &c.credential_status {
        credential_status(g, &cred, status)?;
    }
    for r in &c.related_resource {
        let n = node(&r.id)?;
        g.add(&cred, cat(CRED, "relatedResource"), n.clone());
        g.typed(&n, cat(CRED, "digestSRI"), r.digest_sri.clone(), SRI_STRING)?;
        if let Some(m) = &r.media_type {
            g.text(&n, cat(SCHEMA, "encodingFormat"), m)?;
        }
    }
    let subject = match &c.credential_subject.id {
        Some(id) => node(id)?,
        None => g.blank(),
    };
    g.add(&cred, cat(CRED, "credentialSubject"), subject.clone());
    achievement_subject(g, &subject, &c.credential_subject)?;
    Ok(())
}

fn profile(g: &mut Graph, p: &Term, profile: &Profile) -> Result<(), Unsupported> {
    if profile.types != ["Profile"] || profile.address.types != ["Address"] {
        return Err("unexpected profile types");
    }
    g.ty(p, cat(OB, "Profile"));
    g.text(p, cat(SCHEMA, "name"), &profile.name)?;
    g.typed(p, cat(SCHEMA, "url"), profile.url.clone(), OB_ANYURI)?;
    let a = g.blank();
    g.add(p, cat(OB, "address"), a.clone());
    g.ty(&a, cat(OB, "Address"));
    g.text(&a, cat(SCHEMA, "addressCountry"), &profile.address.address_country)?;
    g.text(&a, cat(OB, "CountryCode"), &profile.address.address_country_code)?;
    g.text(&a, cat(SCHEMA, "addressRegion"), &profile.address.address_region)?;
    Ok(())
}

fn credential_status(g: &mut Graph, cred: &Term, status: &Value) -> Result<(), Unsupported> {
    let entries: Vec<&Value> = match status {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    for e in entries {
        let o = e.as_object().ok_or("credentialStatus entry is not an object")?;
        if o.keys().any(|k| {
            !matches!(k.as_str(), "id" | "type" | "statusPurpose" | "statusListIndex" | "statusListCredential")
        }) {
            return Err("credentialStatus with other members");
        }
        let get = |k: &str| o.get(k).and_then(Value::as_str).ok_or("credentialStatus member missing");
        if get("type")? != "BitstringStatusListEntry" {
            return Err("credentialStatus of another type");
        }
        let n = node(get("id")?)?;
        g.add(cred, cat(CRED, "credentialStatus"), n.clone());
        g.ty(&n, cat(STATUS, "BitstringStatusListEntry"));
        g.text(&n, cat(STATUS, "statusPurpose"), get("statusPurpose")?)?;
        g.text(&n, cat(STATUS, "statusListIndex"), get("statusListIndex")?)?;
        g.iri(&n, cat(STATUS, "statusListCredential"), get("statusListCredential")?)?;
    }
    Ok(())
}

fn achievement_subject(g: &mut Graph, s: &Term, subj: &AchievementSubject) -> Result<(), Unsupported> {
    if subj.types != ["AchievementSubject"] {
        return Err("unexpected subject types");
    }
    g.ty(s, cat(OB, "AchievementSubject"));
    for i in &subj.identifier {
        if i.type_ != "IdentityObject" {
            return Err("unexpected identifier type");
        }
        let n = g.blank();
        g.add(s, cat(OB, "identifier"), n.clone());
        g.ty(&n, cat(OB, "IdentityObject"));
        g.text(&n, cat(OB, "identityType"), &i.identity_type)?;
        g.typed(&n, cat(OB, "hashed"), bool_lex(i.hashed), OB_BOOLEAN)?;
        g.text(&n, cat(OB, "identityHash"), &i.identity_hash)?;
        if let Some(salt) = &i.salt {
            g.text(&n, cat(OB, "salt"), salt)?;
        }
    }
    g.typed(s, cat(OB, "activityStartDate"), subj.activity_start_date.clone(), OB_DATE)?;
    g.typed(s, cat(OB, "activityEndDate"), subj.activity_end_date.clone(), OB_DATE)?;
    if let Some(t) = &subj.term {
        g.text(s, cat(OB, "term"), t)?;
    }
    g.typed(s, cat(OB, "creditsEarned"), number_lexical(subj.credits_earned.0), OB_FLOAT)?;
    for r in &subj.result {
        if r.types != ["Result"] {
            return Err("unexpected result types");
        }
        let n = g.blank();
        g.add(s, cat(OB, "result"), n.clone());
        g.ty(&n, cat(OB, "Result"));
        if let Some(d) = &r.result_description {
            g.typed(&n, cat(OB, "resultDescription"), d.clone(), OB_ANYURI)?;
        }
        if let Some(v) = &r.value {
            g.text(&n, cat(SCHEMA, "value"), v)?;
        }
        g.text(&n, cat(OB, "status"), &r.status)?;
    }
    let a = node(&subj.achievement.id)?;
    g.add(s, cat(OB, "achievement"), a.clone());
    let first = g.blanks;
    achievement(g, &a, &subj.achievement)?;
    g.definition = first..g.blanks;
    Ok(())
}

/// The last achievement written on this thread: its triples, with its blank nodes
/// numbered from 0, and how many blank nodes it has.
struct Written {
    achievement: Achievement,
    triples: Vec<Triple>,
    blanks: usize,
}

thread_local! {
    /// The last achievement the term check ([`check`]) found writable on this thread.
    static CHECKED: std::cell::RefCell<Option<Achievement>> = const { std::cell::RefCell::new(None) };
    /// The last achievement written on this thread ([`credential`]).
    static WRITTEN: std::cell::RefCell<Option<Written>> = const { std::cell::RefCell::new(None) };
}

/// The achievement's triples. An achievement equal to the last one handled on this
/// thread is not walked again: a term check finds it writable, and a credential gets the
/// triples it gave then, its blank nodes renumbered from the graph's next one. The
/// triples of an achievement depend on nothing but the achievement (its id is its node,
/// its blank nodes are its own, and the contexts' terms are fixed), and a batch's
/// credentials repeat one.
fn achievement(g: &mut Graph, a: &Term, ach: &Achievement) -> Result<(), Unsupported> {
    if g.check_only {
        if CHECKED.with_borrow(|last| last.as_ref() == Some(ach)) {
            return Ok(());
        }
        achievement_walk(g, a, ach)?;
        CHECKED.set(Some(ach.clone()));
        return Ok(());
    }
    let first = g.blanks;
    let again = WRITTEN.with_borrow(|last| {
        let last = last.as_ref().filter(|w| w.achievement == *ach)?;
        g.triples.extend(last.triples.iter().map(|t| renumbered(t, |b| b + first)));
        Some(last.blanks)
    });
    if let Some(blanks) = again {
        g.blanks += blanks;
        return Ok(());
    }
    let start = g.triples.len();
    achievement_walk(g, a, ach)?;
    let triples = g.triples.get(start..).unwrap_or_default();
    let before = |t: &Term| matches!(t, Term::Blank(b) if *b < first);
    // Only its own blank nodes (none of the credential's), or it is not remembered.
    if !triples.iter().any(|t| before(&t.s) || before(&t.o)) {
        let triples = triples.iter().map(|t| renumbered(t, |b| b - first)).collect();
        WRITTEN.set(Some(Written { achievement: ach.clone(), triples, blanks: g.blanks - first }));
    }
    Ok(())
}

/// `t` with each blank node `b` numbered `f(b)`.
fn renumbered(t: &Triple, f: impl Fn(usize) -> usize) -> Triple {
    let term = |x: &Term| match x {
        Term::Blank(b) => Term::Blank(f(*b)),
        other => other.clone(),
    };
    Triple { s: term(&t.s), p: t.p, o: term(&t.o) }
}

fn achievement_walk(g: &mut Graph, a: &Term, ach: &Achievement) -> Result<(), Unsupported> {
    if ach.types != ["Achievement", "FlemishMicroCredential"] {
        return Err("unexpected achievement types");
    }
    g.ty(a, cat(OB, "Achievement"));
    g.ty(a, mc("FlemishMicroCredential")?);
    g.text(a, cat(OB, "achievementType"), &ach.achievement_type)?;
    g.text(a, cat(SCHEMA, "name"), &ach.name)?;
    g.lang(a, mc("localizedName")?, &ach.localized_name)?;
    g.text(a, cat(SCHEMA, "description"), &ach.description)?;
    g.lang(a, mc("localizedDescription")?, &ach.localized_description)?;
    let crit = match &ach.criteria.id {
        Some(id) => node(id)?,
        None => g.blank(),
    };
    g.add(a, cat(OB, "Criteria"), crit.clone());
    g.text(&crit, cat(OB, "narrative"), &ach.criteria.narrative)?;
    g.text(a, cat(SCHEMA, "inLanguage"), &ach.in_language)?;
    g.typed(a, cat(OB, "creditsAvailable"), number_lexical(ach.credits_available.0), OB_FLOAT)?;
    if let Some(f) = &ach.field_of_study {
        g.text(a, cat(OB, "fieldOfStudy"), f)?;
    }
    for t in &ach.tag {
        g.text(a, cat(SCHEMA, "keywords"), t)?;
    }
    for al in &ach.alignment {
        if al.types != ["Alignment"] {
            return Err("unexpected alignment types");
        }
        let n = g.blank();
        g.add(a, cat(OB, "alignment"), n.clone());
        g.ty(&n, cat(SCHEMA, "AlignmentObject"));
        g.text(&n, cat(SCHEMA, "targetName"), &al.target_name)?;
        g.typed(&n, cat(SCHEMA, "targetUrl"), al.target_url.clone(), OB_ANYURI)?;
        if let Some(v) = &al.target_description {
            g.text(&n, cat(SCHEMA, "targetDescription"), v)?;
        }
        if let Some(v) = &al.target_code {
            g.text(&n, cat(OB, "targetCode"), v)?;
        }
        if let Some(v) = &al.target_framework {
            g.text(&n, cat(SCHEMA, "targetFramework"), v)?;
        }
        if let Some(v) = &al.target_type {
            g.text(&n, cat(OB, "targetType"), v)?;
        }
    }
    for rd in &ach.result_description {
        if rd.types != ["ResultDescription"] {
            return Err("unexpected result description types");
        }
        let n = node(&rd.id)?;
        g.add(a, cat(OB, "resultDescription"), n.clone());
        g.ty(&n, cat(OB, "ResultDescription"));
        g.text(&n, cat(SCHEMA, "name"), &rd.name)?;
        g.text(&n, cat(OB, "resultType"), &rd.result_type)?;
        for (k, v) in [("valueMin", &rd.value_min), ("valueMax", &rd.value_max), ("requiredValue", &rd.required_value)]
        {
            if let Some(v) = v {
                g.text(&n, cat(OB, k), v)?;
            }
        }
    }
    extension(g, a, ach)
}

fn extension(g: &mut Graph, a: &Term, ach: &Achievement) -> Result<(), Unsupported> {
    g.typed(a, mc("microcredentialType")?, ach.microcredential_type.to_string(), XSD_INTEGER)?;
    g.typed(a, mc("vksLevel")?, ach.vks_level.to_string(), XSD_INTEGER)?;
    g.iri(a, mc("eqfLevel")?, &ach.eqf_level)?;
    g.iri(a, mc("creditSystem")?, &ach.credit_system)?;
    g.typed(a, mc("ectsException")?, bool_lex(ach.ects_exception), XSD_BOOLEAN)?;
    if let Some(r) = &ach.ects_exception_reason {
        g.text(a, mc("ectsExceptionReason")?, r)?;
    }
    if let Some(r) = &ach.level_tie_choice_reason {
        g.text(a, mc("levelTieChoiceReason")?, r)?;
    }
    if let Some(p) = &ach.lll_platform {
        g.add(a, mc("lllPlatform")?, mc_enum("lllPlatform", p)?);
    }
    if let Some(i) = &ach.isced_f {
        g.iri(a, mc("iscedF")?, i)?;
    }
    for l in &ach.languages_of_instruction {
        g.text(a, mc("languagesOfInstruction")?, l)?;
    }
    for lo in &ach.learning_outcomes {
        let n = g.blank();
        g.add(a, mc("learningOutcomes")?, n.clone());
        g.text(&n, mc("outcomeCode")?, &lo.outcome_code)?;
        g.lang(&n, mc("outcomeText")?, &lo.outcome_text)?;
    }
    g.add(a, mc("deliveryMode")?, mc_enum("deliveryMode", &ach.delivery_mode)?);
    let asmt = g.blank();
    g.add(a, mc("assessment")?, asmt.clone());
    for t in &ach.assessment.assessment_type {
        g.add(&asmt, mc("assessmentType")?, mc_enum("assessmentType", t)?);
    }
    g.typed(&asmt, mc("announcedInAdvance")?, bool_lex(ach.assessment.announced_in_advance), XSD_BOOLEAN)?;
    if let Some(d) = &ach.assessment.assessment_description {
        g.lang(&asmt, mc("assessmentDescription")?, d)?;
    }
    if let Some(s) = &ach.supervision_and_id_verification {
        g.add(a, mc("supervisionAndIdVerification")?, mc_enum("supervisionAndIdVerification", s)?);
    }
    let qa = g.blank();
    g.add(a, mc("qualityAssurance")?, qa.clone());
    g.add(&qa, mc("qaType")?, mc_enum("qaType", &ach.quality_assurance.qa_type)?);
    if let Some(e) = &ach.quality_assurance.external_review {
        g.add(&qa, mc("externalReview")?, mc_enum("externalReview", e)?);
    }
    if let Some(d) = &ach.quality_assurance.qa_description {
        g.lang(&qa, mc("qaDescription")?, d)?;
    }
    if let Some(p) = &ach.prerequisites {
        g.lang(a, mc("prerequisites")?, p)?;
    }
    if let Some(s) = &ach.stackability {
        g.add(a, mc("stackability")?, mc_enum("stackability", s)?);
    }
    if let Some(t) = &ach.stackable_towards {
        g.text(a, mc("stackableTowards")?, t)?;
    }
    for c in &ach.components {
        if c.type_ != "MicroCredentialComponent" {
            return Err("unexpected component type");
        }
        let n = g.blank();
        g.add(a, mc("components")?, n.clone());
        g.ty(&n, mc("MicroCredentialComponent")?);
        g.text(&n, mc("componentCode")?, &c.component_code)?;
        g.text(&n, cat(SCHEMA, "name"), &c.name)?;
        g.lang(&n, mc("localizedName")?, &c.localized_name)?;
        g.typed(&n, cat(OB, "creditsAvailable"), number_lexical(c.credits_available.0), OB_FLOAT)?;
        g.typed(&n, mc("vksLevel")?, c.vks_level.to_string(), XSD_INTEGER)?;
        g.add(&n, mc("origin")?, mc_enum("origin", &c.origin)?);
        if let Some(sp) = &c.source_programme {
            let spn = g.blank();
            g.add(&n, mc("sourceProgramme")?, spn.clone());
            if let Some(name) = &sp.programme_name {
                g.lang(&spn, mc("programmeName")?, name)?;
            }
            g.add(&spn, mc("programmeType")?, mc_enum("programmeType", &sp.programme_type)?);
        }
    }
    g.typed(a, mc("creditCertificates")?, bool_lex(ach.credit_certificates), XSD_BOOLEAN)?;
    Ok(())
}
