//! Baked badges: a credential carried inside its badge image, per Open Badges 3.0
//! §5.3 "Baked Badge" (<https://www.imsglobal.org/spec/ob/v3p0/#baking>).
//!
//! - PNG: one uncompressed `iTXt` chunk with the keyword `openbadgecredential` whose
//!   text is the JSON credential (Data Integrity) or the compact JWS (VC-JWT).
//! - SVG: `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` on the root and one
//!   `<openbadges:credential>` element right after the `<svg>` start tag, holding the
//!   JSON in CDATA or the JWS in a `verify` attribute.
//!
//! Baking replaces any credential already baked in, never adds a second. Extraction reads
//! the first credential the way the 1EdTech validator does (the first `iTXt` chunk with
//! that keyword; the SVG element by namespace). The Learner Credential Wallet instead
//! scans the PNG bytes for the keyword and counts braces from the first `{` without
//! regard to JSON strings, so the JSON we bake has every `{`, `}`, `<` and `>` inside
//! its strings escaped (`\u007b`…): the same JSON value, readable both ways.
//!
//! Pure byte work, no I/O.

mod png;
mod svg;

/// The keyword of the PNG `iTXt` chunk.
pub const PNG_KEYWORD: &str = "openbadgecredential";
/// The namespace of the SVG element.
pub const SVG_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";
/// The most a baked credential may hold (the verifier reads no more either).
pub const MAX_CREDENTIAL_BYTES: usize = 1 << 20;

/// Why a badge could not be baked or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BakeError {
    /// Neither a PNG (by its signature) nor an SVG document.
    #[error("not a PNG or SVG image")]
    UnknownImage,
    /// The PNG's chunk structure is broken.
    #[error("malformed PNG: {0}")]
    MalformedPng(String),
    /// The SVG is not well-formed XML or its root is not `<svg>`.
    #[error("malformed SVG: {0}")]
    MalformedSvg(String),
    /// The credential to bake is neither JSON nor a compact JWS.
    #[error("the credential to bake is neither a JSON object nor a compact JWS: {0}")]
    NotACredential(String),
    /// The image holds no baked credential.
    #[error("the image holds no baked credential ({0})")]
    NotBaked(&'static str),
    /// The baked credential is larger than [`MAX_CREDENTIAL_BYTES`].
    #[error("the baked credential is larger than {} KiB", MAX_CREDENTIAL_BYTES >> 10)]
    TooLarge,
}

/// The image formats a badge can be baked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// SVG.
    Svg,
}

impl ImageKind {
    /// Recognises an image by its first bytes: the PNG signature, or markup that names
    /// `svg` in its first 4 KiB (an `<svg>` root, perhaps prefixed, after a declaration,
    /// comments or a doctype). Parsing then tells whether it really is SVG.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(png::SIGNATURE) {
            return Some(Self::Png);
        }
        let head = &bytes[..bytes.len().min(4096)];
        let head = String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head));
        let t = head.trim_start();
        (t.starts_with('<') && t.contains("svg")).then_some(Self::Svg)
    }

    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Svg => "image/svg+xml",
        }
    }
}

/// What is baked: the JSON credential (escaped for brace-counting readers) or a JWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A JSON credential with an embedded proof, as baked.
    Json(String),
    /// A compact JWS (VC-JWT).
    Jws(String),
}

impl Payload {
    /// Reads a credential given as text: a JSON object (Data Integrity) or a compact JWS.
    pub fn parse(text: &str) -> Result<Self, BakeError> {
        let t = text.trim().trim_start_matches('\u{feff}');
        if t.len() > MAX_CREDENTIAL_BYTES {
            return Err(BakeError::TooLarge);
        }
        if t.starts_with('{') {
            let value: serde_json::Value =
                serde_json::from_str(t).map_err(|e| BakeError::NotACredential(format!("invalid JSON: {e}")))?;
            if !value.is_object() {
                return Err(BakeError::NotACredential("JSON that is not an object".into()));
            }
            return Ok(Self::Json(escape_json_strings(t)));
        }
        let parts: Vec<&str> = t.split('.').collect();
        let b64url = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && b64url(p)) {
            return Ok(Self::Jws(t.to_owned()));
        }
        Err(BakeError::NotACredential("expected a JSON object or header.payload.signature".into()))
    }

    /// The baked text.
    pub fn text(&self) -> &str {
        match self {
            Self::Json(s) | Self::Jws(s) => s,
        }
    }
}

/// Escapes `{`, `}`, `<`, `>` and `&` inside the strings of a JSON text as `\u00XX`.
/// The JSON value is unchanged; every brace left is structural, so a reader that
/// counts braces from the first `{` finds the end of the object, and the text can
/// stand in an XML CDATA section (no `]]>`). The input must be valid JSON.
pub fn escape_json_strings(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            } else if matches!(c, '{' | '}' | '<' | '>' | '&') {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
                continue;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    out
}

/// Bakes a credential (JSON or JWS text) into a PNG or SVG image, replacing any
/// credential baked in before.
pub fn bake(image: &[u8], credential: &str) -> Result<Vec<u8>, BakeError> {
    let payload = Payload::parse(credential)?;
    match ImageKind::sniff(image).ok_or(BakeError::UnknownImage)? {
        ImageKind::Png => png::bake(image, &payload),
        ImageKind::Svg => {
            let text = std::str::from_utf8(image).map_err(|_| BakeError::MalformedSvg("not UTF-8".into()))?;
            Ok(svg::bake(text, &payload)?.into_bytes())
        }
    }
}

/// The first credential baked into a PNG or SVG image, as text (JSON or JWS).
pub fn unbake(image: &[u8]) -> Result<String, BakeError> {
    match ImageKind::sniff(image).ok_or(BakeError::UnknownImage)? {
        ImageKind::Png => png::unbake(image),
        ImageKind::Svg => {
            let text = std::str::from_utf8(image).map_err(|_| BakeError::MalformedSvg("not UTF-8".into()))?;
            svg::unbake(text)
        }
    }
}

/// The credential as the Learner Credential Wallet reads a baked PNG: the bytes after
/// the first occurrence of the keyword, from the first `{` to the brace that closes it,
/// counting braces without regard to JSON strings. For tests and diagnostics: it is
/// how we check that what we bake survives such readers.
pub fn unbake_by_brace_counting(image: &[u8]) -> Option<String> {
    let key = PNG_KEYWORD.as_bytes();
    let at = image.windows(key.len()).position(|w| w == key)? + key.len();
    let start = at + image[at..].iter().position(|&b| b == b'{')?;
    let mut depth = 0usize;
    for (i, &b) in image[start..].iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return String::from_utf8(image[start..=start + i].to_vec()).ok();
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
