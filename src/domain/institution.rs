//! The 18 Flemish higher-education institutions the framework covers (fixtures
//! README, "Institutions"; annexes 1-18 of the Flemish Government note). Ids are
//! project-internal. External identifiers (KBO/BCE, Erasmus code, ROR) must come from
//! the authoritative registries and are deliberately not asserted here.

/// One awarding institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Institution {
    /// Project-internal id, e.g. `kuleuven`.
    pub id: &'static str,
    /// Official name.
    pub name: &'static str,
    /// Public homepage.
    pub url: &'static str,
}

/// Annex I "country/region of the issuer": the same for all 18 (the Flemish
/// Community), never derived from the seat address.
pub const COUNTRY_CODE: &str = "BE";
/// Country name as shown on credentials.
pub const COUNTRY_NAME: &str = "België / Belgium";
/// Region as shown on credentials.
pub const REGION: &str = "Vlaanderen / Flanders (Flemish Community)";

/// All institutions, in annex order.
pub const INSTITUTIONS: [Institution; 18] = [
    Institution { id: "arteveldehs", name: "Arteveldehogeschool", url: "https://www.arteveldehogeschool.be" },
    Institution { id: "ap", name: "AP Hogeschool Antwerpen", url: "https://www.ap.be" },
    Institution { id: "ehb", name: "Erasmushogeschool Brussel", url: "https://www.erasmushogeschool.be" },
    Institution { id: "hogent", name: "Hogeschool Gent (HOGENT)", url: "https://www.hogent.be" },
    Institution { id: "pxl", name: "Hogeschool PXL", url: "https://www.pxl.be" },
    Institution { id: "howest", name: "Hogeschool West-Vlaanderen (Howest)", url: "https://www.howest.be" },
    Institution { id: "hzs", name: "Hogere Zeevaartschool Antwerpen", url: "https://www.hzs.be" },
    Institution { id: "kdg", name: "Karel de Grote Hogeschool", url: "https://www.kdg.be" },
    Institution { id: "vives", name: "Katholieke Hogeschool VIVES", url: "https://www.vives.be" },
    Institution { id: "kuleuven", name: "KU Leuven", url: "https://www.kuleuven.be" },
    Institution { id: "luca", name: "LUCA School of Arts", url: "https://www.luca-arts.be" },
    Institution { id: "odisee", name: "Odisee", url: "https://www.odisee.be" },
    Institution { id: "thomasmore", name: "Thomas More", url: "https://www.thomasmore.be" },
    Institution { id: "ucll", name: "UC Leuven-Limburg (UCLL)", url: "https://www.ucll.be" },
    Institution { id: "uantwerpen", name: "Universiteit Antwerpen", url: "https://www.uantwerpen.be" },
    Institution { id: "ugent", name: "Universiteit Gent", url: "https://www.ugent.be" },
    Institution { id: "uhasselt", name: "Universiteit Hasselt", url: "https://www.uhasselt.be" },
    Institution { id: "vub", name: "Vrije Universiteit Brussel", url: "https://www.vub.be" },
];

impl Institution {
    /// Looks an institution up by its id.
    pub fn by_id(id: &str) -> Option<&'static Institution> {
        INSTITUTIONS.iter().find(|i| i.id == id)
    }

    /// Looks an institution up by its name as written on credentials.
    pub fn by_name(name: &str) -> Option<&'static Institution> {
        INSTITUTIONS.iter().find(|i| i.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_names_and_urls_are_unique() {
        for (i, a) in INSTITUTIONS.iter().enumerate() {
            for b in &INSTITUTIONS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
                assert_ne!(a.url, b.url);
            }
        }
    }

    #[test]
    fn lookup_by_id_and_name_round_trips() {
        for inst in &INSTITUTIONS {
            assert_eq!(Institution::by_id(inst.id), Some(inst));
            assert_eq!(Institution::by_name(inst.name), Some(inst));
        }
        assert_eq!(Institution::by_id("hogeschool-utrecht"), None);
    }
}
