//! What an inline context may define, decided on the context as the JSON-LD processor
//! reads it (the same processor that expands the document for its signature), never on
//! the context's JSON text.
//!
//! The class this closes: a holder appends an inline context that gives another name to
//! an IRI the verdict depends on (`st` for `https://www.w3.org/2018/credentials#credentialStatus`)
//! and renames the member. The RDF, and so the signature, is unchanged, but every check
//! that reads the shipped member name sees nothing. Reading the inline context's JSON
//! cannot see every way to reach an IRI (chains of compact IRIs of any depth, `@vocab`
//! given as a compact IRI, scoped contexts, keyword aliases); the processed active
//! context has each term's final IRI. So the document's contexts are processed twice,
//! with and without its inline contexts, and every term the inline contexts add or change
//! is judged by what it expands to:
//!
//! - a keyword alias (`"myid": "@id"`, `"n": "@nest"`, `"inc": "@included"`) is refused:
//!   it hides identifiers, types, nesting or further nodes from the name-based reading;
//! - a term whose IRI is one that a shipped context names is refused (`st` for
//!   `credentialStatus`'s IRI, or `credentialStatus` redefined);
//! - an `@vocab` under which a shipped IRI could be written as a plain term is refused;
//! - the scoped contexts of added terms (property- and type-scoped) are processed on top
//!   and judged the same way, to a bounded depth.
//!
//! Together with the compact-form check ([`super::check_signed_form`]: the document is the
//! compaction of its own signed data under its contexts), a member name the shipped
//! contexts define then stands for exactly the IRI they define, wherever it is read.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde_json::Value;
use ssi::json_ld::syntax::TryFromJson;
use ssi::json_ld::syntax::context::Context as LocalContext;
use ssi::json_ld::{Process, Term};

use super::{JsonLdProblem, loader, shipped_names, short};

type Active = ssi::json_ld::Context;

/// How deep scoped contexts of inline terms are followed. Each level processes the
/// scoped contexts of the terms the level before added; beyond this, refused.
const MAX_SCOPE_DEPTH: usize = 4;

/// The most term definitions, over all levels, that inline contexts may add (each one is
/// judged, and a scoped context is processed per definition that has one).
const MAX_INLINE_TERMS: usize = 256;

async fn process(ctx: &Value, on: &Active) -> Result<Active, JsonLdProblem> {
    let local = LocalContext::try_from_json(json_syntax::Value::from_serde_json(ctx.clone()))
        .map_err(|e| JsonLdProblem::BadContext(e.to_string()))?;
    let processed = local
        .process_full(&mut (), on, loader(), None, Default::default(), ())
        .await
        .map_err(|e| JsonLdProblem::Invalid(format!("context processing: {e}")))?;
    Ok(processed.into_processed())
}

async fn process_syntax(ctx: &ssi::json_ld::syntax::context::Context, on: &Active) -> Result<Active, JsonLdProblem> {
    let processed = ctx
        .process_full(&mut (), on, loader(), None, Default::default(), ())
        .await
        .map_err(|e| JsonLdProblem::Invalid(format!("context processing (a scoped context): {e}")))?;
    Ok(processed.into_processed())
}

/// Checks the terms that the inline contexts of `ctx` (a document's `@context`) add to
/// or change in what its URL contexts define. `Ok` at once when it has no inline context.
pub async fn check_inline_terms(ctx: &Value) -> Result<(), JsonLdProblem> {
    let Value::Array(items) = ctx else { return Ok(()) };
    if !items.iter().any(Value::is_object) {
        return Ok(());
    }
    let urls: Vec<Value> = items.iter().filter(|i| i.is_string()).cloned().collect();
    let empty = Active::new(None);
    let base = process(&Value::Array(urls), &empty).await?;
    let full = process(ctx, &empty).await?;
    judge(&base, full).await
}

/// Judges every definition of `active` that differs from `base`, then, one level down,
/// the scoped contexts of those definitions processed on top of `active` (there, what
/// differs from the context they were processed on).
async fn judge(base: &Active, active: Active) -> Result<(), JsonLdProblem> {
    let mut budget = MAX_INLINE_TERMS;
    let mut level: Vec<(Active, Active)> = vec![(base.clone(), active)];
    for depth in 0..=MAX_SCOPE_DEPTH {
        let mut next = Vec::new();
        for (parent, active) in &level {
            if active.vocabulary() != parent.vocabulary()
                && let Some(Term::Id(v)) = active.vocabulary()
            {
                let vocab = v.as_str();
                if let Some((iri, names)) = shipped_names().iter().find(|(iri, _)| iri.starts_with(vocab)) {
                    let name = names.iter().next().map_or("", String::as_str);
                    return Err(JsonLdProblem::BadContext(format!(
                        "an inline context sets @vocab to {vocab}, which covers {iri} (the shipped contexts call it '{name}'); inline contexts may not give standard IRIs other names"
                    )));
                }
            }
            for binding in active.definitions() {
                let term = binding.term().as_str();
                let def = binding.definition();
                if parent.get(term).is_some_and(|b| b == def) {
                    continue;
                }
                budget = budget.checked_sub(1).ok_or_else(|| {
                    JsonLdProblem::BadContext(format!(
                        "the inline contexts define more than {MAX_INLINE_TERMS} terms (their scoped contexts included)"
                    ))
                })?;
                judge_term(term, def.value())?;
                if let Some(scoped) = def.context() {
                    if depth == MAX_SCOPE_DEPTH {
                        return Err(JsonLdProblem::BadContext(format!(
                            "inline scoped contexts nest deeper than {MAX_SCOPE_DEPTH} levels"
                        )));
                    }
                    next.push((active.clone(), process_syntax(scoped, active).await?));
                }
            }
        }
        if next.is_empty() {
            return Ok(());
        }
        level = next;
    }
    Ok(())
}

/// Every term name the shipped contexts define (at any scope).
fn shipped_terms() -> &'static HashSet<String> {
    static TERMS: OnceLock<HashSet<String>> = OnceLock::new();
    TERMS.get_or_init(|| shipped_names().values().flatten().cloned().collect())
}

/// A term an inline context adds or changes: no keyword alias, no shipped term name
/// redefined (a credential's type-scoped contexts may override it again, or not: what a
/// name means must not depend on that), and no IRI that the shipped contexts name.
fn judge_term(term: &str, value: Option<&Term>) -> Result<(), JsonLdProblem> {
    if term != "@type" && shipped_terms().contains(term) && !matches!(value, Some(Term::Keyword(_))) {
        return Err(JsonLdProblem::BadContext(format!(
            "the inline context redefines '{}', a term the shipped contexts define; use the shipped definition (leave it out of the inline context)",
            short(term)
        )));
    }
    match value {
        Some(Term::Keyword(k)) if term != "@type" => Err(JsonLdProblem::BadContext(format!(
            "the inline context makes '{}' an alias of the keyword {}; write the keyword's shipped term (id, type) instead",
            short(term),
            k.into_str()
        ))),
        // Not even under its shipped name: an inline definition of a shipped IRI either
        // repeats the shipped one (nothing gained) or differs from it, where the
        // credential's own type-scoped contexts may or may not override it.
        Some(Term::Id(id)) => match shipped_names().get(id.as_str()) {
            Some(names) => {
                let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
                names.sort_unstable();
                Err(JsonLdProblem::BadContext(format!(
                    "the inline context's term '{}' expands to {}, which the shipped contexts call '{}'; write '{}'",
                    short(term),
                    id.as_str(),
                    names.join("' or '"),
                    names[0]
                )))
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}
