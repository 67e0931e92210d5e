//! The component rules of the Flemish agreement: composition per type (MC-R09),
//! source programmes and their levels (MC-R10), and the level of a type 1
//! microcredential from the largest ECTS share (MC-R12).

use std::collections::BTreeMap;

use serde_json::Value;

use super::parse::{EnumValue, clip};
use super::reader::{Field, Obj, type_name};
use super::record::{Component, SourceProgramme};
use super::report::Findings;
use super::types::*;

const COMPONENT_FIELDS: &[&str] = &["code", "origin", "title_nl", "title_en", "ects", "vks_level", "source_programme"];

/// A component as read, before the cross-component rules.
#[derive(Debug)]
pub struct LooseComponent {
    path: String,
    code: Option<String>,
    origin: Option<ComponentOrigin>,
    title: Option<LangText>,
    ects: Option<Credits>,
    level: Option<Level>,
    source_programme: Option<SourceProgramme>,
    source_programme_error: Option<String>,
}

impl LooseComponent {
    /// The typed component, when everything was readable.
    pub fn build(self) -> Option<Component> {
        Some(Component {
            code: self.code?,
            origin: self.origin?,
            title: self.title?,
            ects: self.ects?,
            level: self.level?,
            source_programme: self.source_programme,
        })
    }
}

/// Reads `components` (missing or null means none).
pub fn read(field: &Field<'_>, f: &mut Findings) -> Option<Vec<LooseComponent>> {
    let items = match field.array() {
        Ok(a) => a.map(Vec::as_slice).unwrap_or(&[]),
        Err(t) => {
            field.wrong_type(f, "a list of components", t);
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{}/{i}", field.path());
        let Value::Object(map) = item else {
            f.format("format.wrong_type", &path, format!("A component must be an object, found {}.", type_name(item)));
            continue;
        };
        out.push(read_one(&Obj::new(map, &path), f));
    }
    Some(out)
}

fn read_one(c: &Obj<'_>, f: &mut Findings) -> LooseComponent {
    c.reject_unknown(COMPONENT_FIELDS, f);
    let code_field = c.field("code");
    let code = code_field.text(f);
    if code.is_none() && !f.has_error_at(code_field.path()) {
        f.format("format.required", code_field.path(), "Every component needs its course-unit code.");
    }
    let origin_field = c.field("origin");
    let origin = match origin_field.string() {
        Ok(Some(s)) => ComponentOrigin::parse(s).or_else(|| {
            f.format(
                "format.invalid_value",
                origin_field.path(),
                format!("origin '{}' is not allowed; use one of: {}.", clip(s), ComponentOrigin::allowed()),
            );
            None
        }),
        Ok(None) => {
            f.format(
                "format.required",
                origin_field.path(),
                format!("Every component needs an origin: {}.", ComponentOrigin::allowed()),
            );
            None
        }
        Err(t) => {
            origin_field.wrong_type(f, "text", t);
            None
        }
    };
    let (tnl, ten) = (c.field("title_nl"), c.field("title_en"));
    let title = LangText::new(tnl.text(f), ten.text(f));
    if title.is_none() && !f.has_error_at(tnl.path()) && !f.has_error_at(ten.path()) {
        f.format("format.required", tnl.path(), "Every component needs a title_nl and/or title_en.");
    }
    let ects_field = c.field("ects");
    let ects = match ects_field.number() {
        Ok(Some(n)) => Credits::new(n),
        _ => None,
    };
    if ects.is_none() {
        f.format(
            "format.invalid_value",
            ects_field.path(),
            "A component needs its ECTS credits: a number from 0.001 to 1,000,000.",
        );
    }
    let level_field = c.field("vks_level");
    let level = level_field.integer().ok().flatten().and_then(Level::new);
    if level.is_none() {
        f.format("format.invalid_value", level_field.path(), "A component needs its VKS level: a whole number 1-8.");
    }
    let (source_programme, source_programme_error) = read_source_programme(&c.field("source_programme"), f);
    LooseComponent {
        path: c.path().to_owned(),
        code,
        origin,
        title,
        ects,
        level,
        source_programme,
        source_programme_error,
    }
}

/// Returns the programme, or why it is unusable (reported by MC-R10 for existing
/// course units only).
fn read_source_programme(field: &Field<'_>, f: &mut Findings) -> (Option<SourceProgramme>, Option<String>) {
    let map = match field.object() {
        Ok(Some(m)) => m,
        Ok(None) => return (None, Some("has no source_programme".to_owned())),
        Err(t) => {
            return (None, Some(format!("has a source_programme that is {t}, not an object")));
        }
    };
    let sp = Obj::new(map, field.path());
    sp.reject_unknown(&["name_nl", "programme_type"], f);
    let name_nl = sp.field("name_nl").text(f);
    let pt = sp.field("programme_type");
    match pt.string() {
        Ok(Some(s)) => match ProgrammeType::parse_value(s) {
            Some(programme_type) => (Some(SourceProgramme { name_nl, programme_type }), None),
            None => (
                None,
                Some(format!("has programme_type '{}', which is not one of {}", clip(s), ProgrammeType::allowed())),
            ),
        },
        Ok(None) => (None, Some("has a source_programme without programme_type".to_owned())),
        Err(t) => (None, Some(format!("has a programme_type that is {t}"))),
    }
}

/// MC-R09: which components each type needs, and that their ECTS add up.
pub fn r09_composition(t: McType, ects: Option<Credits>, cs: &[LooseComponent], f: &mut Findings) {
    const PATH: &str = "/microcredential/components";
    let existing = cs.iter().filter(|c| c.origin == Some(ComponentOrigin::ExistingCourseUnit)).count();
    let new = cs.iter().filter(|c| c.origin == Some(ComponentOrigin::NewLllContent)).count();
    match t.get() {
        1 if cs.is_empty() || new > 0 => f.error(
            "MC-R09",
            "components.type1_requires_existing_only",
            PATH,
            format!("A type 1 microcredential consists only of existing course units (opleidingsonderdelen); it has {existing} existing and {new} new component(s). Use type 2 for a mix."),
        ),
        2 if existing == 0 || new == 0 => f.error(
            "MC-R09",
            "components.type2_requires_existing_and_new",
            PATH,
            format!("A type 2 microcredential combines at least one existing course unit with new lifelong-learning content; it has {existing} existing and {new} new component(s)."),
        ),
        3 | 4 if !cs.is_empty() => f.error(
            "MC-R09",
            "components.not_allowed_for_type",
            PATH,
            format!("Type {} microcredentials are not built from course units; remove the {} component(s) or use type 1 or 2.", t.get(), cs.len()),
        ),
        _ => {}
    }
    if t.has_components()
        && !cs.is_empty()
        && cs.iter().all(|c| c.ects.is_some())
        && let Some(ects) = ects
    {
        let sum: f64 = cs.iter().filter_map(|c| c.ects).map(Credits::get).sum();
        if (sum - ects.get()).abs() > 1e-9 {
            f.error(
                    "MC-R09",
                    "components.ects_sum_mismatch",
                    PATH,
                    format!("The components add up to {sum} ECTS but the microcredential has {} ECTS; for types 1 and 2 they must be equal.", ects.get()),
                );
        }
    }
}

/// MC-R10: an existing course unit names its programme, and has that programme's level.
pub fn r10_source_programmes(cs: &[LooseComponent], f: &mut Findings) {
    for c in cs.iter().filter(|c| c.origin == Some(ComponentOrigin::ExistingCourseUnit)) {
        let code = c.code.as_deref().map(clip).unwrap_or_default();
        if let Some(why) = &c.source_programme_error {
            f.error(
                "MC-R10",
                "components.source_programme_invalid",
                format!("{}/source_programme", c.path),
                format!("Existing course unit {code} {why}; give {{\"name_nl\", \"programme_type\"}} with programme_type one of {}.", ProgrammeType::allowed()),
            );
        }
        if let (Some(sp), Some(level)) = (&c.source_programme, c.level) {
            let want = sp.programme_type.level();
            if level.get() != want {
                f.error(
                    "MC-R10",
                    "components.level_mismatch",
                    format!("{}/vks_level", c.path),
                    format!("Course unit {code} is at VKS {}, but it comes from a {} programme, which is level {want}; an existing course unit has the level of its programme.", level.get(), sp.programme_type),
                );
            }
        }
    }
}

/// MC-R12: a type 1 microcredential takes the level with the largest ECTS share; on a
/// tie the institution chooses one of the tied levels and should say why.
pub fn r12_type1_level(t: McType, declared: Level, has_reason: bool, cs: &[LooseComponent], f: &mut Findings) {
    if t.get() != 1 || cs.is_empty() || cs.iter().any(|c| c.ects.is_none() || c.level.is_none()) {
        return;
    }
    let mut shares: BTreeMap<u8, f64> = BTreeMap::new();
    for c in cs {
        if let (Some(e), Some(l)) = (c.ects, c.level) {
            *shares.entry(l.get()).or_default() += e.get();
        }
    }
    let total: f64 = shares.values().sum();
    let max = shares.values().copied().fold(f64::MIN, f64::max);
    let top: Vec<u8> = shares.iter().filter(|(_, v)| (**v - max).abs() < 1e-9).map(|(k, _)| *k).collect();
    const PATH: &str = "/microcredential/vks_level";
    match top.as_slice() {
        [only] if *only != declared.get() => f.error(
            "MC-R12",
            "level.type1_not_majority",
            PATH,
            format!("Type 1: declared VKS {}, but the level with the largest ECTS share is {only} ({max} of {total} ECTS); a type 1 microcredential takes the level of that share.", declared.get()),
        ),
        [_] => {}
        tied if !tied.contains(&declared.get()) => f.error(
            "MC-R12",
            "level.type1_tie_choice_invalid",
            PATH,
            format!("Type 1: levels {tied:?} tie for the largest ECTS share ({max} ECTS each); the declared VKS {} must be one of them.", declared.get()),
        ),
        tied if !has_reason => f.warning(
            "MC-R12",
            "level.tie_choice_reason_missing",
            "/microcredential/level_tie_choice_reason",
            format!("Type 1: levels {tied:?} tie for the largest ECTS share; say why VKS {} was chosen in level_tie_choice_reason.", declared.get()),
        ),
        _ => {}
    }
}
