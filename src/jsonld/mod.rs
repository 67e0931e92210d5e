//! JSON-LD document loading, offline only: every context is embedded in the binary
//! ([`contexts`]) and anything else is refused, never fetched. Also the "safe mode"
//! check that no undefined term reaches a signature (JSON-LD 1.1 expansion with
//! undefined terms rejected, as 1EdTech certification judges a badge).

pub mod contexts;
mod inline;
pub mod remote;

pub use inline::check_inline_terms;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde_json::Value;
use ssi::json_ld::{CompactJsonLd, ContextLoader, Expandable};
use ssi::rdf::AnyLdEnvironment;

/// Why a document's JSON-LD is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonLdProblem {
    /// `@context` is missing, not a list of shipped URLs and inline objects, or an inline
    /// context defines what it may not.
    #[error("@context is not acceptable: {0}")]
    BadContext(String),
    /// A context URL this verifier does not ship (contexts are never fetched).
    #[error("unknown JSON-LD context {0}: contexts are resolved offline and this one is not shipped")]
    UnknownContext(String),
    /// A property or type that no context defines.
    #[error("undefined term {0}: every property and type must be defined by a context (JSON-LD safe mode)")]
    UndefinedTerm(String),
    /// Any other JSON-LD error (invalid values, protected term redefinition…).
    #[error("invalid JSON-LD: {0}")]
    Invalid(String),
    /// The document is not the compact form of its own data under its contexts: a
    /// member is spelt another way than the contexts' terms (a full IRI as a key, a
    /// value object where the term gives the type, an `@id` alias…). Verifiers that
    /// read members by name would see something else than what was signed.
    #[error(
        "at {path}: {detail}. The signed data must be written in the compact form of its contexts (the terms they define, plain values where a term gives the type), so that what is read is what was signed; re-issue the credential or send it as the issuer wrote it"
    )]
    NonCanonical {
        /// JSON Pointer to the first difference.
        path: String,
        /// What differs.
        detail: String,
    },
}

/// The values of a member, as JSON-LD reads it: an array is its elements, anything else
/// one value, an absent member none.
pub fn values(member: Option<&Value>) -> &[Value] {
    match member {
        Some(Value::Array(a)) => a,
        Some(v) => std::slice::from_ref(v),
        None => &[],
    }
}

/// The deepest nesting of objects and arrays that JSON-LD processing accepts. Expansion,
/// compaction and RDF conversion recurse once or more per level, with large frames (async
/// state machines), on whatever thread runs them; a few KB of deeply nested JSON would
/// otherwise overflow a 2 MiB thread stack and abort the whole process (found by the fuzz
/// targets, tests/fuzz). Our credentials nest 7 levels, the OB 3.0 test vector 4.
pub const MAX_DEPTH: usize = 32;

/// The most JSON values (objects, arrays, strings, numbers, booleans, nulls) one document
/// may have for JSON-LD processing. Expansion, compaction and RDFC-1.0 in the general
/// processor cost about 0.3-0.4 ms of CPU per value on this hardware (found by the fuzz
/// targets: a 14,233-value credential of 410 KB took 4.5 s, a 1,228-value one of 24 KB
/// 0.46 s), so the size limit on the body alone does not bound the cost of a request. Our
/// credentials have at most 265 values, the OB 3.0 test vector 59; 1,000 leaves room for
/// credentials of other issuers with many alignments or results, and bounds one
/// verification to about 0.4 s of CPU.
pub const MAX_VALUES: usize = 1_000;

/// Whether `v` has more than `max` JSON values (counting stops at `max + 1`).
pub fn too_many_values(v: &Value, max: usize) -> bool {
    let mut stack = vec![v];
    let mut seen = 0usize;
    while let Some(v) = stack.pop() {
        seen += 1;
        if seen > max {
            return true;
        }
        match v {
            Value::Object(o) => stack.extend(o.values()),
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    false
}

/// Whether `v` nests objects and arrays deeper than [`MAX_DEPTH`] (without recursion).
pub fn too_deep(v: &Value) -> bool {
    let mut stack = vec![(v, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Object(o) => Box::new(o.values()),
            Value::Array(a) => Box::new(a.iter()),
            _ => continue,
        };
        if depth > MAX_DEPTH {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

/// What the JSON-LD and Data Integrity libraries cannot take without panicking, found by
/// the fuzz targets (tests/fuzz): a whole number outside 64 bits written without a
/// decimal point (`1e20`: ssi serialises the document through `json-number`, which
/// refuses it, and unwraps), and a percent-encoding that is not UTF-8 (`%C3` alone: the
/// IRI library decodes it and unwraps). Such a document is refused instead.
pub fn unsupported_value(v: &Value) -> Option<String> {
    let mut stack = vec![v];
    let pct_ok = iri_percent_encoding_ok;
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => {
                if let Some(k) = o.keys().find(|k| !pct_ok(k)) {
                    return Some(format!("the member name '{}' has a percent-encoding that is not UTF-8", short(k)));
                }
                stack.extend(o.values());
            }
            Value::Array(a) => stack.extend(a.iter()),
            // Only IRIs are percent-decoded (absolute or compact: with a ':'); a text such
            // as a course name "Webstandaar%den" is a literal and stays as it is (a fuzz
            // finding: such a credential issued but did not verify).
            Value::String(s) if s.contains(':') && !pct_ok(s) => {
                return Some(format!("the value '{}' has a percent-encoding that is not UTF-8", short(s)));
            }
            Value::Number(n) if !n.is_i64() && !n.is_u64() => {
                let text = n.to_string();
                if !text.parse::<f64>().is_ok_and(f64::is_finite) {
                    return Some(format!("the number {} is too large for a 64-bit float", short(&text)));
                }
                if !text.contains('.') && text.parse::<i64>().is_err() && text.parse::<u64>().is_err() {
                    return Some(format!("the number {} is a whole number outside 64 bits", short(&text)));
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether the percent-encodings of an IRI decode to UTF-8 (`%C3%A9` yes, `%C3` or `%d9`
/// alone no): JSON-LD processing decodes them, and the IRI library panics on the others,
/// so such an IRI is refused wherever it enters (records, verification input).
pub fn iri_percent_encoding_ok(s: &str) -> bool {
    !s.contains('%') || std::str::from_utf8(&percent_decoded(s)).is_ok()
}

fn percent_decoded(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(|c| hex(*c)), b.get(i + 2).and_then(|c| hex(*c)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn depth_checked(doc: &Value) -> Result<(), JsonLdProblem> {
    if too_deep(doc) {
        return Err(JsonLdProblem::Invalid(format!(
            "the document nests objects and arrays deeper than {MAX_DEPTH} levels"
        )));
    }
    match unsupported_value(doc) {
        Some(why) => Err(JsonLdProblem::Invalid(why)),
        None => Ok(()),
    }
}

/// The shared offline loader (contexts parsed once per process): the shipped contexts,
/// and aliases of our own ([`contexts::add_alias`]) loaded as the context they name.
pub fn loader() -> &'static Loader {
    static LOADER: OnceLock<Loader> = OnceLock::new();
    LOADER.get_or_init(|| {
        let map: HashMap<String, String> =
            contexts::CONTEXTS.iter().map(|(url, _, body)| ((*url).to_owned(), (*body).to_owned())).collect();
        Loader(
            ContextLoader::empty()
                .with_context_map_from(map)
                .unwrap_or_else(|e| unreachable!("embedded contexts are valid JSON with valid IRIs: {e}")),
        )
    })
}

/// The offline loader: [`loader`].
#[derive(Debug, Clone)]
pub struct Loader(ContextLoader);

impl ssi::json_ld::Loader for Loader {
    async fn load(&self, url: &ssi::json_ld::iref::Iri) -> ssi::json_ld::LoadingResult {
        match contexts::canonical(url.as_str()) {
            Some(canonical) if canonical != url.as_str() => match ssi::json_ld::iref::Iri::new(canonical) {
                Ok(iri) => self.0.load(iri).await,
                Err(_) => self.0.load(url).await,
            },
            _ => self.0.load(url).await,
        }
    }
}

/// Checks `@context`: it starts with the VC 2.0 (or VC 1.1) context, names only contexts we ship by
/// URL (never fetched), and may add inline context objects. An inline context may define
/// new terms, but none for an IRI that a shipped context already names (a term `foo`
/// for `validUntil`'s IRI would carry the signed data past every check that reads
/// `validUntil` by name), no `@vocab` inside a shipped namespace, and no `@import` or
/// `@base`. Returns the URLs.
pub fn check_contexts(doc: &Value) -> Result<Vec<String>, JsonLdProblem> {
    let ctx = doc.get("@context").ok_or_else(|| JsonLdProblem::BadContext("missing".into()))?;
    let items: Vec<&Value> = match ctx {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut urls = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(url) => {
                if contexts::canonical(url).is_none() {
                    return Err(JsonLdProblem::UnknownContext(url.to_owned()));
                }
                urls.push(url.to_owned());
            }
            Value::Object(inline) if i > 0 => check_inline_context(inline)?,
            Value::Object(_) => {
                return Err(JsonLdProblem::BadContext(format!(
                    "the first context must be {}",
                    contexts::CREDENTIALS_V2_URL
                )));
            }
            other => {
                return Err(JsonLdProblem::BadContext(format!(
                    "a context is a URL or an object, not {}",
                    short(&other.to_string())
                )));
            }
        }
    }
    if !matches!(urls.first().map(String::as_str), Some(contexts::CREDENTIALS_V2_URL | contexts::CREDENTIALS_V1_URL)) {
        return Err(JsonLdProblem::BadContext(format!(
            "the first context must be {} (or, VC 1.1, {})",
            contexts::CREDENTIALS_V2_URL,
            contexts::CREDENTIALS_V1_URL
        )));
    }
    Ok(urls)
}

/// Every IRI the shipped contexts give a term (at any scope), with the names they give it.
fn shipped_names() -> &'static HashMap<String, HashSet<String>> {
    static NAMES: OnceLock<HashMap<String, HashSet<String>>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut out: HashMap<String, HashSet<String>> = HashMap::new();
        for (_, _, body) in contexts::CONTEXTS {
            if let Ok(doc) = serde_json::from_str::<Value>(body)
                && let Some(ctx) = doc.get("@context").and_then(Value::as_object)
            {
                term_iris(ctx, &mut |term, iri| {
                    out.entry(iri).or_default().insert(term.to_owned());
                });
            }
        }
        out
    })
}

/// Calls `f(term, IRI)` for every term definition of a context object and its scoped
/// contexts; compact IRIs are expanded with the prefixes the same context defines, and
/// terms without an `@id` take the context's `@vocab`.
fn term_iris(ctx: &serde_json::Map<String, Value>, f: &mut dyn FnMut(&str, String)) {
    let prefix = |p: &str| match ctx.get(p) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("@id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let vocab = ctx.get("@vocab").and_then(Value::as_str);
    for (term, def) in ctx {
        if term.starts_with('@') {
            continue;
        }
        let id = match def {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("@id").and_then(Value::as_str),
            _ => None,
        };
        let iri = match id {
            Some(id) if id.starts_with('@') => None,
            Some(id) => match id.split_once(':') {
                Some((p, rest)) if !rest.starts_with("//") => {
                    Some(prefix(p).map_or_else(|| id.to_owned(), |base| format!("{base}{rest}")))
                }
                _ => Some(id.to_owned()),
            },
            None => vocab.map(|v| format!("{v}{term}")),
        };
        if let Some(iri) = iri {
            f(term, iri);
        }
        if let Some(scoped) = def.get("@context").and_then(Value::as_object) {
            term_iris(scoped, f);
        }
    }
}

fn check_inline_context(inline: &serde_json::Map<String, Value>) -> Result<(), JsonLdProblem> {
    fn walk(ctx: &serde_json::Map<String, Value>) -> Result<(), JsonLdProblem> {
        for key in ["@import", "@base"] {
            if ctx.contains_key(key) {
                return Err(JsonLdProblem::BadContext(format!("an inline context may not use {key}")));
            }
        }
        if let Some(vocab) = ctx.get("@vocab").and_then(Value::as_str)
            && let Some((iri, names)) = shipped_names().iter().find(|(iri, _)| iri.starts_with(vocab))
        {
            let term = names.iter().min().map_or("", String::as_str);
            return Err(JsonLdProblem::BadContext(format!(
                "an inline context's @vocab {vocab} covers {iri}, which the shipped contexts name '{term}'"
            )));
        }
        for def in ctx.values() {
            match def.get("@context") {
                None => {}
                Some(Value::Object(scoped)) => walk(scoped)?,
                Some(other) => {
                    return Err(JsonLdProblem::BadContext(format!(
                        "a scoped context inside an inline context must be an object, not {}",
                        short(&other.to_string())
                    )));
                }
            }
        }
        Ok(())
    }
    walk(inline)?;
    let mut clash = None;
    term_iris(inline, &mut |term, iri| {
        if clash.is_none()
            && let Some(names) = shipped_names().get(&iri)
            && !names.contains(term)
            && let Some(theirs) = names.iter().min()
        {
            clash = Some(format!(
                "the inline context's term '{term}' names {iri}, which the shipped contexts call '{theirs}'; write '{theirs}'"
            ));
        }
    });
    clash.map_or(Ok(()), |m| Err(JsonLdProblem::BadContext(m)))
}

/// Expands a document with undefined terms rejected; classifies failures. Documents the
/// fast path covers ([`crate::fastld::covers`]) are made of defined terms only and skip
/// the expansion.
pub async fn check_terms(doc: &Value) -> Result<(), JsonLdProblem> {
    if crate::fastld::covers(doc) {
        return Ok(());
    }
    depth_checked(doc)?;
    if let Some(ctx) = doc.get("@context") {
        check_inline_terms(ctx).await?;
    }
    let json = json_syntax::Value::from_serde_json(doc.clone());
    CompactJsonLd(json).expand(loader()).await.map(|_| ()).map_err(|e| classify(&e.to_string()))
}

/// Checks that `doc` (its `proof` included) is exactly the compact form of its own
/// JSON-LD data under its own `@context`: JSON-LD 1.1 expansion with undefined terms
/// rejected, then compaction with the same contexts, and the result compared with the
/// document. Arrays of one element may be written as that element or as an array, as
/// JSON-LD's `compactArrays` allows; nothing else may differ. Then every decision made by
/// reading a member by name (status entries, validity dates, types, issuer, subject) is a
/// decision on the signed data.
pub async fn check_signed_form(doc: &Value) -> Result<(), JsonLdProblem> {
    signed_view(doc).await.map(|_| ())
}

/// [`check_signed_form`], and the document as the checks are to read it: the compact form
/// itself where the document wrote a one-element array for a single value (JSON-LD's
/// `compactArrays`: the same data), so that a respelling a holder may make changes no
/// verdict. Refused as well: a value given twice in one array (the RDF holds it once, so
/// the compact form of what was signed has it once).
pub async fn signed_view(doc: &Value) -> Result<Value, JsonLdProblem> {
    use ssi::json_ld::syntax::TryFromJson;
    use ssi::json_ld::syntax::context::Context as LocalContext;
    use ssi::json_ld::{Compact, Process};

    let Value::Object(map) = doc else {
        return Err(JsonLdProblem::Invalid("the document is not a JSON object".into()));
    };
    let ctx = map.get("@context").ok_or_else(|| JsonLdProblem::BadContext("missing".into()))?;
    let stripped = without_repeated_proof_contexts(map, ctx);
    let (doc, map) = match &stripped {
        Some(Value::Object(m)) => (stripped.as_ref().unwrap_or(doc), m),
        _ => (doc, map),
    };
    depth_checked(doc)?;
    non_term_keys(doc, "")?;
    check_inline_terms(ctx).await?;
    let json = json_syntax::Value::from_serde_json(doc.clone());
    let expanded = CompactJsonLd(json).expand(loader()).await.map_err(|e| classify(&e.to_string()))?;
    let local = LocalContext::try_from_json(json_syntax::Value::from_serde_json(ctx.clone()))
        .map_err(|e| JsonLdProblem::BadContext(e.to_string()))?;
    let mut vocabulary = ();
    let active = local
        .process_full(&mut vocabulary, &ssi::json_ld::Context::new(None), loader(), None, Default::default(), ())
        .await
        .map_err(|e| JsonLdProblem::Invalid(format!("context processing: {e}")))?;
    let options = ssi::json_ld::compaction::Options { compact_to_relative: false, ..Default::default() };
    let compacted = expanded
        .compact_full(&mut vocabulary, active.as_ref(), loader(), options)
        .await
        .map_err(|e| JsonLdProblem::Invalid(format!("compaction: {e}")))?;
    let mut compacted = json_syntax::Value::into_serde_json(compacted);
    if let Value::Object(c) = &mut compacted {
        c.remove("@context");
    }
    let mut without_context = map.clone();
    let context_at = map.keys().position(|k| k == "@context").unwrap_or(0);
    let context = without_context.remove("@context");
    // An Open Badge is judged by the 1EdTech JSON Schema on its JSON, as every OB verifier
    // judges it: there a one-element array where the schema wants one value is refused,
    // not read as the value.
    let open_badge = crate::schema::is_open_badge(doc);
    let view = same_data(&Value::Object(without_context), &compacted, &mut String::new(), open_badge)
        .map_err(|(path, detail)| JsonLdProblem::NonCanonical { path, detail })?;
    let Value::Object(mut view) = view else { return Err(JsonLdProblem::Invalid("not an object".into())) };
    // Back where the document has it (the view keeps the document's member order).
    if let Some(c) = context {
        view.shift_insert(context_at, "@context".into(), c);
    }
    Ok(Value::Object(view))
}

/// Whether a proof's `@context` is the first entries of the document's `@context`, in the
/// same order (each a URL or a list of them): the proof then means nothing else under its
/// own contexts than under the document's (Data Integrity; `eddsa-jcs-2022` checks it).
pub fn contexts_start_with(doc_ctx: Option<&Value>, proof_ctx: &Value) -> bool {
    let as_list = |v: &Value| match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let (top, theirs) = (doc_ctx.map(as_list).unwrap_or_default(), as_list(proof_ctx));
    theirs.len() <= top.len() && top[..theirs.len()] == theirs[..]
}

/// A proof may repeat the document's contexts (or their first entries) in its own
/// `@context`, as `eddsa-jcs-2022` proofs do: scoped there, they change nothing, so the
/// document is checked without them. `None` when no proof does; a proof with any other
/// `@context` keeps it and is refused as not in compact form.
fn without_repeated_proof_contexts(map: &serde_json::Map<String, Value>, ctx: &Value) -> Option<Value> {
    let repeats = |proof_ctx: Option<&Value>| proof_ctx.is_some_and(|c| contexts_start_with(Some(ctx), c));
    let mut out = map.clone();
    let mut changed = false;
    match out.get_mut("proof") {
        Some(Value::Object(p)) if repeats(p.get("@context")) => {
            p.remove("@context");
            changed = true;
        }
        Some(Value::Array(a)) => {
            for p in a.iter_mut() {
                if repeats(p.get("@context"))
                    && let Some(o) = p.as_object_mut()
                {
                    o.remove("@context");
                    changed = true;
                }
            }
        }
        _ => {}
    }
    changed.then_some(Value::Object(out))
}

/// Refuses keys that are not terms (full or compact IRIs, `@`-keywords other than the
/// context and value-object keywords) before any processing, with the key's path.
fn non_term_keys(v: &Value, path: &str) -> Result<(), JsonLdProblem> {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                let here = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                if k == "@context" && path.is_empty() {
                    continue;
                }
                let keyword_ok = matches!(k.as_str(), "@value" | "@language" | "@direction");
                if k.contains(':') || (k.starts_with('@') && !keyword_ok) {
                    return Err(JsonLdProblem::NonCanonical {
                        path: here,
                        detail: format!(
                            "'{k}' is not a term of the credential's contexts; write the term the contexts define for it"
                        ),
                    });
                }
                non_term_keys(child, &here)?;
            }
            Ok(())
        }
        Value::Array(a) => a.iter().enumerate().try_for_each(|(i, x)| non_term_keys(x, &format!("{path}/{i}"))),
        _ => Ok(()),
    }
}

/// Where the document writes a one-element array for one value, the view keeps the array
/// only for the members the OB 3.0 JSON Schema (and our extension's) declares as arrays at
/// that place; everywhere else it reads the value. So wrapping a member in an array (the
/// same data) changes nothing the checks see, and the issuer's arrays stay arrays.
fn array_member(path: &str) -> bool {
    // Members that are arrays wherever they appear in the schemas (and VC 2.0's
    // `relatedResource`, a list whose errors point into it).
    const ARRAYS: [&str; 19] = [
        "alignment",
        "allowedValue",
        "assessmentType",
        "components",
        "credentialSchema",
        // VC 2.0: a list of entries (one for revocation, one for suspension).
        "credentialStatus",
        "endorsement",
        "endorsementJwt",
        "evidence",
        "languagesOfInstruction",
        "learningOutcomes",
        "otherIdentifier",
        "proof",
        "related",
        "relatedResource",
        "result",
        "rubricCriterionLevel",
        "tag",
        "termsOfUse",
    ];
    // Where `type` is a single string (TermsOfUse, CredentialStatus, IdentityObject,
    // IdentifierEntry, Proof, RefreshService, Image, CredentialSchema, GeoCoordinates,
    // and our extension's MicroCredentialComponent).
    const TYPE_IS_STRING_UNDER: [&str; 10] = [
        "components",
        "termsOfUse",
        "credentialStatus",
        "identifier",
        "otherIdentifier",
        "proof",
        "refreshService",
        "image",
        "credentialSchema",
        "geo",
    ];
    let mut names = path.rsplit('/').filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()));
    let key = names.next().unwrap_or_default();
    let parent = names.next().unwrap_or_default();
    match key {
        "type" => !TYPE_IS_STRING_UNDER.contains(&parent),
        // An array of identity objects in a subject; a string in an identifier entry.
        "identifier" => parent == "credentialSubject",
        // An array in an achievement; one id in a result.
        "resultDescription" => parent == "achievement",
        k => ARRAYS.contains(&k),
    }
}

/// The terms of the shipped contexts whose container is `@list` (a test checks the list).
const LIST_TERMS: [&str; 1] = ["allowedValue"];

/// Compares a document with its compacted form; `Err((pointer, what))` at the first
/// difference. A one-element array in the document may stand for a single value; `Ok` is
/// the document with such arrays replaced by that value (what the checks read).
fn same_data(doc: &Value, compacted: &Value, path: &mut String, open_badge: bool) -> Result<Value, (String, String)> {
    let differs =
        |path: &str, what: String| Err((if path.is_empty() { "/".to_owned() } else { path.to_owned() }, what));
    match (doc, compacted) {
        // Where the verdict reads one value, it reads the value; elsewhere the document's
        // shape stays as written (the OB 3.0 JSON Schema wants arrays of one for types,
        // alignments, results).
        (Value::Array(a), c) if a.len() == 1 && !c.is_array() => {
            let inner = same_data(&a[0], c, path, open_badge)?;
            if array_member(path) {
                Ok(Value::Array(vec![inner]))
            } else if open_badge {
                differs(
                    path,
                    "a one-element array is written where the Open Badges 3.0 schema and the signed data have one value"
                        .into(),
                )
            } else {
                Ok(inner)
            }
        }
        // A node given by its id alone: compaction writes the bare IRI where the term's
        // type is @id (e.g. `credentialSubject`, `issuer`); VC 2.0 wants the object.
        (Value::Object(a), Value::String(c))
            if a.len() == 1 && a.get("id").and_then(Value::as_str) == Some(c.as_str()) =>
        {
            Ok(doc.clone())
        }
        (Value::Array(a), Value::Array(c)) => {
            if a.len() != c.len() {
                return differs(path, format!("{} values are written where the signed data has {}", a.len(), c.len()));
            }
            // In an ordered list (`@list`) a repeated value is data.
            let list = path.rsplit('/').next().is_some_and(|k| LIST_TERMS.contains(&k));
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::with_capacity(a.len());
            for (i, (x, y)) in a.iter().zip(c).enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                // A node given twice (by its id: RDF merges the two) or a value given twice.
                let single = match x {
                    Value::Object(o) => o.get("id").and_then(Value::as_str),
                    Value::String(s) => Some(s.as_str()),
                    _ => None,
                };
                let repeated = match (single, x) {
                    (Some(s), _) => !seen.insert(s.to_owned()),
                    (None, Value::Number(_) | Value::Bool(_)) => !seen.insert(x.to_string()),
                    _ => false,
                };
                if repeated && !list {
                    return differs(
                        path,
                        format!("{} is given twice; the signed data holds it once", short(&x.to_string())),
                    );
                }
                out.push(same_data(x, y, path, open_badge)?);
                path.truncate(len);
            }
            Ok(Value::Array(out))
        }
        (Value::Object(a), Value::Object(c)) => {
            let mut out = serde_json::Map::with_capacity(a.len());
            for (k, x) in a {
                let len = path.len();
                path.push('/');
                path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                match c.get(k) {
                    Some(y) => {
                        out.insert(k.clone(), same_data(x, y, path, open_badge)?);
                    }
                    None => {
                        return differs(path, format!("'{k}' is not how the contexts write this data"));
                    }
                }
                path.truncate(len);
            }
            if let Some(k) = c.keys().find(|k| !a.contains_key(*k)) {
                return differs(path, format!("the signed data has '{k}' here, written another way"));
            }
            Ok(Value::Object(out))
        }
        (x, y) if x == y => Ok(x.clone()),
        (x, y) => differs(
            path,
            format!(
                "{} is written where the contexts' compact form is {}",
                short(&x.to_string()),
                short(&y.to_string())
            ),
        ),
    }
}

fn short(s: &str) -> String {
    if s.chars().count() > 80 { format!("{}…", s.chars().take(80).collect::<String>()) } else { s.to_owned() }
}

/// Maps an expansion error message to a problem kind.
pub fn classify(message: &str) -> JsonLdProblem {
    if let Some(rest) = message.split("Key `").nth(1) {
        let key = rest.split('`').next().unwrap_or(rest);
        return JsonLdProblem::UndefinedTerm(format!("'{key}'"));
    }
    if message.contains("Invalid `@type` value") {
        return JsonLdProblem::UndefinedTerm("in a 'type' value".into());
    }
    if message.contains("Unknown context") || message.contains("loading document") {
        return JsonLdProblem::UnknownContext(message.to_owned());
    }
    JsonLdProblem::Invalid(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_shipped_context_is_listed_in_the_index_and_parses() {
        let index: serde_json::Map<String, Value> =
            serde_json::from_str(include_str!("../../contexts/index.json")).expect("index.json");
        assert_eq!(index.len(), contexts::CONTEXTS.len());
        for (url, file, body) in contexts::CONTEXTS {
            assert_eq!(index.get(*url).and_then(Value::as_str), Some(*file), "{url}");
            let v: Value = serde_json::from_str(body).expect("context is JSON");
            assert!(v.get("@context").is_some(), "{url}");
        }
        let dir = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/contexts")).expect("contexts/");
        for entry in dir {
            let name = entry.expect("entry").file_name().into_string().expect("utf-8");
            if name != "index.json" && name != "README.md" {
                assert!(contexts::CONTEXTS.iter().any(|(_, f, _)| *f == name), "{name} is not registered");
            }
        }
    }

    #[test]
    fn the_list_terms_are_every_list_container_of_the_shipped_contexts() {
        let mut found = std::collections::BTreeSet::new();
        for (_, _, body) in contexts::CONTEXTS {
            for (i, _) in body.match_indices("\"@list\"") {
                // The term is the key of the innermost object holding "@container": "@list".
                let open = body[..i].rfind('{').unwrap_or(0);
                let key_end = body[..open].rfind('"').unwrap_or(0);
                let key_start = body[..key_end].rfind('"').map_or(0, |k| k + 1);
                found.insert(body[key_start..key_end].to_owned());
            }
        }
        assert_eq!(found.into_iter().collect::<Vec<_>>(), LIST_TERMS);
    }

    #[tokio::test]
    async fn the_view_reads_arrays_of_one_as_their_value_and_refuses_repeats() {
        let doc = json!({"@context": [contexts::CREDENTIALS_V2_URL], "type": ["VerifiableCredential"],
            "issuer": ["did:example:1"], "validUntil": ["2030-01-01T00:00:00Z"], "credentialSubject": {"id": "did:example:2"}});
        let view = signed_view(&doc).await.expect("same data");
        assert_eq!(view["issuer"], "did:example:1");
        assert_eq!(view["validUntil"], "2030-01-01T00:00:00Z");
        assert_eq!(view["type"], json!(["VerifiableCredential"]), "an array the compact form keeps stays");
        let mut subject = doc.clone();
        subject["credentialSubject"] = json!({"id": "did:example:2", "type": ["Person"], "name": ["Ann"]});
        subject["@context"] = json!([contexts::CREDENTIALS_V2_URL, contexts::CREDENTIALS_EXAMPLES_V2_URL]);
        let view = signed_view(&subject).await.expect("same data");
        assert_eq!(
            view["credentialSubject"]["type"],
            json!(["Person"]),
            "shape kept where the verdict reads no single value"
        );
        let mut twice = doc.clone();
        twice["type"] = json!(["VerifiableCredential", "VerifiableCredential"]);
        assert!(matches!(signed_view(&twice).await, Err(JsonLdProblem::NonCanonical { .. })));
    }

    #[test]
    fn values_the_libraries_panic_on_are_refused_before_them() {
        // A number the parser reads as infinite (kept as text when serde_json keeps
        // arbitrary precision) panicked in ssi's serialisation (found by the fuzzer).
        if let Ok(v) = serde_json::from_str::<Value>(r#"{"n": [-1e999, 1]}"#) {
            assert!(unsupported_value(&v).is_some_and(|m| m.contains("too large")), "{v}");
        }
        // Each of these panicked inside ssi or pct-str before (found by tests/fuzz).
        let base = json!({"@context": [contexts::CREDENTIALS_V2_URL], "type": ["VerifiableCredential"]});
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        for (k, v) in [
            ("id", json!("https://example.org/%C3")),
            ("id", json!("urn:x:%FF%FE")),
            ("https://example.org/%E2%82", json!("x")),
            ("validFrom", json!(1e20)),
            ("validFrom", json!(-1e300)),
        ] {
            let mut doc = base.clone();
            doc[k] = v.clone();
            assert!(unsupported_value(&doc).is_some(), "{k}: {v}");
            assert!(matches!(rt.block_on(canonical_nquads(&doc)), Err(JsonLdProblem::Invalid(_))), "{k}: {v}");
        }
        // Relative references and literals are not percent-decoded: no panic, not refused.
        for (k, v) in [("id", json!("foo%C3")), ("name", json!("Webstandaar%den")), ("id", json!("#x%FF"))] {
            let mut doc = base.clone();
            doc[k] = v.clone();
            assert!(unsupported_value(&doc).is_none(), "{k}: {v}");
            let _ = rt.block_on(canonical_nquads(&doc));
            let _ = rt.block_on(check_signed_form(&doc));
            let _ = rt.block_on(check_terms(&doc));
        }
        for ok in [json!("https://example.org/caf%C3%A9"), json!("100%"), json!(1.5e20), json!(12), json!(u64::MAX)] {
            assert_eq!(unsupported_value(&json!({"a": [ok.clone()]})), None, "{ok}");
        }
    }

    #[test]
    fn nesting_is_counted_by_objects_and_arrays_and_refused_past_the_limit() {
        let nested = |depth: usize| {
            let mut v = json!("leaf");
            for i in 0..depth {
                v = if i % 2 == 0 { json!([v]) } else { json!({"a": v}) };
            }
            v
        };
        assert!(!too_deep(&nested(MAX_DEPTH)));
        assert!(too_deep(&nested(MAX_DEPTH + 1)));
        assert!(!too_deep(&json!({"a": [1, {"b": []}], "c": "d"})));
        // Refused before expansion: a stack overflow in JSON-LD processing aborts the process.
        let doc =
            json!({"@context": [contexts::CREDENTIALS_V2_URL], "type": ["VerifiableCredential"], "name": nested(120)});
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        for r in [
            rt.block_on(canonical_nquads(&doc)).map(|_| ()),
            rt.block_on(check_terms(&doc)),
            rt.block_on(check_signed_form(&doc)),
        ] {
            assert!(matches!(&r, Err(JsonLdProblem::Invalid(m)) if m.contains("deeper than 32")), "{r:?}");
        }
    }

    #[test]
    fn unknown_and_inline_contexts_are_refused() {
        let unknown = json!({"@context": [contexts::CREDENTIALS_V2_URL, "https://evil.example/ctx"]});
        assert!(matches!(check_contexts(&unknown), Err(JsonLdProblem::UnknownContext(_))));
        // Inline contexts may add terms, never another name for a shipped term's IRI.
        let inline = json!({"@context": [contexts::CREDENTIALS_V2_URL, {"foo": "https://x/foo"}]});
        assert!(check_contexts(&inline).is_ok());
        let vocab = json!({"@context": [contexts::CREDENTIALS_V2_URL, {"@vocab": "https://example.org/v#"}]});
        assert!(check_contexts(&vocab).is_ok());
        for bad in [
            json!({"until": "https://www.w3.org/2018/credentials#validUntil"}),
            json!({"cred": "https://www.w3.org/2018/credentials#", "until": "cred:validUntil"}),
            json!({"Badge": {"@id": "https://x/Badge", "@context": {"until": {"@id": "https://www.w3.org/2018/credentials#validUntil"}}}}),
            json!({"@vocab": "https://www.w3.org/2018/credentials#"}),
            json!({"@import": "https://evil.example/ctx"}),
            json!({"foo": {"@id": "https://x/foo", "@context": "https://evil.example/ctx"}}),
        ] {
            let doc = json!({"@context": [contexts::CREDENTIALS_V2_URL, bad]});
            assert!(matches!(check_contexts(&doc), Err(JsonLdProblem::BadContext(_))), "{doc}");
        }
        // Not first, not a number.
        let first = json!({"@context": [{"foo": "https://x/foo"}, contexts::CREDENTIALS_V2_URL]});
        assert!(check_contexts(&first).is_err());
        assert!(check_contexts(&json!({"@context": [contexts::CREDENTIALS_V2_URL, 5]})).is_err());
        assert!(check_contexts(&json!({"@context": [contexts::CREDENTIALS_V2_URL, null]})).is_err());
    }

    /// Every way an inline context can give a standard IRI another name, as the processor
    /// reads it: chains of compact IRIs of depth 1-4, `@vocab` written as a compact IRI,
    /// keyword aliases, scoped contexts at depth 1-3. Each is refused; terms for IRIs of
    /// their own are not.
    #[tokio::test]
    async fn inline_contexts_are_judged_by_what_their_terms_expand_to() {
        const CS: &str = "https://www.w3.org/2018/credentials#credentialStatus";
        fn chain(iri: &str, depth: usize, last: &str) -> Value {
            // Split the IRI into `depth` prefix pieces and a last piece.
            let cut: Vec<usize> = (1..=depth).map(|i| iri.len() - 1 - depth + i).collect();
            let mut ctx = serde_json::Map::new();
            let mut start = 0;
            let mut previous: Option<String> = None;
            for (i, end) in cut.iter().enumerate() {
                let piece = &iri[start..*end];
                let id = previous.as_ref().map_or_else(|| piece.to_owned(), |p| format!("{p}:{piece}"));
                ctx.insert(format!("p{i}"), json!({"@id": id, "@prefix": true}));
                previous = Some(format!("p{i}"));
                start = *end;
            }
            let p = previous.unwrap_or_default();
            ctx.insert(last.to_owned(), json!({"@id": format!("{p}:{}", &iri[start..]), "@type": "@id"}));
            Value::Object(ctx)
        }
        let doc = |inline: Value| json!({"@context": [contexts::CREDENTIALS_V2_URL, inline]});
        // The issue's example, verbatim.
        let issue = json!({"st1": {"@id": "https://www.w3.org/2018/credentials#credential", "@prefix": true}, "st2": {"@id": "st1:Sta", "@prefix": true}, "st": {"@id": "st2:tus", "@type": "@id"}});
        let mut bad = vec![issue];
        for depth in 1..=4 {
            bad.push(chain(CS, depth, "st"));
            // The same chain inside type-scoped contexts, one to three levels down.
            let mut nested = chain(CS, depth, "st");
            for level in 0..3 {
                nested =
                    json!({format!("T{level}"): {"@id": format!("https://example.org/T{level}"), "@context": nested}});
                bad.push(nested.clone());
            }
        }
        bad.extend([
            json!({"myid": "@id"}),
            json!({"n": "@nest"}),
            json!({"inc": "@included"}),
            json!({"g": "@graph"}),
            json!({"until": {"@id": "https://www.w3.org/2018/credentials#validUntil", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}}),
            json!({"Badge": {"@id": "https://x/Badge", "@context": {"s": {"@id": "https://schema.org/name"}}}}),
        ]);
        for inline in bad {
            let d = doc(inline.clone());
            let r = check_inline_terms(&d["@context"]).await;
            assert!(matches!(r, Err(JsonLdProblem::BadContext(_))), "{inline}: {r:?}");
            assert!(check_signed_form(&d).await.is_err(), "{inline}");
            assert!(check_terms(&d).await.is_err(), "{inline}");
        }
        // `@vocab` as a compact IRI of a prefix that an earlier inline context defines
        // (within one context, `@vocab` is read before its terms).
        let two = json!({"@context": [contexts::CREDENTIALS_V2_URL, {"c": {"@id": "https://www.w3.org/2018/", "@prefix": true}}, {"@vocab": "c:credentials#"}]});
        assert!(
            matches!(check_inline_terms(&two["@context"]).await, Err(JsonLdProblem::BadContext(m)) if m.contains("@vocab"))
        );
        for good in [
            json!({"foo": "https://x/foo"}),
            json!({"ex": "https://example.org/", "Thing": "ex:Thing", "size": {"@id": "ex:size"}}),
            json!({"@vocab": "https://example.org/v#"}),
            json!({"Badge": {"@id": "https://x/Badge", "@context": {"colour": "https://x/colour"}}}),
            // Repeating a shipped definition under its own name changes nothing.
            json!({"id": "@id", "type": "@type"}),
        ] {
            let d = doc(good.clone());
            assert_eq!(check_inline_terms(&d["@context"]).await, Ok(()), "{good}");
        }
    }

    #[tokio::test]
    async fn an_undefined_property_is_named() {
        let doc = json!({
            "@context": [contexts::CREDENTIALS_V2_URL, contexts::OB_V3P0_URL, contexts::MICROCRED_V1_URL],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"foo": "bar"}
        });
        assert_eq!(check_terms(&doc).await, Err(JsonLdProblem::UndefinedTerm("'foo'".into())));
    }
}

/// The RDFC-1.0 canonical N-Quads of a document (its `proof` removed), as the
/// eddsa-rdfc-2022 cryptosuite hashes them.
pub async fn canonical_nquads(doc: &Value) -> Result<String, JsonLdProblem> {
    let mut doc = doc.clone();
    if let Value::Object(o) = &mut doc {
        o.remove("proof");
    }
    canonical_nquads_keeping_proof(&doc).await
}

/// The RDFC-1.0 canonical N-Quads of a document as it is, `proof` included (the
/// document a chained proof signs: the credential with the proofs it follows).
pub async fn canonical_nquads_keeping_proof(doc: &Value) -> Result<String, JsonLdProblem> {
    depth_checked(doc)?;
    let doc = doc.clone();
    let json = json_syntax::Value::from_serde_json(doc);
    let mut ld = ssi::rdf::LdEnvironment::default();
    let expanded = CompactJsonLd(json).expand_with(&mut ld, loader()).await.map_err(|e| classify(&e.to_string()))?;
    let lines = ld.canonical_form_of(&expanded).map_err(|e| JsonLdProblem::Invalid(e.to_string()))?;
    Ok(lines.concat())
}

#[cfg(test)]
mod clash_tests {
    //! The extension context must not redefine any term that VC 2.0, OB 3.0.3, the OB
    //! extensions or Data Integrity define at any scope, unless the definitions are
    //! identical; and a name used in several scopes of our context has one definition.
    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use super::contexts;

    fn normalise(def: &Value) -> Value {
        match def {
            Value::String(s) => json!({"@id": s}),
            Value::Object(o) => {
                let mut o = o.clone();
                o.remove("@context");
                o.remove("@protected");
                Value::Object(o)
            }
            other => other.clone(),
        }
    }

    fn terms(ctx: &Value, scope: &str, out: &mut BTreeMap<String, Vec<(String, Value)>>) {
        let Some(map) = ctx.as_object() else { return };
        for (name, def) in map {
            if name.starts_with('@') {
                continue;
            }
            out.entry(name.clone()).or_default().push((scope.to_owned(), normalise(def)));
            if let Some(inner) = def.get("@context") {
                terms(inner, &format!("{scope}/{name}"), out);
            }
        }
    }

    fn of(url: &str) -> BTreeMap<String, Vec<(String, Value)>> {
        let doc: Value = serde_json::from_str(contexts::get(url).expect("shipped")).expect("json");
        let mut out = BTreeMap::new();
        terms(&doc["@context"], url, &mut out);
        out
    }

    #[test]
    fn our_terms_never_clash_with_standard_terms_at_any_scope() {
        let ours = of(contexts::MICROCRED_V1_URL);
        let mut standard: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
        for url in [
            contexts::CREDENTIALS_V2_URL,
            contexts::OB_V3P0_URL,
            contexts::OB_EXTENSIONS_URL,
            contexts::DATA_INTEGRITY_V2_URL,
        ] {
            for (k, v) in of(url) {
                standard.entry(k).or_default().extend(v);
            }
        }
        let mut clashes = Vec::new();
        for (name, defs) in &ours {
            for (scope, def) in defs {
                for (their_scope, theirs) in standard.get(name).into_iter().flatten() {
                    if def != theirs {
                        clashes.push(format!("{name}: {scope} {def} vs {their_scope} {theirs}"));
                    }
                }
            }
            let first = &defs[0].1;
            for (scope, def) in defs {
                assert_eq!(def, first, "'{name}' has two definitions in our context ({scope})");
            }
        }
        assert!(clashes.is_empty(), "term clashes:\n{}", clashes.join("\n"));
    }

    #[test]
    fn our_context_is_protected_json_ld_1_1_without_vocab_or_base() {
        let doc: Value =
            serde_json::from_str(contexts::get(contexts::MICROCRED_V1_URL).expect("shipped")).expect("json");
        let ctx = &doc["@context"];
        assert_eq!(ctx["@version"], 1.1);
        assert_eq!(ctx["@protected"], true);
        let text = doc.to_string();
        for forbidden in ["\"@vocab\":", "\"@base\"", "\"@language\":"] {
            assert!(!text.contains(forbidden), "{forbidden}");
        }
        // Every scoped context is protected too.
        fn scoped(v: &Value, path: &str) {
            if let Some(o) = v.as_object() {
                for (k, d) in o {
                    if let Some(inner) = d.get("@context") {
                        assert_eq!(inner["@protected"], true, "{path}/{k}");
                        scoped(inner, &format!("{path}/{k}"));
                    }
                }
            }
        }
        scoped(ctx, "");
    }
}
