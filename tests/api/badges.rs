//! Baked badges (Open Badges 3.0 "Baked Badge"): the PNG and SVG the service makes for
//! a credential carry it, every reader gets it back (ours, an independent PNG chunk
//! reader and XML parser from npm, the Learner Credential Wallet's brace counting), it
//! verifies with the Digital Bazaar verifier, and verification accepts the images.

use std::process::Command;

use serde_json::Value;

use crate::helpers::*;

async fn issue_own(app: &TestApp) -> Value {
    let key = app.institution("ehb", "ehb").await;
    app.issue(&key, &own_records("valid.json").remove(0)).await.json().await.unwrap()
}

async fn get(app: &TestApp, url: &str) -> (String, Vec<u8>) {
    let r = app.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let media = r.headers()["content-type"].to_str().unwrap().to_owned();
    (media, r.bytes().await.unwrap().to_vec())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn multipart_file(name: &str, media: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "bAkEdBaDgE";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"credential\"\r\n\r\n\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {media}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn the_badge_images_carry_the_credential_and_verify_as_uploads() {
    let app = spawn_app().await;
    let issued = issue_own(&app).await;
    let ldp = serde_json::to_string(&issued["credential"]).unwrap();
    let (_, jwt) = get(&app, issued["jwt_url"].as_str().unwrap()).await;
    let jwt = String::from_utf8(jwt).unwrap();
    let png_url = issued["badge_png_url"].as_str().unwrap().to_owned();
    let svg_url = issued["badge_svg_url"].as_str().unwrap().to_owned();
    assert!(png_url.ends_with("/badge.png") && svg_url.ends_with("/badge.svg"));

    // PNG, JSON by default: one uncompressed iTXt chunk; read by chunks and by braces.
    let (media, png) = get(&app, &png_url).await;
    assert_eq!(media, "image/png");
    let img = image::load_from_memory(&png).expect("a PNG any decoder reads");
    assert_eq!((img.width(), img.height()), (512, 512));
    assert_eq!(json(&microcred::bake::unbake(&png).unwrap()), json(&ldp));
    assert_eq!(json(&microcred::bake::unbake_by_brace_counting(&png).unwrap()), json(&ldp));
    assert_eq!(png.windows(19).filter(|w| *w == b"openbadgecredential").count(), 1);
    // ?format=jwt bakes the VC-JWT.
    let (_, png_jwt) = get(&app, &format!("{png_url}?format=jwt")).await;
    assert_eq!(microcred::bake::unbake(&png_jwt).unwrap(), jwt);

    // SVG: the element right after <svg>, a text alternative, the title.
    let (media, svg) = get(&app, &svg_url).await;
    assert_eq!(media, "image/svg+xml");
    let svg_text = String::from_utf8(svg.clone()).unwrap();
    assert!(svg_text.contains(r#"xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0""#));
    assert!(svg_text.contains("<openbadges:credential><![CDATA[{"), "{}", &svg_text[..300]);
    assert!(svg_text.contains(r#"role="img""#) && svg_text.contains("<title id=\"badge-title\">"));
    assert!(svg_text.contains("Toegankelijk webdesign") && svg_text.contains("6 ECTS"), "{svg_text}");
    assert_eq!(json(&microcred::bake::unbake(&svg).unwrap()), json(&ldp));
    let (_, svg_jwt) = get(&app, &format!("{svg_url}?format=jwt")).await;
    assert!(String::from_utf8_lossy(&svg_jwt).contains(&format!("verify=\"{jwt}\"")));
    let r = app.client.get(format!("{png_url}?format=pdf")).send().await.unwrap();
    assert_eq!(r.status(), 400, "an unknown format is refused");

    // POST /api/v1/verify with the images.
    for (media, body) in [("image/png", &png), ("image/svg+xml", &svg), ("image/png", &png_jwt)] {
        let r = app
            .client
            .post(app.url("/api/v1/verify"))
            .header("content-type", media)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{media}");
        let report: Value = r.json().await.unwrap();
        assert_eq!(report["valid"], true, "{media}: {report}");
        assert_eq!(report["trusted"], true, "{media}: {report}");
    }
    // A PNG without a credential: a 400 that says what a baked badge holds.
    let plain =
        microcred::web::badge::png_of_svg(r#"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>"#).unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("content-type", "image/png")
        .body(plain)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let problem: Value = r.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("openbadgecredential"), "{problem}");

    // The /verify page takes the PNG as an upload.
    let (ct, body) = multipart_file("badge.png", "image/png", &png);
    let r = app.client.post(app.url("/verify?lang=en")).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Authentic and valid") && html.contains("Accessible web design"), "{html}");

    // The share page links to both badges.
    let page =
        app.client.get(issued["share_url"].as_str().unwrap()).header("accept", "text/html").send().await.unwrap();
    let html = page.text().await.unwrap().replace("&#x2f;", "/");
    let public_id = issued["public_id"].as_str().unwrap();
    assert!(html.contains(&format!("/credentials/{public_id}/badge.png")), "link to the PNG");
    assert!(html.contains(&format!("/credentials/{public_id}/badge.svg")), "link to the SVG");
}

fn js_ready() -> bool {
    let ok = root().join("tests/js/node_modules/png-chunks-extract").is_dir();
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must run the JS interop tests: run `npm ci` in tests/js");
        crate::skip::skip(
            "baked badges read by npm readers (tests/js/node_modules missing)",
            "(cd tests/js && npm ci)",
        );
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_readers_get_the_baked_credential_and_the_digital_bazaar_verifier_accepts_it() {
    if !js_ready() {
        return;
    }
    let app = spawn_app().await;
    let issued = issue_own(&app).await;
    let dir = app.dir.path().to_owned();
    let png_url = issued["badge_png_url"].as_str().unwrap();
    let svg_url = issued["badge_svg_url"].as_str().unwrap();
    let mut files = Vec::new();
    for (name, url) in [
        ("ldp.png", png_url.to_owned()),
        ("ldp.svg", svg_url.to_owned()),
        ("jwt.png", format!("{png_url}?format=jwt")),
        ("jwt.svg", format!("{svg_url}?format=jwt")),
    ] {
        let (_, bytes) = get(&app, &url).await;
        let f = dir.join(name);
        std::fs::write(&f, bytes).unwrap();
        files.push(f);
    }
    let did_doc = app.client.get(app.url("/issuers/ehb/did.json")).send().await.unwrap().text().await.unwrap();
    let doc_f = dir.join("did.json");
    std::fs::write(&doc_f, did_doc).unwrap();

    let unbake = |method: &str, images: &[&std::path::Path]| {
        let out = Command::new("node")
            .arg(root().join("tests/js/unbake.mjs"))
            .args(["--method", method])
            .args(images)
            .output()
            .unwrap();
        assert!(out.status.success(), "{method}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    // The 1EdTech way (chunks, namespace) for all four; the wallet's brace counting for
    // the JSON one in the PNG.
    let by_chunks = unbake("chunks", &files.iter().map(|f| f.as_path()).collect::<Vec<_>>());
    let by_braces = unbake("braces", &[files[0].as_path()]);
    assert_eq!(by_chunks.lines().count(), 4);
    assert_eq!(json(by_braces.trim()), issued["credential"], "brace counting gives the credential");
    assert_eq!(json(by_chunks.lines().next().unwrap()), issued["credential"]);
    let all = dir.join("unbaked.txt");
    std::fs::write(&all, format!("{by_chunks}{by_braces}")).unwrap();
    let contexts = app.js_contexts().await;
    let out = Command::new("node")
        .arg(root().join("tests/js/verify.mjs"))
        .args(["--contexts", &contexts])
        .args(["--now", "2025-09-01T00:00:00Z", "--did-doc", doc_f.to_str().unwrap(), all.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches("\"verified\":true").count(), 5, "{stdout}");
}
