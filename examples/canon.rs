//! Prints the canonical N-Quads of a JSON-LD document (debugging aid).
#![expect(clippy::expect_used, reason = "tests and examples fail loudly on broken inputs")]
fn main() {
    let path = std::env::args().nth(1).expect("usage: canon FILE");
    let text = std::fs::read_to_string(path).expect("read");
    let doc: serde_json::Value = serde_json::from_str(text.lines().next().unwrap_or("")).expect("json");
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("rt");
    print!("{}", rt.block_on(microcred::jsonld::canonical_nquads(&doc)).expect("canon"));
}
