//! Prints one summary of the tests that skipped work in this `cargo test` run (recorded
//! by `tests/common/skip.rs`), with how to enable each, so that skips are visible
//! without `--nocapture`. Cargo runs test binaries in name order; this one is last.

#[path = "common/skip.rs"]
mod skip;

fn main() {
    match skip::summary(&skip::skip_dir()) {
        Some(text) => println!("\n{text}"),
        None => println!("\nmicrocred: no test skipped any work.\n"),
    }
}
