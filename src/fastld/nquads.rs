//! RDF terms, N-Quads serialisation and RDFC-1.0 canonicalisation for the fast path.
//! Canonicalisation is the whole of RDFC-1.0, N-degree hashing of blank nodes that look
//! alike included, on our own term representation (no IRI parsing or re-validation).

use std::borrow::Cow;
use std::sync::LazyLock;

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

fn term_into(out: &mut String, t: &Term) {
    match t {
        Term::Iri(i) => {
            out.push('<');
            out.push_str(i);
            out.push('>');
        }
        // Blank nodes are written by their label, where the line is assembled.
        Term::Blank(_) => {}
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

/// How many permutations and recursive N-degree hashes one canonicalisation may try
/// before the fast path gives up (the general path, with its own work budget, decides
/// then). Our credentials are trees of blank nodes hanging off IRIs, where each blank
/// node has at most a handful of blank neighbours: they need a few dozen steps.
const N_DEGREE_BUDGET: usize = 4096;

/// The subject or object of a line: a blank node (written by its label), or the N-Quads
/// text of any other term, as a range of [`Rows::text`].
#[derive(Debug, Clone, Copy)]
enum Part {
    Blank(usize),
    Text(u32, u32),
}

impl Part {
    /// Whether both are the same blank node or the same stretch of text (so the same
    /// bytes; equal texts written twice are not the same part).
    fn same(self, other: Part) -> bool {
        match (self, other) {
            (Part::Blank(a), Part::Blank(b)) => a == b,
            (Part::Text(a, b), Part::Text(c, d)) => a == c && b == d,
            _ => false,
        }
    }
}

/// The triples as lines waiting for their blank node labels: every IRI and literal is
/// written (escaped) once, and every predicate gets its rank in N-Quads order.
///
/// Lines are sorted by (subject text, predicate rank, object text) instead of as whole
/// strings. That is the same order: a subject or object is followed in its line by a
/// space, and no byte of a term is a space or below it (literals with control
/// characters never reach the fast path; see [`plain_text`]), so a term that is a prefix
/// of another sorts first either way; a predicate `<P>` is followed by `>`, so
/// predicates rank by the bytes of `P>`.
struct Rows<'a> {
    triples: Vec<&'a Triple>,
    text: String,
    rows: Vec<(Part, u32, Part)>,
}

impl<'a> Rows<'a> {
    /// The distinct triples of `all` (an RDF dataset is a set: a triple given twice, or
    /// with its predicate IRI split differently, is one).
    fn new(all: &'a [Triple]) -> Self {
        // Distinct predicates (a few dozen, static strings: told apart by address here,
        // by content below), ranked by the bytes of `P>`.
        let key = |p: &Pred| (p.0.as_ptr() as usize, p.0.len(), p.1.as_ptr() as usize, p.1.len());
        let mut distinct: rustc_hash::FxHashMap<(usize, usize, usize, usize), u32> = Default::default();
        let mut names: Vec<(String, Pred)> = Vec::new();
        for t in all {
            distinct.entry(key(&t.p)).or_insert_with(|| {
                names.push(([t.p.0, t.p.1, ">"].concat(), t.p));
                0
            });
        }
        names.sort_unstable();
        let mut rank = 0;
        for (i, (name, p)) in names.iter().enumerate() {
            if i > 0 && *name != names[i - 1].0 {
                rank += 1;
            }
            distinct.insert(key(p), rank);
        }
        let mut seen = rustc_hash::FxHashSet::with_capacity_and_hasher(all.len(), Default::default());
        let mut triples = Vec::with_capacity(all.len());
        let mut ranks = Vec::with_capacity(all.len());
        for t in all {
            let rank = distinct.get(&key(&t.p)).copied().unwrap_or_default();
            if seen.insert((&t.s, rank, &t.o)) {
                triples.push(t);
                ranks.push(rank);
            }
        }
        let mut text = String::with_capacity(triples.len() * 64);
        let part = |text: &mut String, t: &Term| match t {
            Term::Blank(b) => Part::Blank(*b),
            other => {
                let start = text.len();
                term_into(text, other);
                // Credentials are bounded far below 4 GiB (the values limit).
                Part::Text(u32::try_from(start).unwrap_or(u32::MAX), u32::try_from(text.len()).unwrap_or(u32::MAX))
            }
        };
        // The emitter gives a node's triples one after the other: a subject repeated
        // from the line before is the same part (written once, and one run in `sort`).
        let mut previous: Option<(&Term, Part)> = None;
        let rows = triples
            .iter()
            .zip(ranks)
            .map(|(t, rank)| {
                let s = match previous {
                    Some((s, part)) if *s == t.s => part,
                    _ => part(&mut text, &t.s),
                };
                previous = Some((&t.s, s));
                (s, rank, part(&mut text, &t.o))
            })
            .collect();
        Self { triples, text, rows }
    }

    fn bytes<'s>(&'s self, part: Part, label: &impl Fn(usize) -> &'s str) -> &'s str {
        match part {
            Part::Blank(b) => label(b),
            Part::Text(a, b) => self.text.get(a as usize..b as usize).unwrap_or_default(),
        }
    }

    /// Rows `which` in N-Quads order, blank nodes named by `label`.
    ///
    /// A credential's lines have a few dozen subjects, each on several lines: the
    /// subjects are ranked once (runs of rows with the same subject part, ordered by
    /// their text, equal texts ranking equal), and the rows are sorted by (subject rank,
    /// predicate rank, object text), which is (subject text, predicate rank, object
    /// text) order with most byte comparisons replaced by integer ones.
    fn sort<'s>(&'s self, which: &mut [usize], label: &impl Fn(usize) -> &'s str) {
        let mut runs: Vec<(&str, usize)> = Vec::new();
        let mut run_of: Vec<usize> = Vec::with_capacity(which.len());
        let mut previous: Option<Part> = None;
        for &i in which.iter() {
            let s = self.rows[i].0;
            if previous.is_none_or(|p| !p.same(s)) {
                runs.push((self.bytes(s, label), runs.len()));
                previous = Some(s);
            }
            run_of.push(runs.len() - 1);
        }
        runs.sort_unstable();
        let mut rank_of_run = vec![0u64; runs.len()];
        let mut rank = 0u64;
        for (n, (text, run)) in runs.iter().enumerate() {
            if n > 0 && *text != runs[n - 1].0 {
                rank += 1;
            }
            rank_of_run[*run] = rank;
        }
        let mut keys: Vec<(u64, &str, usize)> = which
            .iter()
            .zip(run_of)
            .map(|(&i, run)| {
                let (_, p, o) = self.rows[i];
                (rank_of_run[run] << 32 | u64::from(p), self.bytes(o, label), i)
            })
            .collect();
        keys.sort_unstable();
        for (slot, k) in which.iter_mut().zip(keys) {
            *slot = k.2;
        }
    }

    /// Appends the lines `which`, in that order, to `out`.
    fn write<'s>(&'s self, which: &[usize], label: &impl Fn(usize) -> &'s str, out: &mut String) {
        for &i in which {
            let (s, _, o) = self.rows[i];
            let p = self.triples[i].p;
            out.push_str(self.bytes(s, label));
            out.push_str(" <");
            out.push_str(p.0);
            out.push_str(p.1);
            out.push_str("> ");
            out.push_str(self.bytes(o, label));
            out.push_str(" .\n");
        }
    }
}

/// RDFC-1.0 (<https://www.w3.org/TR/rdf-canon/>) canonical N-Quads of `triples` with
/// `blanks` blank nodes, N-degree hashing included; `None` only when the work budget is
/// exceeded (the general path then decides).
pub fn canonicalize(triples: &[Triple], blanks: usize) -> Option<String> {
    canonicalize_remembering(triples, blanks, 0..0)
}

/// [`canonicalize`], remembering the first-degree hashes of the blank nodes `remember`
/// on this thread, by the quads they hash (at most 2,048 texts of at most 4 KiB, forgotten
/// all at once when full): the nodes of a microcredential's definition, which a cohort's
/// credentials share (see [`super::emit::Graph::definition`]).
pub fn canonicalize_remembering(triples: &[Triple], blanks: usize, remember: std::ops::Range<usize>) -> Option<String> {
    let rows = Rows::new(triples);
    // Triples mentioning each blank node (4.4.3 step 2).
    let mut mentions: Vec<Vec<usize>> = vec![Vec::new(); blanks];
    for (i, t) in rows.triples.iter().enumerate() {
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
        rows: &rows,
        mentions: &mentions,
        first: Vec::with_capacity(blanks),
        canonical: Issuer::new(blanks),
        budget: N_DEGREE_BUDGET,
        remember,
    };
    // First-degree hashes (4.4.3 step 3); hex strings sort as their bytes do.
    let mut hashes: Vec<([u8; 32], usize)> = Vec::with_capacity(blanks);
    let mut scratch = (Vec::new(), String::new());
    for b in 0..blanks {
        let h = state.first_degree(b, &mut scratch);
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
    let labels: Vec<Cow<'static, str>> =
        (0..blanks).map(|b| state.canonical.get(b).map_or(Cow::Borrowed(""), c14n)).collect();
    let label = |x: usize| labels.get(x).map_or("", |l| l.as_ref());
    let mut order: Vec<usize> = (0..rows.rows.len()).collect();
    rows.sort(&mut order, &label);
    let mut out = String::with_capacity(rows.text.len() * 2 + rows.rows.len() * 64);
    // Every blank node has its own label, and the triples are distinct: so are the lines.
    rows.write(&order, &label, &mut out);
    Some(out)
}

/// Canonical labels made once per process: a credential has a few dozen to a few
/// hundred blank nodes, and formatting their labels anew for every credential was ~4%
/// of `valid-14`'s samples under `perf` (made once: ~2% fewer instructions per
/// credential; BENCHMARKS.md).
const MADE_LABELS: usize = 1024;

/// The canonical blank node label `_:c14n{n}`.
fn c14n(n: usize) -> Cow<'static, str> {
    static MADE: LazyLock<Vec<String>> = LazyLock::new(|| (0..MADE_LABELS).map(|n| format!("_:c14n{n}")).collect());
    match MADE.get(n) {
        Some(label) => Cow::Borrowed(label),
        None => Cow::Owned(format!("_:c14n{n}")),
    }
}

/// The first-degree hashes one thread made recently, by the quads they hash: at most
/// [`MEMO_ENTRIES`] texts of at most [`MEMO_TEXT`] bytes (≤ 8 MiB), forgotten all at once
/// when full.
///
/// A batch issues one microcredential to many learners: the blank nodes of the
/// achievement (its outcomes, components, programmes, alignments) have the same quads
/// in every credential, and a lookup (FxHash and a byte comparison) costs a fraction of
/// SHA-256 over the same bytes. The answer is the hash of exactly these bytes either way.
/// Only those nodes are remembered: nothing about a learner (a name, an e-mail hash, a
/// grade) stays in memory after the credential is made.
struct Memo {
    hashes: rustc_hash::FxHashMap<Box<str>, [u8; 32]>,
}

const MEMO_ENTRIES: usize = 2048;
const MEMO_TEXT: usize = 4096;

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(Memo { hashes: Default::default() });
}

/// SHA-256 of the first-degree quads `text`, remembered per thread (see [`Memo`]) when
/// `remember` (a node of the definition) and the text is not too long to keep.
fn first_degree_hash(text: &str, remember: bool) -> [u8; 32] {
    if !remember || text.len() > MEMO_TEXT {
        return Sha256::digest(text.as_bytes()).into();
    }
    MEMO.with_borrow_mut(|memo| {
        if let Some(h) = memo.hashes.get(text) {
            return *h;
        }
        let h: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        if memo.hashes.len() >= MEMO_ENTRIES {
            memo.hashes.clear();
        }
        memo.hashes.insert(text.into(), h);
        h
    })
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
    rows: &'a Rows<'a>,
    mentions: &'a [Vec<usize>],
    /// First-degree hash of each blank node.
    first: Vec<[u8; 32]>,
    /// The canonical issuer (prefix `c14n`).
    canonical: Issuer,
    /// Permutations and recursions left.
    budget: usize,
    /// Blank nodes whose first-degree hashes are remembered ([`Memo`]).
    remember: std::ops::Range<usize>,
}

impl State<'_> {
    /// Hash First Degree Quads (4.6): the node itself is `_:a`, every other blank node `_:z`.
    /// `scratch` is reused from node to node.
    fn first_degree(&self, b: usize, scratch: &mut (Vec<usize>, String)) -> [u8; 32] {
        let label = |x: usize| if x == b { "_:a" } else { "_:z" };
        let (which, text) = scratch;
        which.clear();
        which.extend_from_slice(&self.mentions[b]);
        self.rows.sort(which, &label);
        text.clear();
        self.rows.write(which, &label, text);
        first_degree_hash(text, self.remember.contains(&b))
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
            h.update(c14n(n).as_bytes());
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
            let t = self.rows.triples[i];
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
                        path.push_str(&c14n(n));
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
        // The line as canonicalisation writes it (one triple, no blank nodes).
        assert_eq!(canonicalize(&[t], 0).as_deref(), Some("<urn:x> <urn:p> \"a\\\"b\\\\c\\nd\\re\" .\n"));
        assert!(!plain_text("tab\there") && plain_text("line\nbreak"));
        assert!(plain_iri("https://x/y#z") && !plain_iri("not an iri") && !plain_iri("relative"));
    }

    /// `<urn:s> <urn:p> _:0`, `_:0 <urn:name> "name"`: one blank node whose first-degree
    /// quads contain `name`.
    fn named(name: &str) -> Vec<Triple> {
        vec![
            Triple { s: Term::Iri("urn:s".into()), p: ("urn:p", ""), o: Term::Blank(0) },
            Triple { s: Term::Blank(0), p: ("urn:name", ""), o: Term::Literal(name.into(), None, None) },
        ]
    }

    fn first_hash(name: &str) -> String {
        let text = format!("<urn:s> <urn:p> _:a .\n_:a <urn:name> \"{name}\" .\n");
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    #[test]
    fn remembered_first_degree_hashes_are_the_hashes_of_the_same_quads_and_stay_bounded() {
        // Run on a thread of its own: the memo is per thread and starts empty.
        std::thread::spawn(|| {
            let memo_len = || MEMO.with_borrow(|m| m.hashes.len());
            // The first-degree hash of the one blank node, remembered or not.
            let hash_with = |name: &str, remember: bool| {
                let triples = named(name);
                let rows = Rows::new(&triples);
                let mentions = vec![vec![0, 1]];
                let state = State {
                    rows: &rows,
                    mentions: &mentions,
                    first: Vec::new(),
                    canonical: Issuer::new(1),
                    budget: 1,
                    remember: 0..usize::from(remember),
                };
                hex::encode(state.first_degree(0, &mut (Vec::new(), String::new())))
            };
            let hash_of = |name: &str| hash_with(name, true);
            assert_eq!(memo_len(), 0);
            // A node outside the remembered range (a learner's) is hashed, never kept.
            assert_eq!(hash_with("Alice", false), first_hash("Alice"));
            assert_eq!(memo_len(), 0);
            // A miss, a hit, and another text that differs in one byte: each the hash of its own quads.
            for name in ["Alice", "Alice", "Alicf", "Alice"] {
                assert_eq!(hash_of(name), first_hash(name), "{name}");
            }
            assert_eq!(memo_len(), 2);
            // Far more distinct texts than it keeps: the memo is emptied when full, and
            // every answer is still the hash of its own quads.
            for i in 0..MEMO_ENTRIES * 2 + 7 {
                let name = format!("learner {i}");
                assert_eq!(hash_of(&name), first_hash(&name));
                assert!(memo_len() <= MEMO_ENTRIES);
            }
            // Texts longer than it keeps are hashed, not remembered.
            let long = "x".repeat(MEMO_TEXT);
            let before = memo_len();
            assert_eq!(hash_of(&long), first_hash(&long));
            assert_eq!(memo_len(), before);
        })
        .join()
        .expect("the test thread");
    }
}
