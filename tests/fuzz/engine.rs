//! The fuzzing engine: a deterministic structured mutation fuzzer without coverage
//! instrumentation (cargo-fuzz needs a nightly compiler). Each target takes bytes; inputs
//! are made by stacking byte-level and JSON-aware mutations on a corpus of real inputs.
//! A mutant whose outcome (the target's summary of what happened, e.g. the verification
//! error codes) was not seen before joins the corpus, so later mutants start from inputs
//! that got further. Every input runs under `catch_unwind` and a clock: a panic, an
//! oracle failure (a property the target checks) or an input slower than the limit is
//! saved to a file and fails the test; an input that runs away (past the hang limit) is
//! saved and the process aborts.
//!
//! Environment:
//! - `MICROCRED_FUZZ_CASES`: inputs per target (default: 100 in debug, 2,000 in release);
//! - `MICROCRED_FUZZ_SECONDS`: stop a target after this long even if it has not run all
//!   its inputs (the report says how many it ran);
//! - `MICROCRED_FUZZ_STACK_MB`: stack of the fuzzing thread (default 2 MiB in release, as
//!   the service's CPU pool threads; 32 MiB in debug, whose frames are ~10× larger);
//! - `MICROCRED_FUZZ_SEED`: the seed (default 12; `time` for one from the clock); it is
//!   printed, and the same seed and case count give the same inputs;
//! - `MICROCRED_FUZZ_SLOW_MS`: the slow-input limit (default 1,000 ms, 10× that in debug);
//! - `MICROCRED_FUZZ_HANG_S`: the run-away limit (default 60 s);
//! - `MICROCRED_FUZZ_OUT`: where inputs are saved (default `<target dir>/tmp/fuzz`);
//! - `MICROCRED_FUZZ_REPLAY`: a saved input file; each target whose name starts the file
//!   name runs that input alone (with the panic message shown) instead of fuzzing.

use std::collections::HashSet;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What a target reports about one input.
pub struct Outcome {
    /// A short summary of what happened (the corpus keeps inputs with new summaries).
    pub class: String,
    /// A property that failed, if any (a bug even without a panic).
    pub oracle: Option<String>,
}

impl Outcome {
    pub fn ok(class: impl Into<String>) -> Self {
        Self { class: class.into(), oracle: None }
    }
}

/// A fuzz target.
pub trait Target: Sync {
    /// Its name (file names of saved inputs start with it).
    fn name(&self) -> &'static str;
    /// The seed corpus.
    fn seeds(&self) -> Vec<Vec<u8>>;
    /// One mutant of `parent` (stacked mutations; `corpus` for splicing).
    fn mutate(&self, parent: &[u8], corpus: &[Vec<u8>], rng: &mut StdRng) -> Vec<u8> {
        crate::mutate::any(parent, corpus, rng)
    }
    /// Runs one input. Panics are caught by the engine.
    fn run(&self, input: &[u8]) -> Outcome;
}

/// Run settings, from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub cases: u64,
    pub seconds: Option<Duration>,
    pub seed: u64,
    pub slow: Duration,
    pub hang: Duration,
    pub out: PathBuf,
    pub replay: Option<PathBuf>,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.replace(['_', ','], "")).and_then(|v| v.parse().ok())
}

impl Config {
    pub fn from_env() -> Self {
        let debug = cfg!(debug_assertions);
        let seed = match std::env::var("MICROCRED_FUZZ_SEED").ok().as_deref() {
            Some("time") => {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(12, |d| d.as_nanos() as u64)
            }
            Some(s) => s.parse().expect("MICROCRED_FUZZ_SEED is a number or 'time'"),
            None => 12,
        };
        let slow_ms = env_u64("MICROCRED_FUZZ_SLOW_MS").unwrap_or(if debug { 10_000 } else { 1_000 });
        Self {
            cases: env_u64("MICROCRED_FUZZ_CASES").unwrap_or(if debug { 100 } else { 2_000 }),
            seconds: env_u64("MICROCRED_FUZZ_SECONDS").map(Duration::from_secs),
            seed,
            slow: Duration::from_millis(slow_ms),
            hang: Duration::from_secs(env_u64("MICROCRED_FUZZ_HANG_S").unwrap_or(60)),
            out: std::env::var_os("MICROCRED_FUZZ_OUT")
                .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz"), PathBuf::from),
            replay: std::env::var_os("MICROCRED_FUZZ_REPLAY").map(PathBuf::from),
        }
    }
}

/// splitmix64: independent per-case seeds from one seed.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

// Panics: the hook records the message of the panicking thread (and counts panics on any
// thread, e.g. the CLI record reader's own thread).
thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    static FUZZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
static PANICS_ANYWHERE: AtomicU64 = AtomicU64::new(0);
static LAST_PANIC_ANYWHERE: Mutex<Option<String>> = Mutex::new(None);

fn install_panic_hook() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = format!("{info}");
            if let Ok(mut last) = LAST_PANIC_ANYWHERE.lock() {
                *last = Some(msg.clone());
            }
            // `fuzz-*`: the engine's own input threads; `fuzz_*`: the test functions'
            // threads, where a target's final "found problems" assertion is raised (it is
            // not a panic of another target's input, as the long run of 2026-11-29 showed).
            let fuzz_thread =
                std::thread::current().name().is_some_and(|n| n.starts_with("fuzz-") || n.starts_with("fuzz_"));
            if !fuzz_thread {
                // A helper thread of the code under test (e.g. the CLI record reader).
                PANICS_ANYWHERE.fetch_add(1, Ordering::SeqCst);
            }
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            // A panic outside a fuzzed input (the test's own assertions, other threads)
            // prints as usual; the engine reports the fuzzed ones itself.
            if !FUZZING.with(std::cell::Cell::get) {
                default(info);
            }
        }));
    });
}

// Run-away inputs: a watchdog sees every input in flight.
struct InFlight {
    target: &'static str,
    case: u64,
    started: Instant,
    input: Arc<Vec<u8>>,
    out: PathBuf,
    hang: Duration,
}
static IN_FLIGHT: Mutex<Vec<Option<InFlight>>> = Mutex::new(Vec::new());

fn watchdog() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        std::thread::Builder::new()
            .name("fuzz-watchdog".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    let Ok(slots) = IN_FLIGHT.lock() else { continue };
                    for f in slots.iter().flatten() {
                        if f.started.elapsed() > f.hang {
                            let path = save(&f.out, f.target, "hang", f.case, &f.input);
                            eprintln!(
                                "FUZZ HANG: {} case {} still running after {:?}; input saved to {}; aborting",
                                f.target,
                                f.case,
                                f.started.elapsed(),
                                path.display()
                            );
                            std::process::abort();
                        }
                    }
                }
            })
            .expect("watchdog thread");
    });
}

fn save(dir: &std::path::Path, target: &str, what: &str, case: u64, input: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("{target}-{what}-case{case}.bin"));
    if let Ok(mut f) = std::fs::File::create(&path) {
        let _ = f.write_all(input);
    }
    path
}

/// The file that always holds the input being run.
struct InFlightFile(Option<std::fs::File>);

impl InFlightFile {
    fn new(dir: &std::path::Path, target: &str) -> Self {
        let _ = std::fs::create_dir_all(dir);
        let path = dir.join(format!("{target}-inflight.bin"));
        Self(std::fs::OpenOptions::new().create(true).write(true).truncate(true).open(path).ok())
    }

    fn write(&mut self, input: &[u8]) {
        use std::io::{Seek, SeekFrom};
        if let Some(f) = &mut self.0 {
            let _ = f
                .seek(SeekFrom::Start(0))
                .and_then(|_| f.write_all(input))
                .and_then(|()| f.set_len(input.len() as u64));
        }
    }
}

/// A finding: what, which case, where the input is.
#[derive(Debug)]
pub struct Finding {
    pub what: String,
    pub case: u64,
    pub file: PathBuf,
}

/// The summary of a run.
#[derive(Debug)]
pub struct Report {
    pub target: &'static str,
    pub seed: u64,
    pub cases: u64,
    pub seconds: f64,
    pub panics: Vec<Finding>,
    pub oracles: Vec<Finding>,
    pub slow: Vec<Finding>,
    pub slowest: (Duration, u64, usize),
    pub corpus: usize,
    pub classes: usize,
}

impl Report {
    pub fn print(&self) {
        eprintln!(
            "fuzz {}: seed {} | {} inputs in {:.1} s ({:.0}/s) | panics {} | oracle failures {} | slower than the limit {} | slowest {:.1} ms (case {}, {} bytes) | corpus {} | outcomes {}",
            self.target,
            self.seed,
            self.cases,
            self.seconds,
            self.cases as f64 / self.seconds.max(1e-9),
            self.panics.len(),
            self.oracles.len(),
            self.slow.len(),
            self.slowest.0.as_secs_f64() * 1e3,
            self.slowest.1,
            self.slowest.2,
            self.corpus,
            self.classes,
        );
        for f in self.panics.iter().chain(&self.oracles).chain(&self.slow).take(20) {
            eprintln!("  case {}: {} (input: {})", f.case, f.what, f.file.display());
        }
    }

    /// Fails the test on any finding.
    pub fn assert_clean(&self) {
        self.print();
        assert!(
            self.panics.is_empty() && self.oracles.is_empty() && self.slow.is_empty(),
            "fuzz target {} found problems (seed {}): {} panics, {} oracle failures, {} slow inputs; inputs saved as listed above; replay one with MICROCRED_FUZZ_REPLAY=<file>",
            self.target,
            self.seed,
            self.panics.len(),
            self.oracles.len(),
            self.slow.len()
        );
    }
}

/// Largest number of mutants added to the seed corpus.
const CORPUS_GROWTH: usize = 512;
/// Largest input kept in the corpus (bigger ones are still run).
const CORPUS_MAX_INPUT: usize = 256 * 1024;

/// Runs one input, catching a panic: `Err(message)` for a panic.
fn run_one<T: Target + ?Sized>(t: &T, input: &[u8]) -> Result<Outcome, String> {
    LAST_PANIC.with(|p| *p.borrow_mut() = None);
    let before = PANICS_ANYWHERE.load(Ordering::SeqCst);
    FUZZING.with(|f| f.set(true));
    let r = catch_unwind(AssertUnwindSafe(|| t.run(input)));
    FUZZING.with(|f| f.set(false));
    match r {
        Ok(o) if PANICS_ANYWHERE.load(Ordering::SeqCst) == before => Ok(o),
        Ok(_) => Err(format!(
            "a panic on another thread while this input ran: {}",
            LAST_PANIC_ANYWHERE.lock().ok().and_then(|l| l.clone()).unwrap_or_default()
        )),
        Err(_) => Err(LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "panic".into())),
    }
}

/// Stack of the thread that runs the inputs: in release that of the service's CPU pool
/// threads (Rust's default, 2 MiB), where verification runs, so a stack overflow the
/// fuzzer finds is one a request could cause; debug builds use ~10× the stack per frame.
pub fn stack_bytes() -> usize {
    let mb = env_u64("MICROCRED_FUZZ_STACK_MB").unwrap_or(if cfg!(debug_assertions) { 32 } else { 2 });
    (mb as usize) << 20
}

/// Fuzzes `t` for `cases` inputs (or replays a saved input) on a thread of its own.
pub fn fuzz<T: Target>(t: &T, cfg: &Config, cases: u64) -> Report {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name(format!("fuzz-{}", t.name()))
            .stack_size(stack_bytes())
            .spawn_scoped(scope, || fuzz_here(t, cfg, cases))
            .expect("fuzzing thread")
            .join()
            .expect("the fuzzing thread ends with a report")
    })
}

fn fuzz_here<T: Target>(t: &T, cfg: &Config, cases: u64) -> Report {
    install_panic_hook();
    watchdog();
    if let Some(path) = &cfg.replay {
        return replay(t, cfg, path);
    }
    let seed = cfg.seed;
    eprintln!(
        "fuzz {}: seed {seed}, {cases} inputs (reproduce: MICROCRED_FUZZ_SEED={seed} MICROCRED_FUZZ_CASES={})",
        t.name(),
        cfg.cases
    );
    let mut corpus = t.seeds();
    assert!(!corpus.is_empty(), "{}: no seeds", t.name());
    let seeds = corpus.len();
    let mut classes = HashSet::new();
    let mut report = Report {
        target: t.name(),
        seed,
        cases: 0,
        seconds: 0.0,
        panics: vec![],
        oracles: vec![],
        slow: vec![],
        slowest: (Duration::ZERO, 0, 0),
        corpus: 0,
        classes: 0,
    };
    // The seeds themselves run first (their outcomes are the first classes).
    let start = Instant::now();
    let slot = {
        let mut slots = IN_FLIGHT.lock().expect("watchdog slots");
        slots.push(None);
        slots.len() - 1
    };
    let target_seed = seed ^ name_hash(t.name());
    let mut inflight = InFlightFile::new(&cfg.out, t.name());
    for case in 0..cases {
        if cfg.seconds.is_some_and(|limit| start.elapsed() > limit) {
            eprintln!("fuzz {}: time limit reached after {case} inputs", t.name());
            break;
        }
        let input = if (case as usize) < seeds {
            corpus[case as usize].clone()
        } else {
            let mut rng = StdRng::seed_from_u64(mix(target_seed ^ mix(case)));
            let parent = &corpus[rng.gen_range(0..corpus.len())];
            // Mutating may run the code under test too (re-signing): a panic there is a finding.
            FUZZING.with(|f| f.set(true));
            let made = catch_unwind(AssertUnwindSafe(|| t.mutate(parent, &corpus, &mut rng)));
            FUZZING.with(|f| f.set(false));
            match made {
                Ok(m) => m,
                Err(_) => {
                    let msg = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
                    let file = save(&cfg.out, t.name(), "panic-mutating", case, parent);
                    eprintln!(
                        "FUZZ PANIC {} case {case} while mutating: {msg}\n  parent input saved to {}",
                        t.name(),
                        file.display()
                    );
                    report.panics.push(Finding { what: format!("while mutating: {msg}"), case, file });
                    report.cases += 1;
                    continue;
                }
            }
        };
        let input = Arc::new(input);
        if let Ok(mut slots) = IN_FLIGHT.lock() {
            slots[slot] = Some(InFlight {
                target: t.name(),
                case,
                started: Instant::now(),
                input: input.clone(),
                out: cfg.out.clone(),
                hang: cfg.hang,
            });
        }
        // A stack overflow aborts the process before anything can be caught: the input in
        // flight is always on disk (`<target>-inflight.bin`), so it is never lost.
        inflight.write(&input);
        let began = Instant::now();
        let result = run_one(t, &input);
        let took = began.elapsed();
        if let Ok(mut slots) = IN_FLIGHT.lock() {
            slots[slot] = None;
        }
        report.cases += 1;
        if took > report.slowest.0 {
            report.slowest = (took, case, input.len());
        }
        if took > cfg.slow {
            let file = save(&cfg.out, t.name(), "slow", case, &input);
            report.slow.push(Finding { what: format!("took {took:?}"), case, file });
        }
        match result {
            Err(msg) => {
                let file = save(&cfg.out, t.name(), "panic", case, &input);
                eprintln!("FUZZ PANIC {} case {case}: {msg}\n  input saved to {}", t.name(), file.display());
                report.panics.push(Finding { what: msg, case, file });
            }
            Ok(o) => {
                if let Some(mut why) = o.oracle {
                    if why.len() > 2000 {
                        why.truncate(why.char_indices().nth(2000).map_or(why.len(), |(i, _)| i));
                        why.push('…');
                    }
                    let file = save(&cfg.out, t.name(), "oracle", case, &input);
                    eprintln!("FUZZ ORACLE {} case {case}: {why}\n  input saved to {}", t.name(), file.display());
                    report.oracles.push(Finding { what: why, case, file });
                }
                if classes.insert(o.class)
                    && corpus.len() < seeds + CORPUS_GROWTH
                    && input.len() <= CORPUS_MAX_INPUT
                    && case as usize >= seeds
                {
                    corpus.push(input.to_vec());
                }
            }
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    report.corpus = corpus.len();
    report.classes = classes.len();
    report
}

fn replay<T: Target>(t: &T, cfg: &Config, path: &std::path::Path) -> Report {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let mut report = Report {
        target: t.name(),
        seed: cfg.seed,
        cases: 0,
        seconds: 0.0,
        panics: vec![],
        oracles: vec![],
        slow: vec![],
        slowest: (Duration::ZERO, 0, 0),
        corpus: 0,
        classes: 0,
    };
    if !file_name.starts_with(&format!("{}-", t.name())) {
        eprintln!("replay: {file_name} is not an input of {}", t.name());
        return report;
    }
    let input = std::fs::read(path).expect("read the input to replay");
    let began = Instant::now();
    let result = run_one(t, &input);
    let took = began.elapsed();
    report.cases = 1;
    report.seconds = took.as_secs_f64();
    report.slowest = (took, 0, input.len());
    match result {
        Err(msg) => report.panics.push(Finding { what: msg, case: 0, file: path.to_owned() }),
        Ok(o) => {
            eprintln!("replay {}: outcome {}", t.name(), o.class);
            if let Some(why) = o.oracle {
                report.oracles.push(Finding { what: why, case: 0, file: path.to_owned() });
            }
        }
    }
    if took > cfg.slow {
        report.slow.push(Finding { what: format!("took {took:?}"), case: 0, file: path.to_owned() });
    }
    report
}
