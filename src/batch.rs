//! Batches of records for the CLI: read one record at a time (a single JSON object, a
//! JSON array, or JSON lines), validate and sign in parallel on every core in bounded
//! chunks, and write the credentials in input order. Memory stays bounded by the chunk
//! size, not the batch size (100,000 records take ~60 MB; see BENCHMARKS.md).

use std::cell::{Cell, RefCell};
use std::io::{BufRead, BufReader, Read, Write};
use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;
use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::clock::Clock;
use crate::crypto::keys::IssuerKey;
use crate::domain::{ValidationReport, parse_record_text};
use crate::issuance::{IssueError, IssueOptions, issue_record};

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

/// One record read (its JSON text, checked to be one JSON value), or why reading stopped.
/// Records travel as text and are parsed by the worker that validates them: parsing is
/// spread over the cores, and the JSON trees are made and freed on the same thread
/// (a queue of parsed trees cost more in fresh memory pages than the parsing itself).
pub type ReadItem = Result<Box<RawValue>, String>;

/// Records handed from the reader to the workers at a time, at most.
///
/// Handed over one by one, the reader and the thread collecting a chunk woke each other
/// for nearly every record: on one core, 5,100 context switches in a run of 10,000
/// `valid-14` records (see BENCHMARKS.md).
const BLOCK: usize = 64;

/// The records read, in order: what [`read_records`] hands over.
#[derive(Debug)]
pub struct Records {
    rx: Receiver<Vec<ReadItem>>,
    block: std::vec::IntoIter<ReadItem>,
}

impl Iterator for Records {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        self.next_before_waiting(&mut || {})
    }
}

impl Records {
    /// The next record; when none is ready yet, `before_waiting` runs before this waits
    /// for the reader (which may itself wait for input, on a pipe or a terminal). A
    /// consumer that writes a line per record flushes there, so its output keeps up with
    /// input that comes slowly, at no cost while records are ready.
    pub fn next_before_waiting(&mut self, before_waiting: &mut dyn FnMut()) -> Option<ReadItem> {
        loop {
            if let Some(item) = self.block.next() {
                return Some(item);
            }
            let block = match self.rx.try_recv() {
                Ok(block) => block,
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => {
                    before_waiting();
                    self.rx.recv().ok()?
                }
            };
            self.block = block.into_iter();
        }
    }
}

/// The reader's side: records gathered into blocks of up to [`BLOCK`].
struct Outbox {
    tx: SyncSender<Vec<ReadItem>>,
    block: RefCell<Vec<ReadItem>>,
    /// The consumer is gone.
    closed: Cell<bool>,
}

impl Outbox {
    /// Adds a record; `false` once nobody takes records any more.
    fn send(&self, item: ReadItem) -> bool {
        let full = {
            let mut block = self.block.borrow_mut();
            block.push(item);
            block.len() >= BLOCK
        };
        if full { self.flush() } else { !self.closed.get() }
    }

    /// Hands over the records gathered so far.
    fn flush(&self) -> bool {
        let block = std::mem::take(&mut *self.block.borrow_mut());
        if !block.is_empty() && !self.closed.get() && self.tx.send(block).is_err() {
            self.closed.set(true);
        }
        !self.closed.get()
    }
}

/// The input under the reader's buffer: before it reads more (which may wait, on a pipe
/// or a terminal), the records gathered so far are handed over, so that none waits for
/// input that comes later.
struct FlushBeforeRead<R> {
    input: R,
    outbox: Rc<Outbox>,
}

impl<R: Read> Read for FlushBeforeRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.outbox.flush();
        self.input.read(buf)
    }
}

/// Reads records from `input` on a thread of its own and hands them over, a block at
/// a time, through a bounded channel.
pub fn read_records<R: Read + Send + 'static>(input: R) -> (Shape, Records) {
    let (tx, rx) = sync_channel::<Vec<ReadItem>>(CHUNK * 2 / BLOCK);
    let records = Records { rx, block: Vec::new().into_iter() };
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let first = match first_byte(&mut reader) {
        Ok(b) => b,
        Err(e) => {
            let _ = tx.send(vec![Err(e)]);
            return (Shape::Values, records);
        }
    };
    let shape = if first == Some(b'[') { Shape::Array } else { Shape::Values };
    std::thread::spawn(move || {
        let outbox = Rc::new(Outbox { tx, block: RefCell::new(Vec::with_capacity(BLOCK)), closed: Cell::new(false) });
        // What the first look buffered, then the rest of the input.
        let buffered = std::io::Cursor::new(reader.buffer().to_vec());
        let input = FlushBeforeRead { input: buffered.chain(reader.into_inner()), outbox: Rc::clone(&outbox) };
        let reader = BufReader::with_capacity(1 << 16, input);
        let result = match first {
            None => Err("the input is empty; expected a JSON record, an array of records or JSON lines".to_owned()),
            Some(b'[') => read_array(reader, &outbox),
            Some(_) => read_values(reader, &outbox),
        };
        if let Err(e) = result {
            outbox.send(Err(e));
        }
        outbox.flush();
    });
    (shape, records)
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
fn read_array<R: Read>(reader: R, tx: &Outbox) -> Result<(), String> {
    struct Elements<'a>(&'a Outbox);
    impl<'de> Visitor<'de> for Elements<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(v) = seq.next_element::<Box<RawValue>>()? {
                if !self.0.send(Ok(v)) {
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

/// One object, or JSON lines. Each line is parsed from memory as long as every line is
/// one whole JSON value (JSON lines, the batch format: `serde_json` parses a slice several
/// times faster than a reader); from the first line that is not, the rest of the input
/// is read as a stream of JSON values, that line included.
fn read_values<R: BufRead>(mut reader: R, tx: &Outbox) -> Result<(), String> {
    let mut line = Vec::with_capacity(1 << 13);
    for number in 1.. {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| format!("cannot read the input: {e}"))?;
        if n == 0 {
            break;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Box<RawValue>>(&line) {
            Ok(v) => {
                if !tx.send(Ok(v)) {
                    return Ok(());
                }
            }
            Err(_) => return read_stream(std::io::Cursor::new(line).chain(reader), number - 1, tx),
        }
    }
    Ok(())
}

/// A stream of JSON values, whitespace-separated, that starts after `skipped` lines of
/// the input (error positions are given in lines of the whole input).
fn read_stream<R: Read>(reader: R, skipped: usize, tx: &Outbox) -> Result<(), String> {
    for v in serde_json::Deserializer::from_reader(reader).into_iter::<Box<RawValue>>() {
        let v = v.map_err(|e| {
            let text = e.to_string();
            let at = format!(" at line {} column {}", e.line(), e.column());
            match text.strip_suffix(&at) {
                Some(what) if e.line() > 0 => {
                    format!("not valid JSON: {what} at line {} column {}", e.line() + skipped, e.column())
                }
                _ => format!("not valid JSON: {text}"),
            }
        })?;
        if !tx.send(Ok(v)) {
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
    /// Valid and signed: what to write (made on the worker, which then frees the
    /// credential's JSON tree where it was made) and the record's warnings.
    Signed(String, ValidationReport),
    /// Valid, not signed (an earlier record was invalid).
    Valid(ValidationReport),
    /// Breaks the rules.
    Invalid(ValidationReport),
    /// Valid, but signing failed.
    Failed(IssueError),
    /// Its text is not JSON (the reader checked it was: never in practice).
    Unreadable(String),
}

/// Validates every record and, while all are valid, signs them on all cores, writing one
/// credential per line to `out` in input order. Invalid records are reported through
/// `on_invalid(index, report)`; after the first one nothing more is signed, and the
/// caller must discard `out` (all or nothing). Warnings go to `on_warning`. The index
/// is `None` for a lone record (not in an array, not one of several JSON lines).
pub fn issue_all(
    (shape, mut records): (Shape, Records),
    key: &IssuerKey,
    options: &IssueOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
    on_invalid: &mut dyn FnMut(Option<usize>, &ValidationReport),
    on_warning: &mut dyn FnMut(Option<usize>, &ValidationReport),
) -> Result<BatchSummary, BatchError> {
    let mut summary = BatchSummary::default();
    let mut chunk: Vec<Box<RawValue>> = Vec::with_capacity(CHUNK);
    let mut done = false;
    while !done {
        chunk.clear();
        while chunk.len() < CHUNK {
            match records.next() {
                Some(Ok(v)) => chunk.push(v),
                Some(Err(e)) => return Err(BatchError::Input(e)),
                None => {
                    done = true;
                    break;
                }
            }
        }
        // A first chunk of one record is the whole input (chunks fill up to CHUNK).
        let many = shape == Shape::Array || summary.records + chunk.len() > 1;
        let sign = summary.invalid == 0;
        // Identifiers and salts come from a ChaCha generator seeded by the operating system
        // once per piece of work rayon splits the chunk into, not from two system calls per
        // credential (`getrandom` was ~0.6% of a one-core run's samples; BENCHMARKS.md).
        let outcomes: Vec<Outcome> = chunk
            .par_iter()
            .map_init(StdRng::from_entropy, |rng, raw| one(raw, key, options, clock, sign, rng))
            .collect();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            let at = summary.records + i;
            let index = many.then_some(at);
            match outcome {
                Outcome::Signed(wire, warnings) => {
                    if !warnings.warnings.is_empty() {
                        on_warning(index, &warnings);
                    }
                    if summary.invalid == 0 {
                        out.write_all(wire.as_bytes())?;
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
                Outcome::Unreadable(e) => return Err(BatchError::Input(format!("record {at}: {e}"))),
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
fn one(
    raw: &RawValue,
    key: &IssuerKey,
    options: &IssueOptions,
    clock: &dyn Clock,
    sign: bool,
    rng: &mut StdRng,
) -> Outcome {
    let (record, warnings) = match parse_record_text(raw.get(), clock) {
        Ok(Ok(x)) => x,
        Ok(Err(report)) => return Outcome::Invalid(report),
        Err(e) => return Outcome::Unreadable(format!("not valid JSON: {e}")),
    };
    if !sign {
        return Outcome::Valid(warnings);
    }
    // Our own credentials take the synchronous fast path; the future never waits on I/O.
    match futures_executor::block_on(issue_record(&record, warnings, key, clock, rng, options)) {
        Ok(issued) => {
            let (wire, warnings) = issued.into_wire();
            Outcome::Signed(wire, warnings)
        }
        Err(IssueError::Invalid(report)) => Outcome::Invalid(report),
        Err(e) => Outcome::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Shape, Vec<ReadItem>) {
        let (shape, rx) = read_records(std::io::Cursor::new(text.to_owned().into_bytes()));
        (shape, rx.collect())
    }

    #[test]
    fn json_lines_pretty_objects_and_their_mixtures_read_the_same_values() {
        let values = vec![serde_json::json!({"a": 1}), serde_json::json!({"b": [1, 2]}), serde_json::json!({"c": "x"})];
        let lines = "{\"a\":1}\n\n{\"b\":[1,2]}\r\n{\"c\":\"x\"}";
        let pretty = "{\n  \"a\": 1\n}\n{\"b\": [1,\n 2]} {\"c\": \"x\"}\n";
        let mixed = "{\"a\":1}\n{\"b\":\n[1,2]}\n{\"c\":\"x\"}\n";
        for text in [lines, pretty, mixed] {
            let (shape, got) = read(text);
            assert_eq!(shape, Shape::Values);
            let got: Vec<serde_json::Value> =
                got.into_iter().map(|r| serde_json::from_str(r.expect("value").get()).expect("JSON")).collect();
            assert_eq!(got, values, "{text:?}");
        }
    }

    /// What a batch makes of `text`: each record's JSON as the worker reads it, or the
    /// first error (the reader's, or the worker's on a record's text).
    fn values(text: &[u8]) -> Result<Vec<serde_json::Value>, String> {
        let (_, rx) = read_records(std::io::Cursor::new(text.to_vec()));
        rx.map(|item| serde_json::from_str(item?.get()).map_err(|e| e.to_string())).collect()
    }

    #[test]
    fn every_line_reads_as_serde_json_reads_it_or_is_refused() {
        // Lines on which JSON parsers are known to differ.
        let lines: Vec<&[u8]> = vec![
            br#"{"a":1}"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":-}"#,
            br#"{"a":1e}"#,
            br#"{"a":1E+2}"#,
            br#"{"a":123456789012345678901234567890}"#,
            br#"{"a":-0.0e-0}"#,
            br#"{"a":NaN}"#,
            br#"{"a":"\q"}"#,
            br#"{"a":"\u00e9\ud83d\ude00"}"#,
            br#"{"a":"\ud800"}"#,
            br#"{"a":"\udc00x"}"#,
            br#"{"a":"\u12"}"#,
            b"{\"a\":\"tab\there\"}",
            b"{\"a\":\"nul\x00\"}",
            b"{\"a\":\"\xff\xfe\"}",
            b"{\"a\":\"\xc3\xa9\"}",
            b"{\"a\":\"\xed\xa0\x80\"}",
            b"\xef\xbb\xbf{\"a\":1}",
            br#"{"a":1,}"#,
            br#"{"a":[1,2,]}"#,
            br#"{"a":1}}"#,
            br#"{"a":1} {"b":2}"#,
            br#"{"a":true,"a":false}"#,
            br#"{'a':1}"#,
            br#"{"a":tru}"#,
            br#"{"a":nul}"#,
            br#"[1,2"#,
            b"   {\"a\" : [ ] }  \r",
            br#""just a string""#,
            br#"{"a":{"b":{"c":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}}}"#,
        ];
        let before = br#"{"first":true}"#;
        let after = br#"{"last":true}"#;
        let parse = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).expect("JSON");
        for line in lines {
            let text = [&before[..], b"\n", line, b"\n", after, b"\n"].concat();
            let got = values(&text);
            let shown = String::from_utf8_lossy(line);
            match serde_json::from_slice::<serde_json::Value>(line) {
                Ok(v) => assert_eq!(got, Ok(vec![parse(before), v, parse(after)]), "{shown}"),
                // Not one JSON value: what serde_json reads from the whole input as a
                // stream (two values on the line), or an error; never anything else.
                Err(_) => {
                    let stream: Result<Vec<serde_json::Value>, _> =
                        serde_json::Deserializer::from_slice(&text).into_iter().collect();
                    match (got, stream) {
                        (Ok(got), Ok(stream)) => assert_eq!(got, stream, "{shown}"),
                        (Ok(got), Err(e)) => panic!("{shown}: read {got:?}, serde_json: {e}"),
                        (Err(e), _) => assert!(e.contains("JSON") || e.contains("line"), "{shown}: {e}"),
                    }
                }
            }
        }
    }

    /// Input that arrives piece by piece, as from a pipe or a terminal: a read waits for
    /// the next piece.
    struct Pipe(std::sync::mpsc::Receiver<Vec<u8>>, Vec<u8>);

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.1.is_empty() {
                match self.0.recv() {
                    Ok(piece) => self.1 = piece,
                    Err(_) => return Ok(0),
                }
            }
            let n = buf.len().min(self.1.len());
            buf[..n].copy_from_slice(&self.1[..n]);
            self.1.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn a_record_is_handed_over_before_the_reader_waits_for_more_input() {
        // Records travel in blocks; one that is not full yet must not wait for input that
        // has not come (a user typing records, a slow pipe), in any of the input shapes.
        for (first, then, end) in [
            ("{\"a\":1}\n", "{\"a\":2}\n", ""),
            ("[{\"a\":1},", "{\"a\":2},", "{}]"),
            ("{\n\"a\": 1}\n", "{\n\"a\": 2}\n", ""),
        ] {
            let (send, pieces) = std::sync::mpsc::channel::<Vec<u8>>();
            // The input's shape is known from its first byte, before `read_records` returns.
            send.send(first.as_bytes().to_vec()).expect("reader");
            let (_, mut records) = read_records(Pipe(pieces, Vec::new()));
            let (got, seen) = std::sync::mpsc::channel();
            let consumer = std::thread::spawn(move || {
                for r in records.by_ref() {
                    if got.send(r.map(|v| v.get().to_owned())).is_err() {
                        break;
                    }
                }
            });
            let wait = std::time::Duration::from_secs(20);
            for (n, piece) in [first, then].into_iter().enumerate() {
                if n > 0 {
                    send.send(piece.as_bytes().to_vec()).expect("reader");
                }
                let record = seen.recv_timeout(wait).unwrap_or_else(|_| panic!("{piece:?} was not handed over"));
                assert!(record.expect("a record").contains("\"a\""), "{piece:?}");
            }
            send.send(end.as_bytes().to_vec()).expect("reader");
            drop(send);
            let rest: Vec<_> = seen.iter().collect();
            assert_eq!(rest.len(), usize::from(!end.is_empty()), "{first:?}");
            consumer.join().expect("consumer");
        }
    }

    #[test]
    fn records_come_in_input_order_across_blocks() {
        let n = BLOCK * 5 + 3;
        let text: String = (0..n).map(|i| format!("{{\"n\":{i}}}\n")).collect();
        let (_, got) = read(&text);
        let numbers: Vec<u64> = got
            .into_iter()
            .map(|r| {
                serde_json::from_str::<serde_json::Value>(r.expect("value").get()).expect("JSON")["n"]
                    .as_u64()
                    .expect("n")
            })
            .collect();
        assert_eq!(numbers, (0..n as u64).collect::<Vec<_>>());
    }

    #[test]
    fn a_broken_line_after_json_lines_is_reported_at_its_line_in_the_input() {
        let (_, got) = read("{\"a\":1}\n{\"b\":2}\n{\"c\": tru}\n");
        assert_eq!(got.len(), 3);
        let err = got[2].as_ref().expect_err("broken");
        assert!(err.starts_with("not valid JSON: ") && err.contains("at line 3 column "), "{err}");
    }
}
