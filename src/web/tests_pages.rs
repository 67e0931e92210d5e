//! The other pages, other issuers' badges, and pages without links.

use serde_json::{Value, json};

use super::tests::{issued, page, plain};
use super::*;

#[test]
fn verify_form_has_labelled_fields_and_an_accessible_error() {
    let html = plain(&verify_form_page(Lang::En, None).expect("renders"));
    for w in [
        "<html lang=\"en\">",
        "<form method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\">",
        "<label for=\"credential\">",
        "<textarea id=\"credential\" name=\"credential\"",
        "<label for=\"file\">",
        "<input type=\"file\" id=\"file\" name=\"file\" accept=\".json,.jwt,.txt,.png,.svg,application/json,image/png,image/svg+xml\">",
        "<button type=\"submit\"",
        "href=\"/verify?lang=nl\" hreflang=\"nl\"",
    ] {
        assert!(html.contains(w), "missing {w}");
    }
    assert!(!html.contains("role=\"alert\""));
    let html = verify_form_page(Lang::Nl, Some("Dit is geen <JSON>")).expect("renders");
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("Dit is geen &lt;JSON&gt;"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("aria-describedby=\"credential-hint form-error\""));
    assert_eq!(html.matches("<h1").count(), 1);
}

#[test]
fn home_and_not_found_pages() {
    for lang in [Lang::Nl, Lang::En] {
        let home = plain(&home_page(lang).expect("home"));
        assert!(home.contains(&format!("href=\"/verify?lang={}\"", lang.code())));
        assert!(home.contains("Open Badges 3.0"));
        assert_eq!(home.matches("<h1").count(), 1);
        let nf = not_found_page(lang).expect("404");
        assert_eq!(nf.matches("<h1").count(), 1);
        assert!(!nf.contains("hreflang"));
        // CONTENT_SECURITY_POLICY allows no scripts and no external styles.
        let form = verify_form_page(lang, Some("x")).expect("form");
        for html in [&home, &nf, &form] {
            assert!(!html.contains("<script") && !html.contains("<link"));
        }
    }
    assert!(not_found_page(Lang::Nl).expect("404").contains("Pagina niet gevonden"));
    assert!(home_page(Lang::En).expect("home").contains("Skip to content"));
}

#[test]
fn a_badge_from_another_issuer_shows_what_ob3_gives() {
    let c = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Intro to Rust",
        "issuer": {"id": "https://example.org/issuer", "name": "Example Academy", "url": "https://example.org"},
        "validFrom": "2024-11-05T12:00:00Z",
        "credentialSubject": {
            "name": "Ada Lovelace",
            "achievement": {"name": "Intro to Rust", "description": "Ownership and borrowing.",
                "criteria": {"narrative": "1. Wrote a crate\n2. Passed the quiz"}}
        }
    });
    let html = page(Lang::En, Verdict::Authentic { by: None }, Some(&c));
    for w in [
        "<h1>Intro to Rust</h1>",
        "not a Flemish microcredential",
        "Ownership and borrowing.",
        "Example Academy",
        "5 November 2024",
        "Ada Lovelace",
        "1. Wrote a crate\n2. Passed the quiz",
    ] {
        assert!(html.contains(w), "missing {w}");
    }
    assert!(!html.contains("ECTS credits"));
}

#[test]
fn odd_and_missing_fields_never_break_the_page() {
    let odd = [
        json!({}),
        json!([]),
        json!("a string"),
        json!({"issuer": "did:key:z6Mk", "credentialSubject": [{"achievement": 3}]}),
        json!({"credentialSubject": {"achievement": {"microcredentialType": 9,
            "learningOutcomes": "x", "assessment": [], "components": [{}, 4],
            "vksLevel": "high", "creditsAvailable": "6", "localizedName": {"fr": "Titre"},
            "languagesOfInstruction": ["x-klingon", 5], "fieldOfStudy": "ISCED-F ab"}},
            "validFrom": "not a date", "issuer": {"name": null, "url": "ftp://x"}}),
    ];
    for c in &odd {
        for lang in [Lang::Nl, Lang::En] {
            let html = page(lang, Verdict::NotVerifiable { reasons: vec![] }, Some(c));
            assert_eq!(html.matches("<h1").count(), 1, "{c}");
        }
    }
    let html = page(Lang::Nl, Verdict::Authentic { by: None }, Some(&odd[4]));
    assert!(html.contains("not a date") && html.contains("Type 9"));
    assert!(!html.contains("ftp://"));
}

#[tokio::test]
async fn result_page_without_links_has_no_share_section() {
    let c: Value = issued(1).await;
    let html = credential_page(&CredentialPage {
        lang: Lang::Nl,
        verdict: Verdict::Authentic { by: None },
        credential: Some(&c),
        share_url: None,
        json_url: None,
        jwt_url: None,
        badge_png_url: None,
        badge_svg_url: None,
        qr_svg_url: None,
        lang_switch_base: "/verify",
    })
    .map(|h| plain(&h))
    .expect("renders");
    for absent in ["Delen en downloaden", "linkedin.com", "<img", "downloaden"] {
        assert!(!html.contains(absent), "unexpected {absent}");
    }
    assert!(html.contains("Data literacy for policy makers"));
    assert!(html.contains("href=\"/verify?lang=en\""));
}

mod label_tables {
    use crate::domain::types::*;
    use crate::web::Lang;
    use crate::web::labels::*;

    macro_rules! values {
        ($t:ty) => {
            <$t>::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()
        };
    }

    fn covers(table: Table, values: &[&str]) {
        for v in values {
            for lang in [Lang::Nl, Lang::En] {
                assert!(label(table, v, lang).is_some(), "no label for {v}");
            }
        }
    }

    #[test]
    fn every_enum_value_has_a_label_in_both_languages() {
        covers(DELIVERY_MODE, &values!(DeliveryMode));
        covers(ASSESSMENT_TYPE, &values!(AssessmentType));
        covers(SUPERVISION, &values!(Supervision));
        covers(QA_TYPE, &values!(QaType));
        covers(EXTERNAL_REVIEW, &values!(ExternalReview));
        covers(COMPONENT_ORIGIN, &values!(ComponentOrigin));
        covers(PROGRAMME_TYPE, &values!(ProgrammeType));
        covers(STACKABILITY, &values!(Stackability));
        covers(PLATFORM, &values!(Platform));
        covers(MC_TYPE, &["1", "2", "3", "4"]);
        assert_eq!(label(DELIVERY_MODE, "hybrid", Lang::Nl), Some("Hybride"));
        assert_eq!(label(DELIVERY_MODE, "nope", Lang::En), None);
        assert_eq!(month(2, Lang::Nl), "februari");
        assert_eq!(month(12, Lang::En), "December");
    }
}

#[tokio::test]
async fn a_verified_jwt_renders_from_the_reports_credential() {
    use crate::crypto::did::Resolver;
    use crate::issuance::{Format, IssueOptions};
    use crate::verify::verify_text;

    let options = IssueOptions { format: Format::Jwt, ..Default::default() };
    let key = crate::crypto::keys::IssuerKey::generate(crate::crypto::keys::KeyAlg::Ed25519).expect("key");
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(9);
    let clock = super::tests::clock();
    let record = super::tests::record(0);
    let issued = crate::issuance::issue(&record, &key, &clock, &mut rng, &options).await.expect("issues");
    let report = verify_text(&issued.to_wire(), &Resolver::new(), &clock).await;
    let verdict = Verdict::from_report(&report);
    assert!(matches!(verdict, Verdict::Unrecognised { .. }), "a did:key nobody registered: {verdict:?}");
    let html = page(Lang::En, verdict, report.credential.as_ref());
    assert!(html.contains("Signature correct, issuer not recognised") && !html.contains("Authentic and valid"));
    for w in ["<h1>Accessible web design</h1>", "6 ECTS credits", "Blended"] {
        assert!(html.contains(w), "missing {w}");
    }
}
