//! Public pages: the verification page, QR codes, the verify form, and the browser check
//! in headless Chromium (screenshots saved as test artifacts in target/browser-screenshots).

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::*;

/// A credential of a real (admin-created, recognised) institution; the demo institution's
/// credentials are "demo" on every page.
async fn issue_own(app: &TestApp) -> Value {
    let key = app.institution("ehb", "ehb").await;
    app.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap()
}

fn text_of(html: &str) -> String {
    let no_tags = regex::Regex::new(r"(?s)<style.*?</style>|<[^>]+>").unwrap().replace_all(html, " ");
    let decoded = no_tags.replace("&#x2f;", "/").replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", "\"");
    regex::Regex::new(r"\s+").unwrap().replace_all(&decoded, " ").into_owned()
}

#[tokio::test]
async fn the_qr_png_decodes_back_to_the_share_url() {
    let app = spawn_app().await;
    let issued = issue_own(&app).await;
    for url in [issued["qr_png_url"].as_str().unwrap(), issued["qr_svg_url"].as_str().unwrap()] {
        let r = app.client.get(url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let bytes = r.bytes().await.unwrap();
        if url.ends_with(".svg") {
            assert!(String::from_utf8_lossy(&bytes).contains("<svg"));
            continue;
        }
        let img = image::load_from_memory(&bytes).unwrap().to_luma8();
        assert!(img.width() >= 256, "big enough to scan");
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (meta, content) = grids[0].decode().unwrap();
        assert_eq!(content, issued["share_url"].as_str().unwrap());
        assert_eq!(meta.ecc_level, 0, "error correction M");
    }
}

#[tokio::test]
async fn the_verification_page_shows_the_verdict_and_annex_i_elements_in_both_languages() {
    let app = spawn_app().await;
    let issued = issue_own(&app).await;
    let share = issued["share_url"].as_str().unwrap();
    for (lang, accept_language, want) in [
        (
            "nl",
            "en",
            vec![
                "Echt en geldig",
                "Toegankelijk webdesign",
                "Erasmushogeschool Brussel",
                "6 studiepunten",
                "VKS-niveau 6",
                "Hybride",
                "toetst een website",
            ],
        ),
        (
            "en",
            "nl",
            vec![
                "Authentic and valid",
                "Accessible web design",
                "Erasmushogeschool Brussel",
                "6 ECTS credits",
                "VKS level 6",
                "Blended",
                "audits a website",
            ],
        ),
    ] {
        let r = app
            .client
            .get(format!("{share}?lang={lang}"))
            .header("accept", "text/html")
            .header("accept-language", accept_language)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\"")), "{lang}");
        let text = text_of(&html);
        for w in want {
            assert!(text.contains(w), "{lang}: '{w}' not on the page");
        }
    }
    // Accept-Language alone picks English.
    let html = app
        .client
        .get(share)
        .header("accept", "text/html")
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\""));
}

#[tokio::test]
async fn a_revoked_credential_page_says_revoked_with_the_date() {
    let app = spawn_app().await;
    let issued = issue_own(&app).await;
    let id = issued["public_id"].as_str().unwrap();
    let key = microcred::service::apikeys::create(&app.services, Some("ehb"), "t").await.unwrap().1;
    app.post_json(&format!("/api/v1/credentials/{id}/revoke"), Some(&key), &json!({"reason": "fraud"})).await;
    let html = app
        .client
        .get(format!("{}?lang=en", issued["share_url"].as_str().unwrap()))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let text = text_of(&html);
    assert!(text.contains("Revoked"), "{}", &text[..400.min(text.len())]);
    assert!(text.contains("1 September 2025"), "the revocation date is shown");
    assert!(!text.contains("fraud"), "reasons are internal");
    // The same credential pasted on /verify: revoked, with the same date.
    let json = app.client.get(issued["json_url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    let (status, html) = app.verify_page(&json, "en").await;
    let text = text_of(&html);
    assert_eq!(status, 200);
    assert!(text.contains("Revoked") && text.contains("1 September 2025"), "{}", &text[..600.min(text.len())]);
    assert!(!text.contains("fraud"), "reasons are internal");
}

#[tokio::test]
async fn the_verify_form_accepts_pasted_json_and_jwt_and_explains_garbage() {
    let app = spawn_app().await;
    let issued = issue_own(&app).await;
    let json = app.client.get(issued["json_url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    let jwt = app.client.get(issued["jwt_url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    let form = app.client.get(app.url("/verify?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(
        form.contains("multipart/form-data") && form.contains("name=\"credential\"") && form.contains("name=\"file\"")
    );
    for pasted in [json.as_str(), jwt.as_str()] {
        let body: String =
            url::form_urlencoded::Serializer::new(String::new()).append_pair("credential", pasted).finish();
        let r = app
            .client
            .post(app.url("/verify?lang=en"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let text = text_of(&r.text().await.unwrap());
        assert!(
            text.contains("Authentic and valid") && text.contains("Accessible web design"),
            "{}",
            &text[..300.min(text.len())]
        );
    }
    // Multipart upload of the file.
    let boundary = "XyZ";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"credential\"\r\n\r\n\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.json\"\r\nContent-Type: application/json\r\n\r\n{json}\r\n--{boundary}--\r\n"
    );
    let r = app
        .client
        .post(app.url("/verify?lang=nl"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(text_of(&r.text().await.unwrap()).contains("Echt en geldig"));
    // Garbage gives a readable verdict, never a 500.
    let body: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("credential", "hello").finish();
    let r = app
        .client
        .post(app.url("/verify?lang=en"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(text_of(&r.text().await.unwrap()).contains("Not verifiable"));
    let r = app
        .client
        .post(app.url("/verify"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("credential=")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn a_demo_credential_carries_the_demo_banner_and_never_says_authentic() {
    let app = spawn_app().await;
    let issued: Value = app.issue(&app.demo_key, &own_records("valid.json").remove(0)).await.json().await.unwrap();
    let report: Value = app.post_json("/api/v1/verify", None, &issued["credential"]).await.json().await.unwrap();
    assert_eq!((report["valid"].as_bool(), report["trusted"].as_bool()), (Some(true), Some(false)), "{report}");
    assert_eq!(report["issuer_trust"]["status"], "demo");
    assert_eq!(report["checks"]["issuer.recognised"], "failed");
    for (lang, banner, never) in
        [("en", "Demonstration credential", "Authentic and valid"), ("nl", "Demonstratiecredential", "Echt en geldig")]
    {
        let html = app
            .client
            .get(format!("{}?lang={lang}", issued["share_url"].as_str().unwrap()))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let text = text_of(&html);
        assert!(text.contains(banner) && !text.contains(never), "{lang}: {}", &text[..300.min(text.len())]);
    }
}

#[tokio::test]
async fn unknown_pages_are_a_friendly_404() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/nothing/here")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    // A browser following a wrong share link gets the page, in its language; an API
    // client the problem document.
    for (accept, lang, media, words) in [
        ("text/html,application/xhtml+xml,*/*;q=0.8", "en", "text/html", "not found"),
        ("text/html", "nl", "text/html", "niet gevonden"),
        ("application/json", "en", "application/problem+json", "credential 'aaaa"),
    ] {
        let r = app
            .client
            .get(app.url("/credentials/AAAAAAAAAAAAAAAAAAAAAA"))
            .header("accept", accept)
            .header("accept-language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{accept}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(media), "{accept}");
        let body = r.text().await.unwrap();
        assert!(body.to_lowercase().contains(words), "{accept} {lang}: {body}");
    }
}

fn browser_ready() -> bool {
    let ok = root().join("tests/browser/node_modules/playwright-core").is_dir()
        && std::path::Path::new("/usr/bin/chromium").exists();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser test: npm ci in tests/browser and apt-get install chromium"
        );
        crate::skip::skip(
            "browser test of the pages (tests/browser/node_modules or /usr/bin/chromium missing)",
            "(cd tests/browser && npm ci) and apt-get install chromium",
        );
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_chromium_sees_the_verdict_and_annex_i_elements_in_both_languages() {
    if !browser_ready() {
        return;
    }
    let app = spawn_app().await;
    let issued = issue_own(&app).await;
    let shots = root().join("target/browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let expect = json!({
        "nl": {"verdict": "Echt en geldig", "visible": ["Toegankelijk webdesign", "Lotte Van den Broeck", "Erasmushogeschool Brussel", "Studielast", "6 studiepunten (ECTS)", "VKS-niveau 6 (EQF 6)", "Hybride", "Leerresultaten", "Projectwerk", "Kwaliteitszorg"]},
        "en": {"verdict": "Authentic and valid", "visible": ["Accessible web design", "Lotte Van den Broeck", "Erasmushogeschool Brussel", "Notional workload", "6 ECTS credits", "VKS level 6 (EQF 6)", "Blended", "Learning outcomes", "Project work", "Quality assurance"]}
    });
    let expect_f = app.dir.path().join("expect.json");
    std::fs::write(&expect_f, expect.to_string()).unwrap();
    // The baked badge, uploaded on the /verify page instead of pasted.
    let badge = app.client.get(issued["badge_png_url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    let badge_f = app.dir.path().join("badge.png");
    std::fs::write(&badge_f, &badge).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/browser/pages.mjs"))
        .args([
            "--credential-url",
            issued["share_url"].as_str().unwrap(),
            "--verify-url",
            &app.url("/verify"),
            "--screenshots",
            shots.to_str().unwrap(),
            "--expect-json",
            expect_f.to_str().unwrap(),
            "--upload-file",
            badge_f.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(shots.join("credential-nl.png").exists() && shots.join("credential-en-360.png").exists());
    assert!(stdout.contains("verify-upload-result"), "the upload step ran: {stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_chromium_shows_the_amber_verdict_for_an_unrecognised_signer_in_both_languages() {
    if !browser_ready() {
        return;
    }
    use microcred::crypto::keys::{IssuerKey, KeyAlg};
    use rand::SeedableRng;
    let app = spawn_app().await;
    let issued = issue_own(&app).await;
    // Signed on a laptop with a fresh key, naming the same Flemish institution.
    let key = IssuerKey::generate(KeyAlg::Ed25519).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let forged = microcred::issuance::issue(
        &own_records("valid.json").remove(0),
        &key,
        &clock(),
        &mut rng,
        &microcred::issuance::IssueOptions::default(),
    )
    .await
    .unwrap()
    .credential;
    let paste = app.dir.path().join("forged.json");
    std::fs::write(&paste, forged.to_string()).unwrap();
    let expect = json!({
        "nl": {"verdict": "Echt en geldig", "visible": [], "verify_verdict": "Handtekening klopt, uitreiker niet erkend",
               "verify_visible": ["Erasmushogeschool Brussel"], "verify_absent": ["Echt en geldig", "digitale handtekening van de instelling"]},
        "en": {"verdict": "Authentic and valid", "visible": [], "verify_verdict": "Signature correct, issuer not recognised",
               "verify_visible": ["Erasmushogeschool Brussel"], "verify_absent": ["Authentic and valid", "institution's digital signature"]}
    });
    let expect_f = app.dir.path().join("expect.json");
    std::fs::write(&expect_f, expect.to_string()).unwrap();
    for lang in ["nl", "en"] {
        let shots = root().join(format!("target/browser-screenshots/unrecognised-{lang}"));
        std::fs::create_dir_all(&shots).unwrap();
        let out = Command::new("node")
            .arg(root().join("tests/browser/pages.mjs"))
            .args([
                "--credential-url",
                issued["share_url"].as_str().unwrap(),
                "--verify-url",
                &app.url(&format!("/verify?lang={lang}")),
                "--screenshots",
                shots.to_str().unwrap(),
                "--expect-json",
                expect_f.to_str().unwrap(),
                "--paste-json",
                paste.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{lang}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("absent \\\"") || stdout.contains("absent"), "{stdout}");
        assert!(shots.join("verify-result.png").exists());
    }
}
