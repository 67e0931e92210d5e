//! The text of what we issue: JSON and base64url, written with SIMD.
//!
//! An issued credential is ~10-30 KB of JSON, and a VC-JWT is that JSON again in
//! base64url. `serde_json` escapes strings a byte at a time and `base64` encodes a few
//! bytes per step; on the issuance path the two cost ~8 µs per `valid-14` credential (a
//! JWT needs both). Here strings are escaped by `sonic-rs` (vector scans for the bytes
//! JSON escapes) and base64url is encoded by `base64-simd` (the CPU's vector unit,
//! picked at run time). The structure and the numbers are written as `serde_json`
//! writes them: `sonic-rs` cannot serialize a `serde_json::Value` itself, because
//! `serde_json`'s `arbitrary_precision` (which a dependency turns on) makes every
//! number a private token only `serde_json` understands. The text is the same, byte
//! for byte, as `serde_json::to_string` and the `base64` crate write, which
//! `tests/core/wire.rs` checks on every fixture's credential, on strings with every
//! character JSON escapes or does not, on numbers at the edges, and on random values.

use serde_json::{Map, Value};

/// Compact JSON text, written piece by piece.
#[derive(Debug, Default)]
pub struct Json {
    out: Vec<u8>,
}

impl Json {
    /// An empty text with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> Self {
        Self { out: Vec::with_capacity(bytes) }
    }

    /// Opens an object; its members follow ([`Json::member`]), then [`Json::end_object`].
    pub fn begin_object(&mut self) {
        self.out.push(b'{');
    }

    /// Closes the object opened last.
    pub fn end_object(&mut self) {
        self.out.push(b'}');
    }

    /// One member of the open object.
    pub fn member(&mut self, key: &str, value: &Value) {
        // The open object has a member already unless its `{` is the last byte written
        // (no value's text ends with `{`).
        if self.out.last() != Some(&b'{') {
            self.out.push(b',');
        }
        self.string(key);
        self.out.push(b':');
        self.value(value);
    }

    /// A whole value.
    pub fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.out.extend_from_slice(b"null"),
            Value::Bool(true) => self.out.extend_from_slice(b"true"),
            Value::Bool(false) => self.out.extend_from_slice(b"false"),
            // `Display` is the text `serde_json` serializes, with or without
            // `arbitrary_precision`.
            Value::Number(n) => {
                use std::io::Write as _;
                let _ = write!(self.out, "{n}");
            }
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.value(item);
                }
                self.out.push(b']');
            }
            Value::Object(members) => self.object(members),
        }
    }

    fn object(&mut self, members: &Map<String, Value>) {
        self.begin_object();
        for (k, v) in members {
            self.member(k, v);
        }
        self.end_object();
    }

    fn string(&mut self, s: &str) {
        // Writing to a `Vec` cannot fail, and a `&str` always serializes.
        let _ = sonic_rs::to_writer(&mut self.out, s);
    }

    /// The text.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// The text, as a string.
    pub fn into_string(self) -> String {
        // Only valid UTF-8 was written (JSON punctuation, `str`s escaped, numbers), so
        // this never takes the lossy branch; checking costs ~1 µs per 10 KB.
        String::from_utf8(self.out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// The compact JSON text of `value`: what `serde_json::to_string` writes.
pub fn json(value: &Value) -> String {
    let mut w = Json::with_capacity(16 * 1024);
    w.value(value);
    w.into_string()
}

/// Appends `bytes` in base64url without padding (RFC 7515's `BASE64URL`) to `out`.
pub fn base64url_into(bytes: &[u8], out: &mut String) {
    base64_simd::URL_SAFE_NO_PAD.encode_append(bytes, out);
}
