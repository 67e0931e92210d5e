use serde_json::{Value, json};

use super::*;

fn tiny_png() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(2, 2, image::Rgba([10, 20, 30, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

fn credential() -> String {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "name": "Braces {inside} a \"string\" and </svg> ]]> & more \\{",
        "credentialSubject": {"achievement": {"name": "x}}}}{"}},
        "proof": {"proofValue": "z3abc"}
    })
    .to_string()
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

fn chunk_types(png: &[u8]) -> Vec<String> {
    png::chunks_for_tests(png).into_iter().map(|k| String::from_utf8_lossy(&k).into_owned()).collect()
}

#[test]
fn escaping_keeps_the_json_value_and_leaves_only_structural_braces() {
    let c = credential();
    let escaped = escape_json_strings(&c);
    assert_eq!(serde_json::from_str::<Value>(&escaped).unwrap(), serde_json::from_str::<Value>(&c).unwrap());
    assert_eq!(escaped.matches('{').count(), 4, "{escaped}");
    assert!(!escaped.contains("]]>") && !escaped.contains('<'));
}

#[test]
fn a_baked_png_gives_back_the_credential_both_ways_and_rebaking_replaces_it() {
    let c = credential();
    let baked = bake(&tiny_png(), &c).unwrap();
    assert_eq!(chunk_types(&baked)[..2], ["IHDR".to_owned(), "iTXt".to_owned()]);
    let read = unbake(&baked).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&read).unwrap(), serde_json::from_str::<Value>(&c).unwrap());
    let wallet = unbake_by_brace_counting(&baked).expect("brace counting finds it");
    assert_eq!(serde_json::from_str::<Value>(&wallet).unwrap(), serde_json::from_str::<Value>(&c).unwrap());

    let again = bake(&baked, "aGVhZA.cGF5bG9hZA.c2ln").unwrap();
    assert_eq!(count(&again, PNG_KEYWORD.as_bytes()), 1);
    assert_eq!(unbake(&again).unwrap(), "aGVhZA.cGF5bG9hZA.c2ln");
    // The image itself is untouched: the other chunks are the original bytes.
    assert_eq!(bake(&tiny_png(), &c).unwrap(), bake(&again, &c).unwrap());
}

#[test]
fn the_baked_chunk_is_uncompressed_itxt() {
    let baked = bake(&tiny_png(), "aGVhZA.cGF5bG9hZA.c2ln").unwrap();
    let at = baked.windows(4).position(|w| w == b"iTXt").unwrap() + 4;
    let data = &baked[at..];
    assert!(data.starts_with(b"openbadgecredential\0\0\0\0\0aGVhZA."), "{:?}", &data[..40]);
}

#[test]
fn a_compressed_itxt_chunk_is_read_too() {
    use std::io::Write;
    let c = credential();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(c.as_bytes()).unwrap();
    let mut data = b"openbadgecredential\0\x01\0\0\0".to_vec();
    data.extend(z.finish().unwrap());
    let png = png::with_chunk_after_ihdr_for_tests(&tiny_png(), b"iTXt", &data);
    assert_eq!(unbake(&png).unwrap(), c);
}

#[test]
fn broken_or_plain_images_are_refused_with_a_reason() {
    let plain = tiny_png();
    assert!(matches!(unbake(&plain), Err(BakeError::NotBaked(_))));
    let mut broken = bake(&plain, "aGVhZA.cGF5bG9hZA.c2ln").unwrap();
    let at = broken.windows(5).position(|w| w == b"aGVhZ").unwrap();
    broken[at] = b'b';
    assert!(matches!(unbake(&broken), Err(BakeError::MalformedPng(m)) if m.contains("CRC")));
    assert!(matches!(unbake(b"GIF89a"), Err(BakeError::UnknownImage)));
    assert!(matches!(unbake(&plain[..20]), Err(BakeError::MalformedPng(_))));
    assert!(matches!(bake(&plain, "not a credential"), Err(BakeError::NotACredential(_))));
    assert!(matches!(bake(&plain, "[1]"), Err(BakeError::NotACredential(_))));
}

const SVG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" data-x="a>b"><rect width="10" height="10"/></svg>"#;

#[test]
fn a_baked_svg_gives_back_the_credential_and_rebaking_replaces_it() {
    let c = credential();
    let baked = String::from_utf8(bake(SVG.as_bytes(), &c).unwrap()).unwrap();
    assert!(baked.contains(r#"<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" xmlns="#), "{baked}");
    assert!(baked.contains(r#"data-x="a>b"><openbadges:credential><![CDATA[{"#), "{baked}");
    let read = unbake(baked.as_bytes()).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&read).unwrap(), serde_json::from_str::<Value>(&c).unwrap());

    let again = String::from_utf8(bake(baked.as_bytes(), "aGVhZA.cGF5bG9hZA.c2ln").unwrap()).unwrap();
    assert_eq!(again.matches("<openbadges:credential").count(), 1, "{again}");
    assert_eq!(again.matches("xmlns:openbadges").count(), 1, "{again}");
    assert!(again.contains(r#"<openbadges:credential verify="aGVhZA.cGF5bG9hZA.c2ln"></openbadges:credential><rect"#));
    assert_eq!(unbake(again.as_bytes()).unwrap(), "aGVhZA.cGF5bG9hZA.c2ln");
    assert_eq!(bake(again.as_bytes(), &c).unwrap(), baked.as_bytes());
}

#[test]
fn svg_edge_cases_are_baked_or_refused_clearly() {
    let closed = r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#;
    let baked = String::from_utf8(bake(closed.as_bytes(), "aGVhZA.cGF5bG9hZA.c2ln").unwrap()).unwrap();
    assert_eq!(unbake(baked.as_bytes()).unwrap(), "aGVhZA.cGF5bG9hZA.c2ln");
    let prefixed = r#"<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:g/></s:svg>"#;
    let baked = String::from_utf8(bake(prefixed.as_bytes(), "aGVhZA.cGF5bG9hZA.c2ln").unwrap()).unwrap();
    assert!(baked.starts_with(r#"<s:svg xmlns:openbadges="#), "{baked}");
    assert_eq!(unbake(baked.as_bytes()).unwrap(), "aGVhZA.cGF5bG9hZA.c2ln");
    assert!(matches!(unbake(SVG.as_bytes()), Err(BakeError::NotBaked(_))));
    assert!(matches!(unbake(b"<svg><unclosed></svg>"), Err(BakeError::MalformedSvg(_))));
    assert!(matches!(unbake(b"<svg>no namespace</svg>"), Err(BakeError::MalformedSvg(_))));
}

#[test]
fn entity_expansion_and_node_floods_are_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&h;</text></svg>"#;
    assert!(matches!(unbake(laughs.as_bytes()), Err(BakeError::MalformedSvg(_))));
    // Issue 27: one flat entity referenced many times (no nesting) in an attribute and in
    // text: a DOCTYPE with an internal subset is refused, naming the reason, at once.
    let entity = "x".repeat(10_000);
    let refs = "&e;".repeat(40_000);
    for bomb in [
        format!(r#"<!DOCTYPE svg [<!ENTITY e "{entity}">]><svg xmlns="http://www.w3.org/2000/svg" data-x="{refs}"/>"#),
        format!(
            r#"<!DOCTYPE svg [<!ENTITY e "{entity}">]><svg xmlns="http://www.w3.org/2000/svg"><text>{refs}</text></svg>"#
        ),
        format!(
            r#"<!doctype svg PUBLIC "x>y" "z" [<!ENTITY e "{entity}">]><svg xmlns="http://www.w3.org/2000/svg" data-x="{refs}"/>"#
        ),
    ] {
        let r = unbake(bomb.as_bytes());
        assert!(matches!(&r, Err(BakeError::MalformedSvg(m)) if m.contains("entities")), "{r:?}");
        assert!(matches!(bake(bomb.as_bytes(), "aGVhZA.cGF5bG9hZA.c2ln"), Err(BakeError::MalformedSvg(_))));
    }
    let flood = format!(r#"<svg xmlns="http://www.w3.org/2000/svg">{}</svg>"#, "<g/>".repeat(250_000));
    assert!(matches!(unbake(flood.as_bytes()), Err(BakeError::MalformedSvg(_))));
}
