//! Credential page tests on real credentials, issued here with the library.

use chrono::{NaiveDate, TimeZone, Utc};
use rand::SeedableRng;
use serde_json::Value;

use super::*;
use crate::clock::FixedClock;
use crate::crypto::did::Resolver;
use crate::crypto::keys::{IssuerKey, KeyAlg};
use crate::issuance::{IssueOptions, issue};
use crate::verify::verify_text;

const VALID: &str = include_str!("../../tests/fixtures/valid.json");

/// The fixtures' "today".
pub(super) fn clock() -> FixedClock {
    FixedClock::at_date(NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"))
}

/// Record `index` of `tests/fixtures/valid.json`.
pub(super) fn record(index: usize) -> Value {
    let all: Vec<Value> = serde_json::from_str(VALID).expect("fixtures are JSON");
    all[index].clone()
}

/// Issues a record as JSON with a proof; returns the key too, for verification.
pub(super) async fn issued_with(record: &Value, options: &IssueOptions) -> Value {
    let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    issue(record, &key, &clock(), &mut rng, options).await.expect("the fixture issues").credential
}

pub(super) async fn issued(index: usize) -> Value {
    issued_with(&record(index), &IssueOptions::default()).await
}

/// minijinja escapes `/` as `&#x2f;` (harmless in HTML); tests read it back as `/`.
pub(super) fn plain(html: &str) -> String {
    html.replace("&#x2f;", "/")
}

pub(super) fn page(lang: Lang, verdict: Verdict, credential: Option<&Value>) -> String {
    let html = credential_page(&CredentialPage {
        lang,
        verdict,
        credential,
        share_url: Some("https://badges.example.be/credentials/k3Yp9"),
        json_url: Some("/credentials/k3Yp9.json"),
        jwt_url: Some("/credentials/k3Yp9.jwt"),
        badge_png_url: None,
        badge_svg_url: None,
        qr_svg_url: Some("/credentials/k3Yp9/qr.svg"),
        lang_switch_base: "/credentials/k3Yp9",
    })
    .expect("renders");
    plain(&html)
}

fn assert_all(html: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(html.contains(w), "missing {w:?} in:\n{html}");
    }
}

fn assert_none(html: &str, unwanted: &[&str]) {
    for u in unwanted {
        assert!(!html.contains(u), "unexpected {u:?}");
    }
}

#[tokio::test]
async fn real_credential_in_dutch() {
    let c = issued(0).await;
    let html = page(Lang::Nl, Verdict::Authentic { by: None }, Some(&c));
    assert_all(
        &html,
        &[
            "<html lang=\"nl\">",
            "Echt en geldig",
            "role=\"status\"",
            "<h1>Toegankelijk webdesign</h1>",
            "Lotte Van den Broeck",
            "<a href=\"https://www.erasmushogeschool.be/\">Erasmushogeschool Brussel</a>",
            "België, Vlaanderen",
            "20 juni 2025",
            "6 studiepunten (ECTS)",
            "VKS-niveau 6 (EQF 6)",
            "Type 1: een of meer bestaande opleidingsonderdelen",
            "Hybride",
            "<li>De deelnemer toetst een website aan de WCAG 2.2-succescriteria.</li>",
            "Projectwerk, Mondeling examen",
            "Auditrapport van een bestaande website",
            "Interne kwaliteitszorg van de instelling volgens de ESG; Instellingsreview door de NVAO",
            "Basiskennis HTML en CSS.",
            "Ter plaatse onder toezicht, met identiteitscontrole",
            "14/20",
            "Stapelbaar naar Postgraduaat Digitale toegankelijkheid",
            "FIX-EHB-WEB1",
            "Bachelor in de toegepaste informatica (Bachelor)",
            "3 februari 2025 – 30 mei 2025",
            "Nederlands, Engels",
            "ISCED-F 0613 (Informatie- en communicatietechnologie)",
            "href=\"/credentials/k3Yp9?lang=en\" hreflang=\"en\"",
            "hreflang=\"nl\" lang=\"nl\" aria-current=\"true\"",
            "JSON downloaden",
            "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME",
            "src=\"/credentials/k3Yp9/qr.svg\"",
        ],
    );
    assert_none(&html, &["Accessible web design", "sha256$", "Blended", "on site"]);
    assert_eq!(html.matches("<h1").count(), 1);
}

#[tokio::test]
async fn the_linkedin_link_carries_the_title_of_the_page_language() {
    let c = issued(0).await;
    let link = |html: &str| -> String {
        let at = html.find("https://www.linkedin.com/profile/add?").expect("a LinkedIn link");
        html[at..].split('"').next().expect("href").replace("&amp;", "&")
    };
    let en = link(&page(Lang::En, Verdict::Authentic { by: None }, Some(&c)));
    assert!(en.contains("name=Accessible%20web%20design&"), "{en}");
    let nl = link(&page(Lang::Nl, Verdict::Authentic { by: None }, Some(&c)));
    assert!(nl.contains("name=Toegankelijk%20webdesign&"), "{nl}");
}

#[tokio::test]
async fn real_credential_in_english() {
    let c = issued(0).await;
    let html = page(Lang::En, Verdict::Authentic { by: None }, Some(&c));
    assert_all(
        &html,
        &[
            "<html lang=\"en\">",
            "Authentic and valid",
            "<h1>Accessible web design</h1>",
            "Belgium, Flanders (Flemish Community)",
            "20 June 2025",
            "6 ECTS credits",
            "VKS level 6 (EQF 6)",
            "Type 1: one or more existing course units",
            "Blended",
            "<li>The participant audits a website against the WCAG 2.2 success criteria.</li>",
            "Project work, Oral examination",
            "Audit report of an existing website",
            "Internal quality assurance of the institution, following the ESG",
            "Supervised on site, with identity verification",
            "Web standards",
            "Dutch, English",
            "Add to LinkedIn profile",
            "Download JWT",
            "hreflang=\"en\" lang=\"en\" aria-current=\"true\"",
        ],
    );
    assert_none(&html, &["Toegankelijk webdesign</h1>", "Hybride", "sha256$"]);
}

#[tokio::test]
async fn text_in_the_credential_is_escaped() {
    let mut c = issued(0).await;
    let evil = "<script>alert('x')</script>";
    c["credentialSubject"]["identifier"][1]["identityHash"] = Value::from(evil);
    c["credentialSubject"]["achievement"]["localizedName"]["nl"] = Value::from(evil);
    c["issuer"]["name"] = Value::from("A & B \"quoted\"");
    c["issuer"]["url"] = Value::from("javascript:alert(1)");
    c["credentialSubject"]["achievement"]["criteria"]["id"] = Value::from("javascript:x");
    let html = page(Lang::Nl, Verdict::Authentic { by: None }, Some(&c));
    assert_none(&html, &["<script>", "javascript:"]);
    assert_all(&html, &["&lt;script&gt;alert(", "A &amp; B &quot;quoted&quot;"]);
}

#[tokio::test]
async fn every_verdict_renders_in_both_languages() {
    let c = issued(1).await;
    let since = Some("2025-10-02T10:00:00Z".to_owned());
    let cases = [
        (Verdict::Authentic { by: None }, ["Echt en geldig", "Authentic and valid"]),
        (Verdict::Revoked { since: since.clone(), reason: Some("fraude <b>".into()) }, ["Ingetrokken", "Revoked"]),
        (Verdict::Suspended { since: None, reason: None }, ["Geschorst", "Suspended"]),
        (Verdict::Expired { on: "2026-01-31T00:00:00Z".into() }, ["Verlopen", "Expired"]),
        (
            Verdict::NotVerifiable { reasons: vec!["signature does not match".into()] },
            ["Niet te verifiëren", "Not verifiable"],
        ),
    ];
    for (verdict, words) in cases {
        for (lang, word) in [(Lang::Nl, words[0]), (Lang::En, words[1])] {
            for cred in [Some(&c), None] {
                let html = page(lang, verdict.clone(), cred);
                assert!(html.contains(word), "{verdict:?} {lang:?}");
                assert!(html.contains("role=\"status\""));
                assert_eq!(html.matches("<h1").count(), 1);
            }
        }
    }
    let revoked = Verdict::Revoked { since, reason: Some("fraude <b>".into()) };
    let html = page(Lang::Nl, revoked.clone(), Some(&c));
    assert_all(&html, &["Sinds: <strong>2 oktober 2025</strong>", "Reden: fraude &lt;b&gt;"]);
    let expired = Verdict::Expired { on: "2026-01-31T00:00:00Z".into() };
    assert!(page(Lang::En, expired, None).contains("Valid until: <strong>31 January 2026</strong>"));
    let nv = Verdict::NotVerifiable { reasons: vec!["bad <sig>".into()] };
    assert!(page(Lang::En, nv, None).contains("<li>bad &lt;sig&gt;</li>"));
}

#[tokio::test]
async fn verdicts_from_real_reports() {
    let until = Utc.with_ymd_and_hms(2025, 9, 5, 0, 0, 0).single().expect("date");
    let options = IssueOptions { valid_until: Some(until), ..Default::default() };
    let c = issued_with(&record(0), &options).await;
    let text = serde_json::to_string(&c).expect("json");
    let resolver = Resolver::new();
    // Unknown signer: never "authentic", whatever the credential says.
    let unknown = verify_text(&text, &resolver, &clock()).await;
    let claimed = c["issuer"]["name"].as_str().expect("name").to_owned();
    assert_eq!(Verdict::from_report(&unknown), Verdict::Unrecognised { claimed: claimed.clone() });
    // The same signer in the registry as the institution the credential names.
    let inst = crate::domain::Institution::by_name(&claimed).expect("one of the 18");
    let (names, url) = crate::trust::flemish(inst.id).expect("names");
    let registry = crate::trust::TrustRegistry::new(
        vec![crate::trust::TrustEntry {
            did: c["issuer"]["id"].as_str().expect("did").to_owned(),
            institution_id: Some(inst.id.to_owned()),
            names: names.clone(),
            url,
            valid_from: None,
            valid_until: None,
            source: "test".into(),
        }],
        Default::default(),
    );
    let verify_at = |clock: FixedClock| {
        let (text, resolver, registry) = (text.clone(), resolver.clone(), registry.clone());
        async move {
            let ctx = crate::verify::VerifyContext {
                resolver: &resolver,
                status: &crate::status::check::NoStatusLists,
                clock: &clock,
                expect: Default::default(),
                trust: &registry,
            };
            crate::verify::verify_text_with(&text, ctx).await
        }
    };
    let before = verify_at(clock()).await;
    assert_eq!(Verdict::from_report(&before), Verdict::Authentic { by: Some(names) });
    assert!(page(Lang::En, Verdict::from_report(&before), Some(&c)).contains("Signed by"));
    let later = FixedClock::at_date(NaiveDate::from_ymd_opt(2025, 10, 1).expect("date"));
    let after = verify_at(later).await;
    assert_eq!(Verdict::from_report(&after), Verdict::Expired { on: "2025-09-05T00:00:00Z".into() });
    let unknown_later = verify_text(&text, &resolver, &later).await;
    assert!(
        matches!(Verdict::from_report(&unknown_later), Verdict::Unrecognised { .. }),
        "not even expired-but-authentic"
    );
    let mut tampered = c.clone();
    tampered["credentialSubject"]["creditsEarned"] = Value::from(20);
    let text = serde_json::to_string(&tampered).expect("json");
    for clock in [clock(), later] {
        let report = verify_text(&text, &resolver, &clock).await;
        match Verdict::from_report(&report) {
            Verdict::NotVerifiable { reasons } => assert!(!reasons.is_empty()),
            other => panic!("tampered credential gave {other:?}"),
        }
    }
    let garbage = verify_text("hello", &resolver, &clock()).await;
    assert!(matches!(Verdict::from_report(&garbage), Verdict::NotVerifiable { .. }));
}
