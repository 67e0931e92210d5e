//! The fixed wording of the pages, in Dutch and English. Templates read it as `t.key`;
//! a missing key is a render error (the environment is semi-strict), so a typo in a
//! template fails the tests instead of printing nothing.

use std::collections::BTreeMap;

use super::Lang;

/// `(key, Dutch, English)`.
#[rustfmt::skip]
const UI: &[(&str, &str, &str)] = &[
    // Frame
    ("site_name", "Vlaamse microcredentials", "Flemish microcredentials"),
    ("skip", "Naar de inhoud", "Skip to content"),
    ("lang_nav", "Taal", "Language"),
    ("nav_home", "Start", "Home"),
    ("nav_verify", "Credential controleren", "Verify a credential"),
    ("footer", "Microcredentials van het Vlaamse hoger onderwijs, uitgereikt als Open Badges 3.0 (W3C Verifiable Credentials). Deze pagina werkt zonder JavaScript.", "Microcredentials of Flemish higher education, issued as Open Badges 3.0 (W3C Verifiable Credentials). This page works without JavaScript."),
    // Verdicts
    ("v_authentic", "Echt en geldig", "Authentic and valid"),
    ("v_authentic_detail", "De digitale handtekening van de instelling klopt: de gegevens hieronder zijn niet gewijzigd sinds de uitreiking.", "The institution's digital signature is correct: the details below have not been changed since they were issued."),
    ("v_authentic_by", "Ondertekend door", "Signed by"),
    ("v_authentic_registry", "een erkende instelling volgens het register van deze dienst", "a recognised institution according to this service's registry"),
    ("v_unrecognised", "Handtekening klopt, uitreiker niet erkend", "Signature correct, issuer not recognised"),
    ("v_unrecognised_detail", "De handtekening klopt, maar wie ondertekende is geen erkende instelling: dit bewijst niet dat {claimed} dit credential uitreikte.", "The signature is correct, but the signer is not a recognised institution: this does not prove that {claimed} awarded it."),
    ("v_demo", "Demonstratiecredential", "Demonstration credential"),
    ("v_demo_detail", "Ondertekend met een openbare testsleutel: dit credential bewijst niets.", "Signed with a public test key; it proves nothing."),
    ("v_revoked", "Ingetrokken", "Revoked"),
    ("v_revoked_detail", "De instelling heeft dit credential ingetrokken. Het is niet meer geldig.", "The institution has revoked this credential. It is no longer valid."),
    ("v_suspended", "Geschorst", "Suspended"),
    ("v_suspended_detail", "De instelling heeft dit credential tijdelijk geschorst. Het is op dit moment niet geldig.", "The institution has temporarily suspended this credential. It is not valid at the moment."),
    ("v_expired", "Verlopen", "Expired"),
    ("v_expired_detail", "Dit credential is echt, maar zijn geldigheid is afgelopen.", "This credential is authentic, but its validity has ended."),
    ("v_expired_on", "Geldig tot", "Valid until"),
    ("v_not_verifiable", "Niet te verifiëren", "Not verifiable"),
    ("v_not_verifiable_detail", "Dit credential kon niet gecontroleerd worden. Vertrouw de gegevens hieronder niet.", "This credential could not be verified. Do not rely on the details below."),
    ("v_since", "Sinds", "Since"),
    ("v_reason", "Reden", "Reason"),
    ("v_reasons", "Waarom", "Why"),
    // Sections
    ("sec_award", "Het microcredential", "The microcredential"),
    ("sec_content", "Inhoud en niveau", "Content and level"),
    ("sec_outcomes", "Leerresultaten", "Learning outcomes"),
    ("sec_assessment", "Toetsing en kwaliteit", "Assessment and quality"),
    ("sec_badge", "Gegevens van de badge", "Details of the badge"),
    ("sec_share", "Delen en downloaden", "Share and download"),
    ("sec_technical", "Technische gegevens", "Technical details"),
    // Annex I elements
    ("learner", "Lerende", "Learner"),
    ("title", "Titel", "Title"),
    ("awarding_body", "Uitreikende instelling", "Awarding institution"),
    ("country", "Land en regio", "Country and region"),
    ("issued_on", "Datum van uitreiking", "Date of issuing"),
    ("workload", "Studielast", "Notional workload"),
    ("ects_unit", "studiepunten (ECTS)", "ECTS credits"),
    ("credits_earned", "Behaalde studiepunten", "Credits earned"),
    ("ects_exception", "Uitzondering op de studielast", "Workload exception"),
    ("level", "Niveau", "Level"),
    ("level_vks", "VKS-niveau", "VKS level"),
    ("mc_type", "Soort microcredential", "Type of microcredential"),
    ("delivery", "Vorm van deelname", "Form of participation"),
    ("outcomes", "Leerresultaten", "Learning outcomes"),
    ("assessment", "Soort toetsing", "Type of assessment"),
    ("announced", "De toetsing werd vooraf aangekondigd.", "The assessment was announced in advance."),
    ("qa", "Kwaliteitszorg", "Quality assurance"),
    ("prerequisites", "Toelatingsvoorwaarden", "Prerequisites"),
    ("supervision", "Toezicht en identiteitscontrole", "Supervision and identity verification"),
    ("grade", "Resultaat", "Grade"),
    ("stackability", "Integratie en stapelbaarheid", "Integration and stackability"),
    ("stackable_towards", "Stapelbaar naar", "Stackable towards"),
    ("components", "Onderdelen", "Components"),
    ("col_code", "Code", "Code"),
    ("col_title", "Titel", "Title"),
    ("col_ects", "ECTS", "ECTS"),
    ("col_level", "Niveau", "Level"),
    ("col_origin", "Herkomst", "Origin"),
    ("credit_certificates", "Creditbewijzen", "Credit certificates"),
    ("credit_certificates_yes", "Ja: voor de onderdelen worden ook creditbewijzen uitgereikt.", "Yes: credit certificates are also issued for the components."),
    ("credit_certificates_no", "Nee", "No"),
    ("activity_period", "Periode van de leeractiviteit", "Activity period"),
    ("term", "Academiejaar en semester", "Academic term"),
    ("languages", "Onderwijstaal", "Language of instruction"),
    ("field", "Studiegebied (ISCED-F)", "Field of study (ISCED-F)"),
    ("more_info", "Meer informatie", "Further information"),
    ("platform", "Aangeboden via", "Offered through"),
    ("description", "Omschrijving", "Description"),
    ("criteria", "Criteria", "Criteria"),
    ("not_stated", "niet vermeld", "not stated"),
    ("other_badge", "Dit is geen Vlaams microcredential. Hieronder staat wat de Open Badge zelf vermeldt.", "This is not a Flemish microcredential. Below is what the Open Badge itself states."),
    ("unreadable", "De inhoud van het credential kon niet gelezen worden.", "The content of the credential could not be read."),
    // Share
    ("download_json", "JSON downloaden", "Download JSON"),
    ("download_badge_png", "Badge downloaden (PNG, met credential)", "Download badge (PNG, credential inside)"),
    ("download_badge_svg", "Badge downloaden (SVG, met credential)", "Download badge (SVG, credential inside)"),
    ("download_jwt", "JWT downloaden", "Download JWT"),
    ("linkedin", "Toevoegen aan je LinkedIn-profiel", "Add to LinkedIn profile"),
    ("qr_alt", "QR-code met de link naar dit credential", "QR code with the link to this credential"),
    ("share_link", "Link naar deze pagina", "Link to this page"),
    ("credential_id", "Credential-ID", "Credential ID"),
    ("issuer_id", "ID van de uitgever", "Issuer ID"),
    // Verify page
    ("verify_title", "Een credential controleren", "Verify a credential"),
    ("verify_intro", "Plak een credential (JSON of JWT) of kies een bestand, ook een badge-afbeelding (PNG of SVG) met het credential erin. We controleren de digitale handtekening, de geldigheid en de regels voor microcredentials.", "Paste a credential (JSON or JWT) or choose a file, also a badge image (PNG or SVG) with the credential baked in. We check the digital signature, the validity and the microcredential rules."),
    ("paste_label", "Credential (JSON of JWT)", "Credential (JSON or JWT)"),
    ("paste_hint", "Plak hier de volledige tekst van het credential.", "Paste the full text of the credential here."),
    ("file_label", "Of kies een bestand (.json, .jwt, .txt, of een badge .png of .svg)", "Or choose a file (.json, .jwt, .txt, or a badge .png or .svg)"),
    ("submit", "Controleren", "Verify"),
    ("error_heading", "Dat lukte niet", "That did not work"),
    // Home page
    ("home_title", "Microcredentials van het Vlaamse hoger onderwijs", "Microcredentials of Flemish higher education"),
    ("home_intro", "Deze dienst reikt microcredentials van Vlaamse hogescholen en universiteiten uit als digitaal ondertekende Open Badges 3.0 (W3C Verifiable Credentials).", "This service issues microcredentials of Flemish university colleges and universities as digitally signed Open Badges 3.0 (W3C Verifiable Credentials)."),
    ("home_link", "Kreeg je een link of QR-code naar een microcredential? Open die: de pagina toont of het credential echt en geldig is, met alle gegevens die de Europese aanbeveling over microcredentials vraagt.", "Did you receive a link or QR code to a microcredential? Open it: the page shows whether the credential is authentic and valid, with every element the European recommendation on microcredentials asks for."),
    ("home_verify_heading", "Een bestand controleren", "Verify a file"),
    ("home_verify", "Heb je het credential als bestand (JSON of JWT)? Controleer het hier.", "Do you have the credential as a file (JSON or JWT)? Verify it here."),
    // Not found
    ("nf_title", "Pagina niet gevonden", "Page not found"),
    ("nf_text", "Deze pagina bestaat niet (meer). Controleer de link, of ga naar de startpagina.", "This page does not exist (any more). Check the link, or go to the home page."),
    ("nf_home", "Naar de startpagina", "Go to the home page"),
    // Claim page (OpenID4VCI offer)
    ("claim_title", "Je microcredential in je wallet", "Your microcredential in your wallet"),
    ("claim_intro", "Scan deze QR-code met je digitale wallet (bijvoorbeeld een EU Digital Identity Wallet) om dit microcredential op je eigen sleutel te laten uitreiken.", "Scan this QR code with your digital wallet (for example an EU Digital Identity Wallet) to have this microcredential issued to your own key."),
    ("claim_qr_alt", "QR-code met het aanbod voor je wallet", "QR code with the offer for your wallet"),
    ("claim_link", "Op dit toestel? Open het aanbod rechtstreeks in je wallet", "On this device? Open the offer directly in your wallet"),
    ("claim_pin", "Je wallet vraagt een pincode van 6 cijfers. Die kreeg je apart van je instelling (bijvoorbeeld per e-mail of sms).", "Your wallet will ask for a 6-digit PIN. Your institution sent it to you separately (for example by e-mail or text message)."),
    ("claim_expires", "Dit aanbod is geldig tot", "This offer is valid until"),
    ("claim_once", "Het aanbod kan één keer gebruikt worden.", "The offer can be used once."),
    ("claim_gone_title", "Dit aanbod is niet meer geldig", "This offer is no longer valid"),
    ("claim_gone", "Het aanbod is verlopen of al gebruikt. Vraag je instelling om een nieuw aanbod.", "The offer has expired or was already used. Ask your institution for a new offer."),
    ("claim_done", "Het credential werd al in een wallet opgehaald.", "The credential was already collected into a wallet."),
];

/// Every string of the pages in `lang`, by key.
pub fn ui(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    UI.iter().map(|(k, nl, en)| (*k, if lang == Lang::Nl { *nl } else { *en })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_texts_present() {
        let map = ui(Lang::En);
        assert_eq!(map.len(), UI.len(), "duplicate key");
        assert!(UI.iter().all(|(_, nl, en)| !nl.is_empty() && !en.is_empty()));
    }
}
