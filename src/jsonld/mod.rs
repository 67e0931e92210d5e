//! JSON-LD document loading, offline only: every context is embedded in the binary
//! ([`contexts`]) and anything else is refused, never fetched. Also the "safe mode"
//! check that no undefined term reaches a signature (JSON-LD 1.1 expansion with
//! undefined terms rejected, as 1EdTech certification judges a badge).

pub mod contexts;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;
use ssi::json_ld::{CompactJsonLd, ContextLoader, Expandable};
use ssi::rdf::AnyLdEnvironment;

/// Why a document's JSON-LD is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonLdProblem {
    /// `@context` is missing or not a list of URLs.
    #[error("@context must be a list of context URLs: {0}")]
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
}

/// The shared offline loader (contexts parsed once per process).
pub fn loader() -> &'static ContextLoader {
    static LOADER: OnceLock<ContextLoader> = OnceLock::new();
    LOADER.get_or_init(|| {
        let map: HashMap<String, String> =
            contexts::CONTEXTS.iter().map(|(url, _, body)| ((*url).to_owned(), (*body).to_owned())).collect();
        ContextLoader::empty()
            .with_context_map_from(map)
            .unwrap_or_else(|e| unreachable!("embedded contexts are valid JSON with valid IRIs: {e}"))
    })
}

/// Checks that `@context` lists only contexts we ship, by URL (inline context objects
/// are refused: they let a holder redefine terms while a signature still verifies).
pub fn check_contexts(doc: &Value) -> Result<Vec<String>, JsonLdProblem> {
    let ctx = doc.get("@context").ok_or_else(|| JsonLdProblem::BadContext("missing".into()))?;
    let items: Vec<&Value> = match ctx {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut urls = Vec::with_capacity(items.len());
    for item in items {
        let Some(url) = item.as_str() else {
            return Err(JsonLdProblem::BadContext(
                "inline context objects are not accepted; reference published contexts by URL".into(),
            ));
        };
        if contexts::get(url).is_none() {
            return Err(JsonLdProblem::UnknownContext(url.to_owned()));
        }
        urls.push(url.to_owned());
    }
    if urls.first().map(String::as_str) != Some(contexts::CREDENTIALS_V2_URL) {
        return Err(JsonLdProblem::BadContext(format!("the first context must be {}", contexts::CREDENTIALS_V2_URL)));
    }
    Ok(urls)
}

/// Expands a document with undefined terms rejected; classifies failures. Documents the
/// fast path covers ([`crate::fastld::covers`]) are made of defined terms only and skip
/// the expansion.
pub async fn check_terms(doc: &Value) -> Result<(), JsonLdProblem> {
    if crate::fastld::covers(doc) {
        return Ok(());
    }
    let json = json_syntax::Value::from_serde_json(doc.clone());
    CompactJsonLd(json).expand(loader()).await.map(|_| ()).map_err(|e| classify(&e.to_string()))
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
    fn unknown_and_inline_contexts_are_refused() {
        let unknown = json!({"@context": [contexts::CREDENTIALS_V2_URL, "https://evil.example/ctx"]});
        assert!(matches!(check_contexts(&unknown), Err(JsonLdProblem::UnknownContext(_))));
        let inline = json!({"@context": [contexts::CREDENTIALS_V2_URL, {"foo": "https://x/foo"}]});
        assert!(matches!(check_contexts(&inline), Err(JsonLdProblem::BadContext(_))));
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
