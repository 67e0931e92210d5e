//! The page language: Dutch or English, chosen from `?lang=` or the `Accept-Language`
//! header (RFC 9110 §12.5.4, language ranges as in RFC 4647 §2.1, basic filtering).

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Dutch (the default).
    Nl,
    /// English.
    En,
}

/// Languages in order of preference when nothing else decides.
const SUPPORTED: [Lang; 2] = [Lang::Nl, Lang::En];

/// At most this many ranges of an `Accept-Language` header are read.
const MAX_RANGES: usize = 32;

impl Lang {
    /// The BCP 47 code: `nl` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The other language.
    pub fn other(self) -> Lang {
        match self {
            Lang::Nl => Lang::En,
            Lang::En => Lang::Nl,
        }
    }

    /// Reads a language tag by its primary subtag (`nl`, `nl-BE`, `EN-gb`); anything
    /// else is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        SUPPORTED.into_iter().find(|l| primary.eq_ignore_ascii_case(l.code()))
    }

    /// `?lang=` query value wins; else the best match of an Accept-Language header
    /// (q-values!); default Nl.
    ///
    /// A query value that is not `nl` or `en` (with or without region) is ignored. In
    /// the header, a range matches a language by its primary subtag; `*` matches the
    /// languages no other range names; `q=0` excludes; ties go to the range listed
    /// first; a range with a malformed q-value is ignored.
    pub fn negotiate(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = query.and_then(Lang::from_tag) {
            return lang;
        }
        accept_language.and_then(best_of_header).unwrap_or(Lang::Nl)
    }
}

/// One parsed language range: the language it names (`None` for `*`), its weight
/// and its position in the header.
struct Range {
    lang: Option<Lang>,
    wildcard: bool,
    q: f32,
    pos: usize,
}

fn parse_range(pos: usize, item: &str) -> Option<Range> {
    let mut parts = item.split(';');
    let tag = parts.next()?.trim();
    if tag.is_empty() {
        return None;
    }
    let mut q = 1.0_f32;
    for param in parts {
        let (k, v) = param.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("q") {
            q = parse_q(v.trim())?;
        }
    }
    let wildcard = tag == "*";
    let lang = if wildcard { None } else { Lang::from_tag(tag) };
    Some(Range { lang, wildcard, q, pos })
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`.
fn parse_q(v: &str) -> Option<f32> {
    let ok_shape = !v.is_empty()
        && v.len() <= 5
        && v.chars().all(|c| c.is_ascii_digit() || c == '.')
        && (v.starts_with('0') || v.starts_with('1'));
    let q: f32 = v.parse().ok().filter(|_| ok_shape)?;
    (0.0..=1.0).contains(&q).then_some(q)
}

fn best_of_header(header: &str) -> Option<Lang> {
    let ranges: Vec<Range> =
        header.split(',').take(MAX_RANGES).enumerate().filter_map(|(i, item)| parse_range(i, item)).collect();
    let wildcard = ranges.iter().find(|r| r.wildcard);
    let mut best: Option<(f32, usize, Lang)> = None;
    for lang in SUPPORTED {
        // The highest weight among ranges naming this language; else the wildcard's.
        let named = ranges
            .iter()
            .filter(|r| r.lang == Some(lang))
            .map(|r| (r.q, r.pos))
            .reduce(|a, b| if b.0 > a.0 { b } else { a });
        let score = named.or_else(|| wildcard.map(|w| (w.q, w.pos)));
        let Some((q, pos)) = score else { continue };
        if q <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((bq, bpos, _)) => q > bq || (q == bq && pos < bpos),
        };
        if better {
            best = Some((q, pos, lang));
        }
    }
    best.map(|(_, _, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_query_then_header_then_default() {
        let cases: [(Option<&str>, Option<&str>, Lang); 22] = [
            (None, None, Lang::Nl),
            (Some("en"), None, Lang::En),
            (Some("EN"), Some("nl"), Lang::En),
            (Some("nl"), Some("en"), Lang::Nl),
            (Some("en-GB"), Some("nl"), Lang::En),
            (Some("fr"), Some("en"), Lang::En),
            (Some(""), Some("en"), Lang::En),
            (None, Some("en"), Lang::En),
            (None, Some("nl-BE"), Lang::Nl),
            (None, Some("nl-BE,nl;q=0.9,en;q=0.8"), Lang::Nl),
            (None, Some("fr-BE,fr;q=0.9,en-US;q=0.8,nl;q=0.7"), Lang::En),
            (None, Some("nl;q=0.2, en;q=0.9"), Lang::En),
            (None, Some("en, nl"), Lang::En),
            (None, Some("*"), Lang::Nl),
            (None, Some("nl;q=0.1, *"), Lang::En),
            (None, Some("nl;q=0, *;q=0.5"), Lang::En),
            (None, Some("en;q=0"), Lang::Nl),
            (None, Some("de, fr"), Lang::Nl),
            (None, Some(";;;,,=q;;"), Lang::Nl),
            (None, Some("en;q=abc, nl;q=0.5"), Lang::Nl),
            (None, Some("en;q=2, nl;q=0.5"), Lang::Nl),
            (None, Some("\u{0}garbage\u{ff}"), Lang::Nl),
        ];
        for (q, h, want) in cases {
            assert_eq!(Lang::negotiate(q, h), want, "query {q:?}, header {h:?}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(Lang::Nl.code(), "nl");
        assert_eq!(Lang::En.code(), "en");
        assert_eq!(Lang::Nl.other(), Lang::En);
    }
}
