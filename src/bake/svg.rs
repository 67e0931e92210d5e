//! SVG baking: the document is parsed (roxmltree) to find the root `<svg>` start tag and
//! any credential elements by namespace; the text is then edited around those places,
//! so everything else in the image stays as it was.

use super::{BakeError, MAX_CREDENTIAL_BYTES, Payload, SVG_NAMESPACE};

const SVG_NS: &str = "http://www.w3.org/2000/svg";
/// The most XML nodes read from one image (a badge has a few hundred).
const MAX_NODES: u32 = 200_000;

fn parse(text: &str) -> Result<roxmltree::Document<'_>, BakeError> {
    // No entities (issue 27): roxmltree refuses nested "billion laughs" entities, but one
    // flat entity referenced thousands of times in an attribute or text is expanded in
    // full (a 160 KB SVG took 12 s of CPU and 3.9 GB). Entities can only be declared in a
    // DTD's internal subset (roxmltree never loads an external DTD), so a DOCTYPE with an
    // internal subset is refused with the reason before anything is expanded; the plain
    // `<!DOCTYPE svg PUBLIC … "svg11.dtd">` that editors write stays accepted. The node
    // limit bounds memory whatever else the input holds.
    if has_internal_subset(text) {
        return Err(BakeError::MalformedSvg(
            "the SVG's document type declaration (<!DOCTYPE … [ … ]>) declares entities; entities are not accepted in badge images: save the SVG without the DOCTYPE's [ … ] part".into(),
        ));
    }
    let options = roxmltree::ParsingOptions { allow_dtd: true, nodes_limit: MAX_NODES, ..Default::default() };
    let doc =
        roxmltree::Document::parse_with_options(text, options).map_err(|e| BakeError::MalformedSvg(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        return Err(BakeError::MalformedSvg("the root element is not <svg> in the SVG namespace".into()));
    }
    Ok(doc)
}

/// Whether the text's `<!DOCTYPE` (any case) has an internal subset (`[ … ]`), the only
/// place a document can declare entities. Quoted public and system ids are skipped.
fn has_internal_subset(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(start) = bytes.windows(9).position(|w| w.eq_ignore_ascii_case(b"<!DOCTYPE")) else { return false };
    let mut quote = None;
    for &b in &bytes[start + 9..] {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => return true,
            (None, b'>') => return false,
            _ => {}
        }
    }
    // An unterminated declaration: refused too (roxmltree would fail on it anyway).
    true
}

fn credential_elements<'a>(doc: &'a roxmltree::Document<'a>) -> impl Iterator<Item = roxmltree::Node<'a, 'a>> {
    doc.descendants().filter(|n| {
        n.is_element() && n.tag_name().namespace() == Some(SVG_NAMESPACE) && n.tag_name().name() == "credential"
    })
}

/// Where the start tag that begins at `start` ends (the index of its `>`), skipping
/// quoted attribute values.
fn start_tag_end(text: &str, start: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, &b) in text.as_bytes().iter().enumerate().skip(start) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The SVG with the payload in one `<openbadges:credential>` element right after the
/// root start tag; earlier credential elements are removed.
pub(super) fn bake(text: &str, payload: &Payload) -> Result<String, BakeError> {
    let doc = parse(text)?;
    let root = doc.root_element();
    let start = root.range().start;
    let tag_end = start_tag_end(text, start).ok_or_else(|| BakeError::MalformedSvg("unterminated <svg>".into()))?;
    let self_closing = text.as_bytes().get(tag_end - 1) == Some(&b'/');
    let declared = root.namespaces().any(|ns| ns.name() == Some("openbadges") && ns.uri() == SVG_NAMESPACE);
    if !declared && root.namespaces().any(|ns| ns.name() == Some("openbadges")) {
        return Err(BakeError::MalformedSvg("the prefix openbadges is bound to another namespace".into()));
    }
    let element = match payload {
        Payload::Json(json) => format!("<openbadges:credential><![CDATA[{json}]]></openbadges:credential>"),
        Payload::Jws(jws) => format!("<openbadges:credential verify=\"{jws}\"></openbadges:credential>"),
    };
    let mut removed: Vec<std::ops::Range<usize>> = credential_elements(&doc).map(|n| n.range()).collect();
    removed.sort_by_key(|r| r.start);
    // The end of the qualified name after `<` (it may carry a prefix: `<svg:svg`).
    let name_end = text[start + 1..]
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .map_or(tag_end, |i| start + 1 + i);
    let mut out = String::with_capacity(text.len() + element.len() + 64);
    out.push_str(&text[..name_end]);
    if !declared {
        out.push_str(&format!(" xmlns:openbadges=\"{SVG_NAMESPACE}\""));
    }
    if self_closing {
        out.push_str(&text[name_end..tag_end - 1]);
        out.push('>');
        out.push_str(&element);
        out.push_str(&format!("</{}>", &text[start + 1..name_end]));
        out.push_str(&text[tag_end + 1..]);
        return Ok(out);
    }
    out.push_str(&text[name_end..=tag_end]);
    out.push_str(&element);
    let mut at = tag_end + 1;
    for r in removed {
        if r.start >= at {
            out.push_str(&text[at..r.start]);
            at = r.end;
        }
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The first credential element's JWS (`verify` attribute) or JSON (its text).
pub(super) fn unbake(text: &str) -> Result<String, BakeError> {
    let doc = parse(text)?;
    let el = credential_elements(&doc)
        .next()
        .ok_or(BakeError::NotBaked("no <openbadges:credential> element in the ob/v3p0 namespace"))?;
    let found = match el.attribute("verify") {
        Some(jws) => jws.trim().to_owned(),
        None => el.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<String>().trim().to_owned(),
    };
    if found.is_empty() {
        return Err(BakeError::NotBaked("the <openbadges:credential> element is empty"));
    }
    if found.len() > MAX_CREDENTIAL_BYTES {
        return Err(BakeError::TooLarge);
    }
    Ok(found)
}
