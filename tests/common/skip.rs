//! Skipped tests, told once: each skip is printed (seen with `--nocapture`) and
//! recorded under the target directory, and the `zz_skipped` test binary, which cargo
//! runs after the others, prints one summary of what was skipped and how to enable it.
#![allow(dead_code, reason = "each test binary uses its own part of this file")]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where skips are recorded (shared by every test binary of this crate).
pub fn skip_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("microcred-skipped")
}

/// Records that a test skipped part of its work: `what` was not checked, `how` says
/// what enables it.
pub fn skip(what: &str, how: &str) {
    eprintln!("SKIP: {what} ({how})");
    record(&skip_dir(), what, how);
}

/// Appends one skip to this process's file in `dir`.
pub fn record(dir: &Path, what: &str, how: &str) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let file = dir.join(format!("{}.tsv", std::process::id()));
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(file) {
        let _ = writeln!(f, "{}\t{}", what.replace(['\t', '\n'], " "), how.replace(['\t', '\n'], " "));
    }
}

/// The summary of the skips recorded in `dir` (which are then forgotten), or `None`.
pub fn summary(dir: &Path) -> Option<String> {
    let mut counts: Vec<((String, String), usize)> = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        // Records left by an earlier, filtered run (this binary did not run then) are
        // stale after a while: a whole `cargo test` takes well under an hour.
        let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
        let fresh = age.is_none_or(|a| a < std::time::Duration::from_secs(3 * 3600));
        let text = if fresh { std::fs::read_to_string(entry.path()).unwrap_or_default() } else { String::new() };
        for line in text.lines() {
            let (what, how) = line.split_once('\t').unwrap_or((line, ""));
            let key = (what.to_owned(), how.to_owned());
            match counts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => counts.push((key, 1)),
            }
        }
        let _ = std::fs::remove_file(entry.path());
    }
    if counts.is_empty() {
        return None;
    }
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let mut out = format!("microcred: {total} test(s) skipped work in this run:\n");
    for ((what, how), n) in &counts {
        out.push_str(&format!("  {n:>3} × {what}\n        enable with: {how}\n"));
    }
    Some(out)
}
