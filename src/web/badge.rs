//! The badge image of a credential, made from its data: the institution, the title in
//! the credential's own language, the ECTS, the level and the Flemish type, as a
//! 512×512 SVG (readable at 256 px; `role="img"` with a `<title>` and `<desc>` as its
//! text alternative) and as a PNG rendered from that SVG with resvg and the embedded
//! DejaVu Sans fonts (`src/web/fonts/`, so every machine renders the same pixels).

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::fmt::{first, level_number, number, str_at};
use super::{Lang, WebError, render};

/// The side of the image, in pixels.
pub const SIZE_PX: u32 = 512;

const FONT_REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans-subset.ttf");
const FONT_BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold-subset.ttf");

/// Characters per line that fit the width at each font size (DejaVu Sans Bold averages
/// about 0.62 em per character).
const ISSUER_CHARS: usize = 30;
const TITLE_CHARS: usize = 21;

/// Splits text into at most `max_lines` lines of at most `width` characters at spaces;
/// a word longer than a line is cut, and text that does not fit ends with "…".
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut words = text.split_whitespace().peekable();
    let mut truncated = false;
    while let Some(word) = words.next() {
        let word: String = if word.chars().count() > width {
            word.chars().take(width - 1).collect::<String>() + "…"
        } else {
            word.to_owned()
        };
        let fits = cur.is_empty() || cur.chars().count() + 1 + word.chars().count() <= width;
        if !fits {
            lines.push(std::mem::take(&mut cur));
            if lines.len() == max_lines {
                truncated = true;
                break;
            }
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
        if words.peek().is_none() {
            break;
        }
    }
    if !cur.is_empty() && lines.len() < max_lines {
        lines.push(cur);
    }
    if truncated && let Some(last) = lines.last_mut() {
        let keep: String = last.chars().take(width.saturating_sub(1)).collect();
        *last = format!("{}…", keep.trim_end());
    }
    lines
}

/// What the badge shows, read from the credential JSON (every field optional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadgeText {
    /// The language of the labels: the credential's own (`achievement.inLanguage`).
    pub lang: Lang,
    /// The title in the credential's language.
    pub title: String,
    /// The awarding institution.
    pub issuer: Option<String>,
    /// `6 ECTS`.
    pub ects: Option<String>,
    /// `EQF 6 · VKS 6 · type 2`.
    pub facts: Option<String>,
}

impl BadgeText {
    /// Reads the credential (a Data Integrity credential or a VC-JWT payload's).
    pub fn from_credential(c: &Value) -> Self {
        let subject = c.get("credentialSubject").map(first).unwrap_or(&Value::Null);
        let a = subject.get("achievement").unwrap_or(&Value::Null);
        let lang = str_at(a, &["inLanguage"]).and_then(|l| Lang::from_tag(&l)).unwrap_or(Lang::En);
        let title = str_at(a, &["name"]).or_else(|| str_at(c, &["name"])).unwrap_or_else(|| "Open Badge".into());
        let issuer = str_at(c, &["issuer", "name"]);
        let ects = a.get("creditsAvailable").and_then(|n| number(n, lang)).map(|n| format!("{n} ECTS"));
        let mut facts = Vec::new();
        if let Some(e) = a.get("eqfLevel").and_then(level_number) {
            facts.push(format!("EQF {e}"));
        }
        if let Some(v) = a.get("vksLevel").and_then(level_number) {
            facts.push(format!("VKS {v}"));
        }
        if let Some(t) = a.get("microcredentialType").and_then(Value::as_u64) {
            facts.push(format!("type {t}"));
        }
        let facts = (!facts.is_empty()).then(|| facts.join(" · "));
        Self { lang, title, issuer, ects, facts }
    }

    /// The text alternative: what the image says, as one sentence.
    pub fn alt(&self) -> String {
        let kind = "Microcredential";
        let by = if self.lang == Lang::Nl { "uitgereikt door" } else { "awarded by" };
        let mut s = format!("{kind} “{}”", self.title);
        if let Some(i) = &self.issuer {
            s.push_str(&format!(", {by} {i}"));
        }
        for part in [&self.ects, &self.facts].into_iter().flatten() {
            s.push_str(&format!(", {part}"));
        }
        s
    }
}

/// The badge image as SVG.
pub fn svg(c: &Value) -> Result<String, WebError> {
    let b = BadgeText::from_credential(c);
    let issuer_lines = b.issuer.as_deref().map(|i| wrap(i, ISSUER_CHARS, 2)).unwrap_or_default();
    let title_lines = wrap(&b.title, TITLE_CHARS, 4);
    // Centre the title block between the label (y=180) and the rule (y=372).
    let title_y = 276 - (title_lines.len().saturating_sub(1) * 42) / 2 + 12;
    let kind_label = "MICROCREDENTIAL";
    render(
        "badge.svg",
        minijinja::context! {
            lang => b.lang.code(),
            alt_title => b.title,
            alt_desc => b.alt(),
            issuer_lines,
            kind_label,
            title_lines,
            title_y,
            ects => b.ects,
            facts => b.facts,
        },
    )
}

fn options() -> &'static resvg::usvg::Options<'static> {
    static OPTIONS: OnceLock<resvg::usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(FONT_REGULAR.to_vec());
        db.load_font_data(FONT_BOLD.to_vec());
        resvg::usvg::Options { font_family: "DejaVu Sans".into(), fontdb: Arc::new(db), ..Default::default() }
    })
}

/// An SVG rendered as a PNG at its own size (text in the embedded fonts).
pub fn png_of_svg(svg: &str) -> Result<Vec<u8>, WebError> {
    let tree = resvg::usvg::Tree::from_str(svg, options()).map_err(|e| WebError::Image(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| WebError::Image("empty image".into()))?;
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| WebError::Image(e.to_string()))
}

/// The badge image as PNG.
pub fn png(c: &Value) -> Result<Vec<u8>, WebError> {
    png_of_svg(&svg(c)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_and_marks_what_was_cut() {
        let cases: [(&str, usize, usize, &[&str]); 4] = [
            ("Toegankelijk webdesign", 21, 3, &["Toegankelijk", "webdesign"]),
            ("Data science voor de publieke sector", 21, 3, &["Data science voor de", "publieke sector"]),
            ("a b c d e f g h", 3, 2, &["a b", "c…"]),
            ("Supercalifragilisticexpialidocious", 10, 2, &["Supercali…"]),
        ];
        for (text, w, n, want) in cases {
            assert_eq!(wrap(text, w, n), want, "{text}");
        }
    }
}
