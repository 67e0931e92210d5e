//! RDF terms, N-Quads serialisation and RDFC-1.0 canonicalisation for the fast path.
//! Canonicalisation is the whole of RDFC-1.0, N-degree hashing of blank nodes that look
//! alike included, on our own term representation (no IRI parsing or re-validation).

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

/// How many permutations and recursive N-degree hashes one canonicalisation may try
/// before the fast path gives up (the general path, with its own work budget, decides
/// then). Our credentials are trees of blank nodes hanging off IRIs, where each blank
/// node has at most a handful of blank neighbours: they need a few dozen steps.
const N_DEGREE_BUDGET: usize = 4096;

/// RDFC-1.0 (<https://www.w3.org/TR/rdf-canon/>) canonical N-Quads of `triples` with
/// `blanks` blank nodes, N-degree hashing included; `None` only when the work budget is
/// exceeded (the general path then decides).
pub fn canonicalize(triples: &[Triple], blanks: usize) -> Option<String> {
    // An RDF dataset is a set: drop repeated triples first.
    let mut seen = rustc_hash::FxHashSet::with_capacity_and_hasher(triples.len(), Default::default());
    let triples: Vec<&Triple> = triples.iter().filter(|t| seen.insert(*t)).collect();
    // Triples mentioning each blank node (4.4.3 step 2).
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
    let mut state = State {
        triples: &triples,
        mentions: &mentions,
        first: Vec::with_capacity(blanks),
        canonical: Issuer::new(blanks),
        budget: N_DEGREE_BUDGET,
    };
    // First-degree hashes (4.4.3 step 3); hex strings sort as their bytes do.
    let mut hashes: Vec<([u8; 32], usize)> = Vec::with_capacity(blanks);
    for b in 0..blanks {
        let h = state.first_degree(b);
        state.first.push(h);
        hashes.push((h, b));
    }
    hashes.sort_unstable();
    // Step 4: nodes with a unique first-degree hash get canonical labels in hash order.
    let mut shared: Vec<&[([u8; 32], usize)]> = Vec::new();
    for group in hashes.chunk_by(|a, b| a.0 == b.0) {
        if let [(_, b)] = group {
            state.canonical.issue(*b);
        } else {
            shared.push(group);
        }
    }
    // Step 5: blank nodes that look alike at first degree (e.g. the source programmes of
    // two course units of one programme), by N-degree hash, group by group in hash order.
    for group in shared {
        let mut paths: Vec<([u8; 32], Issuer)> = Vec::with_capacity(group.len());
        for &(_, b) in group {
            if state.canonical.get(b).is_some() {
                continue;
            }
            let mut temporary = Issuer::new(blanks);
            temporary.issue(b);
            paths.push(state.n_degree(b, &temporary)?);
        }
        // Stable, as the specification's "code point ordered by hash".
        paths.sort_by_key(|a| a.0);
        for (_, issuer) in &paths {
            for &b in &issuer.order {
                state.canonical.issue(b);
            }
        }
    }
    let labels: Vec<String> =
        (0..blanks).map(|b| state.canonical.get(b).map_or_else(String::new, |n| format!("c14n{n}"))).collect();
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

/// An identifier issuer (RDFC-1.0 4.3): labels handed out in order, by blank node.
#[derive(Debug, Clone)]
struct Issuer {
    /// The label number of each blank node, if issued.
    issued: Vec<Option<usize>>,
    /// Blank nodes in the order their labels were issued.
    order: Vec<usize>,
}

impl Issuer {
    fn new(blanks: usize) -> Self {
        Self { issued: vec![None; blanks], order: Vec::new() }
    }
    fn get(&self, b: usize) -> Option<usize> {
        self.issued.get(b).copied().flatten()
    }
    /// The label number of `b`, issuing the next one if it has none.
    fn issue(&mut self, b: usize) -> usize {
        if let Some(n) = self.get(b) {
            return n;
        }
        let n = self.order.len();
        self.issued[b] = Some(n);
        self.order.push(b);
        n
    }
}

/// The canonicalization state (RDFC-1.0 4.2).
struct State<'a> {
    triples: &'a [&'a Triple],
    mentions: &'a [Vec<usize>],
    /// First-degree hash of each blank node.
    first: Vec<[u8; 32]>,
    /// The canonical issuer (prefix `c14n`).
    canonical: Issuer,
    /// Permutations and recursions left.
    budget: usize,
}

impl State<'_> {
    /// Hash First Degree Quads (4.6): the node itself is `_:a`, every other blank node `_:z`.
    fn first_degree(&self, b: usize) -> [u8; 32] {
        let label = |x: usize| if x == b { "a" } else { "z" };
        let mut lines: Vec<String> = self.mentions[b].iter().map(|&i| line(self.triples[i], &label)).collect();
        lines.sort_unstable();
        let mut h = Sha256::new();
        for l in &lines {
            h.update(l.as_bytes());
        }
        h.finalize().into()
    }

    /// Hash Related Blank Node (4.7).
    fn related(&self, related: usize, p: Pred, issuer: &Issuer, position: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(position.as_bytes());
        h.update(b"<");
        h.update(p.0.as_bytes());
        h.update(p.1.as_bytes());
        h.update(b">");
        if let Some(n) = self.canonical.get(related) {
            h.update(format!("_:c14n{n}").as_bytes());
        } else if let Some(n) = issuer.get(related) {
            h.update(format!("_:b{n}").as_bytes());
        } else {
            h.update(hex::encode(self.first[related]).as_bytes());
        }
        h.finalize().into()
    }

    /// Hash N-Degree Quads (4.8): the hash of `id` and the issuer that goes with it;
    /// `None` when the work budget runs out.
    fn n_degree(&mut self, id: usize, issuer: &Issuer) -> Option<([u8; 32], Issuer)> {
        self.budget = self.budget.checked_sub(1)?;
        // Steps 1-3: related blank nodes grouped by their hash, groups in hash order.
        let mut groups: std::collections::BTreeMap<[u8; 32], Vec<usize>> = Default::default();
        for &i in &self.mentions[id] {
            let t = self.triples[i];
            for (term, position) in [(&t.s, "s"), (&t.o, "o")] {
                if let Term::Blank(r) = *term
                    && r != id
                {
                    groups.entry(self.related(r, t.p, issuer, position)).or_default().push(r);
                }
            }
        }
        let mut data = String::new();
        let mut issuer = issuer.clone();
        for (hash, list) in groups {
            data.push_str(&hex::encode(hash));
            let mut chosen: Option<(String, Issuer)> = None;
            for permutation in permutations(&list, &mut self.budget)? {
                let longer = |path: &str, chosen: &Option<(String, Issuer)>| {
                    chosen.as_ref().is_some_and(|(c, _)| path.len() >= c.len() && path > c.as_str())
                };
                let mut copy = issuer.clone();
                let mut path = String::new();
                let mut recursion = Vec::new();
                let mut skip = false;
                for &r in &permutation {
                    if let Some(n) = self.canonical.get(r) {
                        path.push_str(&format!("_:c14n{n}"));
                    } else {
                        if copy.get(r).is_none() {
                            recursion.push(r);
                        }
                        path.push_str(&format!("_:b{}", copy.issue(r)));
                    }
                    if longer(&path, &chosen) {
                        skip = true;
                        break;
                    }
                }
                if skip {
                    continue;
                }
                for r in recursion {
                    let (h, result_issuer) = self.n_degree(r, &copy)?;
                    path.push_str(&format!("_:b{}<{}>", copy.issue(r), hex::encode(h)));
                    copy = result_issuer;
                    if longer(&path, &chosen) {
                        skip = true;
                        break;
                    }
                }
                if skip {
                    continue;
                }
                if chosen.as_ref().is_none_or(|(c, _)| path < *c) {
                    chosen = Some((path, copy));
                }
            }
            let (path, chosen_issuer) = chosen?;
            data.push_str(&path);
            issuer = chosen_issuer;
        }
        Some((Sha256::digest(data.as_bytes()).into(), issuer))
    }
}

/// Every permutation of `list` (lexicographic order of positions), each paid for from
/// `budget`; `None` when they do not fit in it.
fn permutations(list: &[usize], budget: &mut usize) -> Option<Vec<Vec<usize>>> {
    let count = (1..=list.len()).try_fold(1usize, |acc, k| acc.checked_mul(k).filter(|n| *n <= *budget))?;
    *budget -= count;
    let mut positions: Vec<usize> = (0..list.len()).collect();
    let mut out = Vec::with_capacity(count);
    loop {
        out.push(positions.iter().map(|&i| list[i]).collect());
        // Next permutation: the longest non-increasing suffix, swap, reverse.
        let Some(i) = (1..positions.len()).rev().find(|&i| positions[i - 1] < positions[i]) else { break };
        let Some(j) = (i..positions.len()).rev().find(|&j| positions[j] > positions[i - 1]) else { break };
        positions.swap(i - 1, j);
        positions[i..].reverse();
    }
    Some(out)
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
