//! `microcred verify`: one or many credentials (a JSON credential, a JWT, a JSON array
//! of them, JSON lines, a baked badge image; several files), verified in parallel on
//! every core, one report per line in input order.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde_json::Value;

use super::{TrustArgs, exit, read_bytes, read_input};
use crate::clock::Clock;
use crate::crypto::did::{DidDocument, Resolver};
use crate::status::check::StatusSource;
use crate::trust::TrustRegistry;
use crate::verify::{VerificationReport, VerifyContext, verify_text_with};

/// Credentials verified per hand-over to the pool: enough to keep every core busy,
/// few enough that memory stays bounded by the input, not by the reports.
const CHUNK: usize = 1024;

/// The credentials in one input: a baked badge image (its first credential), a JSON
/// array (each element; strings are JWTs), JSON lines or lines of JWTs (one per line),
/// or else one credential (pretty-printed JSON, a JWT, or whatever it is: the report
/// then says why it is not a credential).
pub(super) fn split_input(bytes: Vec<u8>, name: &str) -> Result<Vec<String>> {
    if crate::bake::ImageKind::sniff(&bytes).is_some() {
        let text =
            crate::bake::unbake(&bytes).map_err(|e| anyhow::anyhow!("cannot read a credential from {name}: {e}"))?;
        return Ok(vec![text]);
    }
    let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("cannot read {name} as UTF-8 text"))?;
    let t = text.trim();
    if t.starts_with('[') {
        if let Ok(items) = serde_json::from_str::<Vec<Value>>(t) {
            return Ok(items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect());
        }
        return Ok(vec![text]);
    }
    let mut lines = t.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let more = lines.next().is_some();
    let one_per_line = more
        && (serde_json::from_str::<serde::de::IgnoredAny>(first).is_ok() || looks_like_jwt(first))
        && serde_json::from_str::<serde::de::IgnoredAny>(t).is_err();
    if one_per_line {
        return Ok(t.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect());
    }
    Ok(vec![text])
}

fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// What verification needs, shared by the pool's threads.
struct Verifier {
    resolver: Resolver,
    status: Box<dyn StatusSource>,
    clock: Box<dyn Clock>,
    trust: TrustRegistry,
}

impl Verifier {
    async fn verify(&self, text: &str) -> VerificationReport {
        let ctx = VerifyContext {
            resolver: &self.resolver,
            status: self.status.as_ref(),
            clock: self.clock.as_ref(),
            expect: Default::default(),
            trust: &self.trust,
        };
        verify_text_with(text, ctx).await
    }
}

/// What the command line says about where keys and status lists come from.
pub(super) struct Sources<'a> {
    /// `--did-doc`.
    pub did_docs: &'a [PathBuf],
    /// `--status-list`.
    pub status_lists: &'a [PathBuf],
    /// `--allow-private-status-urls`.
    pub allow_private: bool,
    /// `--trust-list`, `--trust-anchor`.
    pub trust: &'a TrustArgs,
}

/// Verifies every credential of every file; exit 1 if any is not valid.
pub(super) async fn verify_files(files: &[PathBuf], src: Sources<'_>, clock: Box<dyn Clock>) -> Result<u8> {
    use crate::status::check::{GivenStatusLists, HttpStatusLists};
    use crate::status::fetch::FetchPolicy;
    let mut resolver = Resolver::new();
    for path in src.did_docs {
        let doc: DidDocument = serde_json::from_str(&read_input(path)?)
            .with_context(|| format!("{} is not a DID document", path.display()))?;
        resolver.add_document(doc);
    }
    let mut lists = std::collections::HashMap::new();
    for path in src.status_lists {
        let doc: Value =
            serde_json::from_str(&read_input(path)?).with_context(|| format!("{} is not JSON", path.display()))?;
        let id = doc
            .get("id")
            .and_then(Value::as_str)
            .with_context(|| format!("{}: a status list credential has an id", path.display()))?;
        lists.insert(id.to_owned(), doc);
    }
    let policy =
        FetchPolicy { allow_private: src.allow_private, allow_http: src.allow_private, ..FetchPolicy::default() };
    // Other deployments' copies of our contexts are fetched with the same rules.
    let context_fetcher = crate::status::fetch::Fetcher::new(policy.clone());
    let status = GivenStatusLists { lists, fallback: Box::new(HttpStatusLists::new(policy)) };
    let mut entries = Vec::new();
    for path in &src.trust.lists {
        let doc: Value =
            serde_json::from_str(&read_input(path)?).with_context(|| format!("{} is not JSON", path.display()))?;
        let l = crate::trust::list::verify(&doc, &src.trust.anchors, &Resolver::new(), clock.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("trust list {} refused: {e}", path.display()))?;
        // The keys a trust list pins for a DID are that DID's keys (issue 26): a
        // `--did-doc` that adds another is refused, not merged.
        for d in l.documents {
            resolver.pin_document(d).map_err(|e| anyhow::anyhow!("trust list {}: {e}", path.display()))?;
        }
        entries.extend(l.entries);
    }
    let trust = TrustRegistry::new(entries, Default::default());
    let verifier = Arc::new(Verifier { resolver, status: Box::new(status), clock, trust });
    let (mut all_valid, mut hints) = (true, Hints::default());
    let stdout = std::io::stdout();
    for file in files {
        let items = split_input(read_bytes(file)?, &file.display().to_string())?;
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let chunk: Vec<String> = items.by_ref().take(CHUNK).collect();
            for text in &chunk {
                crate::jsonld::remote::learn(text, &context_fetcher).await;
            }
            let v = verifier.clone();
            let reports =
                crate::cpu::run(move |rt| chunk.par_iter().map(|text| rt.block_on(v.verify(text))).collect::<Vec<_>>())
                    .await
                    .map_err(|e| anyhow::anyhow!("verification failed: {e}"))?;
            let mut out = std::io::BufWriter::new(stdout.lock());
            for report in &reports {
                all_valid &= report.valid;
                hints.note(report);
                use std::io::Write;
                writeln!(out, "{}", serde_json::to_string(report)?)?;
            }
        }
    }
    hints.print(src.did_docs.is_empty(), src.allow_private);
    Ok(if all_valid { exit::OK } else { exit::INVALID })
}

/// What the command line could have done differently, said once per run on stderr.
#[derive(Debug, Default)]
struct Hints {
    did_web_unresolved: bool,
    status_refused: bool,
    context_unknown: bool,
}

impl Hints {
    fn note(&mut self, report: &VerificationReport) {
        for e in &report.errors {
            if e.code == "key.unresolvable" && report.issuer.as_deref().is_some_and(|i| i.starts_with("did:web:")) {
                self.did_web_unresolved = true;
            }
            if e.code == "status.unknown" && e.message.contains("URL refused") {
                self.status_refused = true;
            }
            if e.code == "context.unknown" {
                self.context_unknown = true;
            }
        }
    }

    fn print(&self, no_did_docs: bool, allow_private: bool) {
        if self.did_web_unresolved {
            let more = if no_did_docs { "" } else { " (none of the documents given names this key)" };
            eprintln!(
                "hint: did:web issuers are never resolved over the network; give the issuer's DID document with --did-doc did.json (e.g. saved from https://HOST/issuers/SLUG/did.json){more}"
            );
        }
        if self.status_refused && !allow_private {
            eprintln!(
                "hint: the status list was not fetched from a plain-http or private address; --allow-private-status-urls allows that (local testing), or give the list with --status-list FILE"
            );
        }
        if self.context_unknown && !allow_private {
            eprintln!(
                "hint: a context URL we do not ship is fetched only to compare it with our own contexts (SHA-256), never from a plain-http or private address; --allow-private-status-urls allows that (local testing)"
            );
        }
    }
}

/// Reads a whole input as bytes (used for images and text alike).
pub(super) fn read_all(path: &Path, max: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin().take(max + 1).read_to_end(&mut bytes).context("cannot read stdin")?;
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        file.take(max + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    }
    if bytes.len() as u64 > max {
        anyhow::bail!("{} is larger than {} MiB", path.display(), max >> 20);
    }
    Ok(bytes)
}
