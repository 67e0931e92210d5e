//! Batches of records for the CLI: read one record at a time (a single JSON object, a
//! JSON array, or JSON lines), validate and sign in parallel on every core in bounded
//! chunks, and write the credentials in input order. Memory stays bounded by the chunk
//! size, not the batch size (100,000 records take ~60 MB; see BENCHMARKS.md).

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rayon::prelude::*;
use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::Value;

use crate::clock::Clock;
use crate::crypto::keys::IssuerKey;
use crate::domain::{ValidationReport, parse_record};
use crate::issuance::{IssueError, IssueOptions, Issued, issue_record};

/// Records handed to the workers at a time.
pub const CHUNK: usize = 512;

/// How the input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON array of records.
    Array,
    /// One JSON object, or JSON lines (one record per line).
    Values,
}

/// One record read, or why reading stopped.
pub type ReadItem = Result<Value, String>;

/// Reads records from `input` on a thread of its own and hands them over one by one
/// through a bounded channel.
pub fn read_records<R: Read + Send + 'static>(input: R) -> (Shape, Receiver<ReadItem>) {
    let (tx, rx) = sync_channel::<ReadItem>(CHUNK * 2);
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let first = match first_byte(&mut reader) {
        Ok(b) => b,
        Err(e) => {
            let _ = tx.send(Err(e));
            return (Shape::Values, rx);
        }
    };
    let shape = if first == Some(b'[') { Shape::Array } else { Shape::Values };
    std::thread::spawn(move || {
        let result = match first {
            None => Err("the input is empty; expected a JSON record, an array of records or JSON lines".to_owned()),
            Some(b'[') => read_array(reader, &tx),
            Some(_) => read_values(reader, &tx),
        };
        if let Err(e) = result {
            let _ = tx.send(Err(e));
        }
    });
    (shape, rx)
}

fn first_byte<R: BufRead>(r: &mut R) -> Result<Option<u8>, String> {
    loop {
        let buf = r.fill_buf().map_err(|e| format!("cannot read the input: {e}"))?;
        let Some(&b) = buf.first() else { return Ok(None) };
        if b.is_ascii_whitespace() {
            r.consume(1);
        } else {
            return Ok(Some(b));
        }
    }
}

/// Elements of a top-level array, each sent as soon as it is parsed.
fn read_array<R: Read>(reader: R, tx: &SyncSender<ReadItem>) -> Result<(), String> {
    struct Elements<'a>(&'a SyncSender<ReadItem>);
    impl<'de> Visitor<'de> for Elements<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(v) = seq.next_element::<Value>()? {
                if self.0.send(Ok(v)).is_err() {
                    break; // the consumer stopped
                }
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    de.deserialize_seq(Elements(tx)).map_err(|e| format!("not valid JSON: {e}"))?;
    de.end().map_err(|e| format!("unexpected content after the array: {e}"))
}

/// One object, or JSON lines.
fn read_values<R: Read>(reader: R, tx: &SyncSender<ReadItem>) -> Result<(), String> {
    for v in serde_json::Deserializer::from_reader(reader).into_iter::<Value>() {
        let v = v.map_err(|e| format!("not valid JSON: {e}"))?;
        if tx.send(Ok(v)).is_err() {
            break;
        }
    }
    Ok(())
}

/// What a batch run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    /// Records read.
    pub records: usize,
    /// Records that break the rules.
    pub invalid: usize,
    /// Credentials written (0 when any record was invalid).
    pub issued: usize,
}

/// Why a batch stopped before the end.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The input could not be read or parsed.
    #[error("{0}")]
    Input(String),
    /// A valid record could not be signed (a refused credential or a key problem).
    // The cause is in the message, not a `source`, so that error chains say it once.
    #[error("record {index}: {cause}")]
    Issue {
        /// Position in the input.
        index: usize,
        /// Cause.
        cause: IssueError,
    },
    /// Writing the output failed.
    #[error("cannot write the credentials: {0}")]
    Output(#[from] std::io::Error),
}

/// What became of one record.
enum Outcome {
    /// Valid and signed.
    Signed(Issued),
    /// Valid, not signed (an earlier record was invalid).
    Valid(ValidationReport),
    /// Breaks the rules.
    Invalid(ValidationReport),
    /// Valid, but signing failed.
    Failed(IssueError),
}

/// Validates every record and, while all are valid, signs them on all cores, writing one
/// credential per line to `out` in input order. Invalid records are reported through
/// `on_invalid(index, report)`; after the first one nothing more is signed, and the
/// caller must discard `out` (all or nothing). Warnings go to `on_warning`. The index
/// is `None` for a lone record (not in an array, not one of several JSON lines).
pub fn issue_all(
    (shape, records): (Shape, Receiver<ReadItem>),
    key: &IssuerKey,
    options: &IssueOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
    on_invalid: &mut dyn FnMut(Option<usize>, &ValidationReport),
    on_warning: &mut dyn FnMut(Option<usize>, &ValidationReport),
) -> Result<BatchSummary, BatchError> {
    let mut summary = BatchSummary::default();
    let mut chunk: Vec<Value> = Vec::with_capacity(CHUNK);
    let mut done = false;
    while !done {
        chunk.clear();
        while chunk.len() < CHUNK {
            match records.recv() {
                Ok(Ok(v)) => chunk.push(v),
                Ok(Err(e)) => return Err(BatchError::Input(e)),
                Err(_) => {
                    done = true;
                    break;
                }
            }
        }
        // A first chunk of one record is the whole input (chunks fill up to CHUNK).
        let many = shape == Shape::Array || summary.records + chunk.len() > 1;
        let sign = summary.invalid == 0;
        let outcomes: Vec<Outcome> = chunk.par_iter().map(|raw| one(raw, key, options, clock, sign)).collect();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            let at = summary.records + i;
            let index = many.then_some(at);
            match outcome {
                Outcome::Signed(issued) => {
                    if !issued.warnings.warnings.is_empty() {
                        on_warning(index, &issued.warnings);
                    }
                    if summary.invalid == 0 {
                        out.write_all(issued.to_wire().as_bytes())?;
                        out.write_all(b"\n")?;
                        summary.issued += 1;
                    }
                }
                Outcome::Valid(report) => {
                    if !report.warnings.is_empty() {
                        on_warning(index, &report);
                    }
                }
                Outcome::Invalid(report) => {
                    summary.invalid += 1;
                    on_invalid(index, &report);
                }
                Outcome::Failed(cause) => return Err(BatchError::Issue { index: at, cause }),
            }
        }
        summary.records += chunk.len();
    }
    if summary.invalid > 0 {
        summary.issued = 0;
    }
    Ok(summary)
}

/// Validates one record and, when `sign`, issues it.
fn one(raw: &Value, key: &IssuerKey, options: &IssueOptions, clock: &dyn Clock, sign: bool) -> Outcome {
    let (record, warnings) = match parse_record(raw, clock) {
        Ok(x) => x,
        Err(report) => return Outcome::Invalid(report),
    };
    if !sign {
        return Outcome::Valid(warnings);
    }
    let mut rng = rand::rngs::OsRng;
    // Our own credentials take the synchronous fast path; the future never waits on I/O.
    match futures_executor::block_on(issue_record(&record, warnings, key, clock, &mut rng, options)) {
        Ok(issued) => Outcome::Signed(issued),
        Err(IssueError::Invalid(report)) => Outcome::Invalid(report),
        Err(e) => Outcome::Failed(e),
    }
}
