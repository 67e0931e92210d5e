//! RDF terms, N-Quads serialisation and RDFC-1.0 canonicalisation for the fast path.
//! Canonicalisation here handles the common case (every blank node has a distinct
//! first-degree hash) itself and hands the rest to ssi's RDFC-1.0 implementation.

use sha2::{Digest, Sha256};

/// An RDF term of the default graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    /// An IRI.
    Iri(String),
    /// A blank node, by local number.
    Blank(usize),
    /// A literal: value, datatype IRI (`None`: xsd:string), language tag.
    Literal(String, Option<&'static str>, Option<String>),
}

/// A predicate IRI as two static parts (namespace, local name), joined when written.
pub type Pred = (&'static str, &'static str);

/// One triple (all our quads are in the default graph).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Triple {
    /// Subject.
    pub s: Term,
    /// Predicate IRI.
    pub p: Pred,
    /// Object.
    pub o: Term,
}

/// Whether a string can go into a canonical N-Quads literal without escapes on which
/// implementations disagree (only `"`, `\`, LF and CR are escaped everywhere).
pub fn plain_text(s: &str) -> bool {
    !s.chars().any(|c| (c < ' ' && c != '\n' && c != '\r') || c == '\u{7f}')
}

/// Whether a string is an absolute IRI that N-Quads can carry unescaped.
pub fn plain_iri(s: &str) -> bool {
    s.contains(':')
        && !s.chars().any(|c| c <= ' ' || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\'))
        // What JSON-LD takes for an IRI (`…/v1.]son` is not one: the general path makes it
        // something else, and the two paths must agree; found by tests/fuzz).
        && ssi::json_ld::iref::Iri::new(s).is_ok()
}

fn escape_into(out: &mut String, s: &str) {
    if !s.bytes().any(|b| matches!(b, b'"' | b'\\' | b'\n' | b'\r')) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn term_into<'l>(out: &mut String, t: &Term, label: &dyn Fn(usize) -> &'l str) {
    match t {
        Term::Iri(i) => {
            out.push('<');
            out.push_str(i);
            out.push('>');
        }
        Term::Blank(b) => {
            out.push_str("_:");
            out.push_str(label(*b));
        }
        Term::Literal(v, dt, lang) => {
            out.push('"');
            escape_into(out, v);
            out.push('"');
            if let Some(l) = lang {
                out.push('@');
                out.push_str(l);
            } else if let Some(d) = dt {
                out.push_str("^^<");
                out.push_str(d);
                out.push('>');
            }
        }
    }
}

fn line<'l>(t: &Triple, label: &dyn Fn(usize) -> &'l str) -> String {
    let mut out = String::with_capacity(128);
    term_into(&mut out, &t.s, label);
    out.push_str(" <");
    out.push_str(t.p.0);
    out.push_str(t.p.1);
    out.push_str("> ");
    term_into(&mut out, &t.o, label);
    out.push_str(" .\n");
    out
}

/// RDFC-1.0 canonical N-Quads of `triples` with `blanks` blank nodes; `None` only when a
/// term cannot be represented (the general path then decides).
pub fn canonicalize(triples: &[Triple], blanks: usize) -> Option<String> {
    // An RDF dataset is a set: drop repeated triples first.
    let mut seen = rustc_hash::FxHashSet::with_capacity_and_hasher(triples.len(), Default::default());
    let triples: Vec<&Triple> = triples.iter().filter(|t| seen.insert(*t)).collect();
    // Triples mentioning each blank node.
    let mut mentions: Vec<Vec<usize>> = vec![Vec::new(); blanks];
    for (i, t) in triples.iter().enumerate() {
        if let Term::Blank(b) = t.s {
            mentions[b].push(i);
        }
        if let Term::Blank(b) = t.o
            && t.s != Term::Blank(b)
        {
            mentions[b].push(i);
        }
    }
    // First-degree hashes: the node itself is _:a, every other blank node _:z.
    let mut hashes: Vec<([u8; 32], usize)> = Vec::with_capacity(blanks);
    let mut lines: Vec<String> = Vec::new();
    for (b, ts) in mentions.iter().enumerate() {
        let label = |x: usize| if x == b { "a" } else { "z" };
        lines.clear();
        lines.extend(ts.iter().map(|&i| line(triples[i], &label)));
        lines.sort_unstable();
        let mut h = Sha256::new();
        for l in &lines {
            h.update(l.as_bytes());
        }
        hashes.push((h.finalize().into(), b));
    }
    // Hex strings sort as their bytes do.
    hashes.sort_unstable();
    if hashes.windows(2).any(|w| w[0].0 == w[1].0) {
        // Blank nodes that look alike (e.g. two course units from the same programme)
        // need the N-degree hashing of RDFC-1.0: the general implementation does it.
        return with_n_degree_hashing(&triples);
    }
    let mut labels = vec![String::new(); blanks];
    for (n, (_, b)) in hashes.iter().enumerate() {
        labels[*b] = format!("c14n{n}");
    }
    let label = |x: usize| labels.get(x).map_or("", String::as_str);
    let mut lines: Vec<String> = triples.iter().map(|t| line(t, &label)).collect();
    lines.sort_unstable();
    lines.dedup();
    let mut out = String::with_capacity(lines.iter().map(String::len).sum());
    for l in lines {
        out.push_str(&l);
    }
    Some(out)
}

/// RDFC-1.0 by ssi's implementation (the one the general path uses), for graphs where
/// first-degree hashes do not tell every blank node apart.
fn with_n_degree_hashing(triples: &[&Triple]) -> Option<String> {
    use rdf_types::{BlankIdBuf, Id, IriBuf, LexicalQuad, Literal, LiteralType, Quad, Term as RdfTerm};
    const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
    const RDF_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
    let blank = |b: usize| BlankIdBuf::new(format!("_:b{b}")).ok();
    let iri = |i: &str| IriBuf::new(i.to_owned()).ok();
    let mut quads: Vec<LexicalQuad> = Vec::with_capacity(triples.len());
    for t in triples {
        let s = match &t.s {
            Term::Iri(i) => Id::Iri(iri(i)?),
            Term::Blank(b) => Id::Blank(blank(*b)?),
            Term::Literal(..) => return None,
        };
        let p = iri(&format!("{}{}", t.p.0, t.p.1))?;
        let o = match &t.o {
            Term::Iri(i) => RdfTerm::Id(Id::Iri(iri(i)?)),
            Term::Blank(b) => RdfTerm::Id(Id::Blank(blank(*b)?)),
            Term::Literal(v, _, Some(lang)) => {
                let tag = langtag::LangTagBuf::new(lang.clone()).ok()?;
                RdfTerm::Literal(Literal::new(v.clone(), LiteralType::LangString(tag)))
            }
            Term::Literal(v, dt, None) => {
                let dt = dt.unwrap_or(XSD_STRING);
                if dt == RDF_LANG_STRING {
                    return None;
                }
                RdfTerm::Literal(Literal::new(v.clone(), LiteralType::Any(iri(dt)?)))
            }
        };
        quads.push(Quad(s, p, o, None));
    }
    Some(ssi::rdf::urdna2015::normalize(quads.iter().map(Quad::as_lexical_quad_ref)).into_nquads())
}

/// Lexical form JSON-LD 1.1 gives a native number with a coerced datatype (as jsonld.js).
pub fn number_lexical(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{f:.0}");
    }
    let s = format!("{f:.15e}");
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = match mantissa.split_once('.') {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            format!("{int}.{}", if frac.is_empty() { "0" } else { frac })
        }
        None => format!("{mantissa}.0"),
    };
    format!("{mantissa}E{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_json_ld_lexical_rules() {
        for (f, want) in [(10.0, "10"), (7.5, "7.5E0"), (0.5, "5.0E-1"), (1e21, "1.0E21"), (12.25, "1.225E1")] {
            assert_eq!(number_lexical(f), want, "{f}");
        }
    }

    #[test]
    fn literals_escape_quotes_backslashes_and_line_breaks() {
        let t = Triple {
            s: Term::Iri("urn:x".into()),
            p: ("urn:p", ""),
            o: Term::Literal("a\"b\\c\nd\re".into(), None, None),
        };
        assert_eq!(line(&t, &|_| ""), "<urn:x> <urn:p> \"a\\\"b\\\\c\\nd\\re\" .\n");
        assert!(!plain_text("tab\there") && plain_text("line\nbreak"));
        assert!(plain_iri("https://x/y#z") && !plain_iri("not an iri") && !plain_iri("relative"));
    }
}
