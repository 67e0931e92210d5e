//! Mutations: byte-level (flip, set, insert, delete, duplicate, splice, truncate, huge
//! numbers) and JSON-aware (values replaced by other types, keys duplicated or renamed,
//! deep nesting, huge numbers, NUL and unusual Unicode, arrays and objects swapped,
//! subtrees copied within a document and between documents, arrays blown up).

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

/// Tokens that mean something to our parsers (JSON syntax, JSON-LD keywords, VC and OB
/// terms, proof and status members, escapes, edge numbers).
pub const DICTIONARY: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "\\udc00",
    "\\uffff",
    "\u{0}",
    "\u{feff}",
    "\u{202e}",
    "\u{10ffff}",
    "é",
    "😀",
    "null",
    "true",
    "false",
    "-0",
    "0",
    "-1",
    "1e999",
    "-1e999",
    "1e-999",
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "0.1",
    "1.0",
    "1E2",
    "123456789012345678901234567890123456789",
    "NaN",
    "Infinity",
    "@context",
    "@id",
    "@type",
    "@value",
    "@language",
    "@graph",
    "@list",
    "@set",
    "@reverse",
    "@included",
    "@nest",
    "@vocab",
    "@base",
    "@json",
    "@protected",
    "@direction",
    "_:b0",
    "_:c14n0",
    "id",
    "type",
    "proof",
    "issuer",
    "credentialSubject",
    "credentialStatus",
    "validFrom",
    "validUntil",
    "achievement",
    "related",
    "result",
    "evidence",
    "statusListIndex",
    "statusListCredential",
    "statusPurpose",
    "encodedList",
    "revocation",
    "suspension",
    "BitstringStatusListEntry",
    "BitstringStatusListCredential",
    "DataIntegrityProof",
    "eddsa-rdfc-2022",
    "assertionMethod",
    "verificationMethod",
    "proofValue",
    "created",
    "expires",
    "cryptosuite",
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://w3id.org/microcred/v1",
    "did:key:",
    "did:web:",
    "urn:uuid:",
    "2025-01-01T00:00:00Z",
    "2099-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "+275760-09-13T00:00:00Z",
    "alg",
    "kid",
    "typ",
    "EdDSA",
    "RS256",
    "none",
    "HS256",
    "JWT",
    "iss",
    "nbf",
    "iat",
    "exp",
    "jti",
    "sub",
    "vc",
    "microcredential",
    "award",
    "learner",
    "ects",
    "mc_type",
    "institution_id",
    "languages",
    "nl",
    "en",
    "u",
    "H4sI",
    "=",
    ".",
];

fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.gen_range(0..xs.len())]
}

fn token(rng: &mut StdRng) -> Vec<u8> {
    pick(rng, DICTIONARY).as_bytes().to_vec()
}

fn range(rng: &mut StdRng, len: usize) -> (usize, usize) {
    if len == 0 {
        return (0, 0);
    }
    let a = rng.gen_range(0..len);
    let max = (len - a).min(if rng.gen_bool(0.8) { 16 } else { len });
    (a, a + rng.gen_range(1..=max.max(1)).min(len - a))
}

/// One byte-level mutation.
pub fn bytes_once(data: &mut Vec<u8>, corpus: &[Vec<u8>], rng: &mut StdRng) {
    let len = data.len();
    match rng.gen_range(0..11) {
        0 if len > 0 => {
            let i = rng.gen_range(0..len);
            data[i] ^= 1 << rng.gen_range(0..8);
        }
        1 if len > 0 => {
            let i = rng.gen_range(0..len);
            let random: u8 = rng.r#gen();
            data[i] = *pick(rng, &[0u8, 0x7f, 0x80, 0xff, b'"', b'\\', b'{', b'}', b'[', b']', b'.', b'=', random]);
        }
        2 => {
            let at = rng.gen_range(0..=len);
            let n = rng.gen_range(1..=8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.r#gen()).collect();
            data.splice(at..at, bytes);
        }
        3 | 4 => {
            let at = rng.gen_range(0..=len);
            let t = token(rng);
            data.splice(at..at, t);
        }
        5 if len > 0 => {
            let (a, b) = range(rng, len);
            data.drain(a..b);
        }
        6 if len > 0 => {
            let (a, b) = range(rng, len);
            let copy = data[a..b].to_vec();
            let at = rng.gen_range(0..=len);
            let times = if rng.gen_bool(0.9) { 1 } else { rng.gen_range(2..64) };
            for _ in 0..times {
                data.splice(at..at, copy.iter().copied());
            }
        }
        7 if !corpus.is_empty() => {
            // Splice: a prefix of this input and a suffix of another.
            let other = pick(rng, corpus);
            let cut = rng.gen_range(0..=len);
            let from = rng.gen_range(0..=other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        8 if len > 0 => {
            data.truncate(rng.gen_range(0..len));
        }
        9 => {
            // A digit run becomes a huge or odd number.
            if let Some(i) =
                (0..8).map(|_| rng.gen_range(0..len.max(1))).find(|&i| data.get(i).is_some_and(u8::is_ascii_digit))
            {
                let end = data[i..].iter().position(|b| !b.is_ascii_digit()).map_or(len, |p| i + p);
                let n = pick(
                    rng,
                    &[
                        "18446744073709551616",
                        "1e999",
                        "-0",
                        "0.0000000000000000000001",
                        "99999999999999999999999999999999999999999999",
                        "1.7976931348623157e309",
                    ],
                );
                data.splice(i..end, n.bytes());
            }
        }
        _ => {
            // Swap two ranges.
            if len > 2 {
                let (a, b) = range(rng, len / 2);
                let (c, d) = range(rng, len - len / 2);
                let (c, d) = (c + len / 2, d + len / 2);
                if b <= c {
                    let first = data[a..b].to_vec();
                    let second = data[c..d].to_vec();
                    data.splice(c..d, first);
                    data.splice(a..b, second);
                }
            }
        }
    }
}

/// 1-4 stacked byte-level mutations.
pub fn bytes(parent: &[u8], corpus: &[Vec<u8>], rng: &mut StdRng) -> Vec<u8> {
    let mut data = parent.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        bytes_once(&mut data, corpus, rng);
    }
    data
}

/// Byte-level or JSON-aware, whichever fits the input.
pub fn any(parent: &[u8], corpus: &[Vec<u8>], rng: &mut StdRng) -> Vec<u8> {
    if rng.gen_bool(0.6)
        && let Ok(v) = serde_json::from_slice::<Value>(parent)
    {
        return json_text(v, corpus, rng);
    }
    bytes(parent, corpus, rng)
}

/// JSON-aware mutations of a parsed document, written back as text (sometimes with a
/// byte-level change on top, and with the text-only forms: duplicate keys, huge numbers,
/// deep nesting).
pub fn json_text(mut v: Value, corpus: &[Vec<u8>], rng: &mut StdRng) -> Vec<u8> {
    let donors: Vec<Value> = if corpus.is_empty() {
        Vec::new()
    } else {
        (0..2).map(|_| pick(rng, corpus)).filter_map(|d| serde_json::from_slice(d).ok()).collect()
    };
    for _ in 0..rng.gen_range(1..=3) {
        json_once(&mut v, &donors, rng);
    }
    let mut text = if rng.gen_bool(0.9) {
        serde_json::to_vec(&v).unwrap_or_default()
    } else {
        serde_json::to_vec_pretty(&v).unwrap_or_default()
    };
    text_only(&mut text, &v, rng);
    if rng.gen_bool(0.1) {
        bytes_once(&mut text, corpus, rng);
    }
    text
}

/// Mutations JSON values cannot hold: applied to the text.
fn text_only(text: &mut Vec<u8>, v: &Value, rng: &mut StdRng) {
    match rng.gen_range(0..12) {
        // Placeholders for huge numbers and lone surrogates.
        0 | 1 => {
            let marker = b"\"\\u0001N\\u0001\"";
            if let Some(at) = find(text, marker) {
                let n = pick(
                    rng,
                    &[
                        "18446744073709551616",
                        "1e999",
                        "-1e999",
                        "123456789012345678901234567890e-30",
                        "-0.0",
                        "\"\\ud800\"",
                        "\"\\udfff\\ud800\"",
                    ],
                );
                text.splice(at..at + marker.len(), n.bytes());
            }
        }
        // A duplicate key: `"k":` becomes `"k":<other value>,"k":`.
        2 | 3 => {
            let mut keys = Vec::new();
            collect_keys(v, &mut keys);
            if keys.is_empty() {
                return;
            }
            let k = pick(rng, &keys);
            let needle = format!("{}:", serde_json::to_string(k).unwrap_or_default());
            if let Some(at) = find(text, needle.as_bytes()) {
                let value = pick(rng, &["null", "1", "\"x\"", "[]", "{}", "true"]);
                let dup = format!("{needle}{value},");
                text.splice(at..at, dup.bytes());
            }
        }
        // Deep nesting around the whole document.
        4 => {
            let depth = *pick(rng, &[10usize, 100, 127, 128, 129, 1000, 100_000]);
            let (open, close) = if rng.gen_bool(0.5) { ("[", "]") } else { ("{\"a\":", "}") };
            let mut out = open.repeat(depth).into_bytes();
            out.extend_from_slice(text);
            out.extend(close.repeat(depth).bytes());
            *text = out;
        }
        _ => {}
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn collect_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                collect_keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_keys(x, out)),
        _ => {}
    }
}

/// JSON Pointers of every node.
fn pointers(v: &Value, path: &mut String, out: &mut Vec<String>) {
    out.push(path.clone());
    let len = path.len();
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                path.push('/');
                path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                pointers(x, path, out);
                path.truncate(len);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push('/');
                path.push_str(&i.to_string());
                pointers(x, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// A random value of a random type.
pub fn random_value(rng: &mut StdRng, donors: &[Value]) -> Value {
    match rng.gen_range(0..16) {
        0 => Value::Null,
        1 => Value::Bool(rng.r#gen()),
        2 => json!(*pick(rng, &[0i64, -1, 1, i64::MAX, i64::MIN, 131_071, 131_072, 1 << 40])),
        3 => json!(*pick(rng, &[u64::MAX, 1u64 << 63])),
        4 => json!(*pick(rng, &[0.5f64, -0.0, 1e308, -1e-308, 3.0, 20.5, 60.0, 0.25])),
        5 => Value::String(String::from_utf8_lossy(&token(rng)).into_owned()),
        6 => Value::String(
            pick(
                rng,
                &[
                    "",
                    " ",
                    "\u{0}",
                    "a\u{0}b",
                    "\u{202e}abc",
                    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
                    "e\u{301}",
                    "\r\n",
                    "<script>alert(1)</script>",
                    "../../etc/passwd",
                    "%00",
                    "'; DROP TABLE x; --",
                ],
            )
            .to_string(),
        ),
        7 => Value::String("x".repeat(*pick(rng, &[256usize, 4096, 70_000]))),
        8 => json!([]),
        9 => json!({}),
        10 => Value::String("\u{1}N\u{1}".into()), // becomes a huge number or a lone surrogate in text
        11 if !donors.is_empty() => {
            // A subtree of another document.
            let d = pick(rng, donors);
            let mut ps = Vec::new();
            pointers(d, &mut String::new(), &mut ps);
            d.pointer(pick(rng, &ps).as_str()).cloned().unwrap_or(Value::Null)
        }
        12 => json!({"@id": "_:b0"}),
        13 => json!({"@value": "x", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}),
        14 => json!([{"@list": [1, 2]}]),
        _ => Value::String(format!("{}{}", String::from_utf8_lossy(&token(rng)), String::from_utf8_lossy(&token(rng)))),
    }
}

/// One JSON-aware mutation somewhere in `doc`.
pub fn json_once(doc: &mut Value, donors: &[Value], rng: &mut StdRng) {
    let mut ps = Vec::new();
    pointers(doc, &mut String::new(), &mut ps);
    let at = pick(rng, &ps).clone();
    let whole = doc.clone();
    let Some(node) = doc.pointer_mut(&at) else { return };
    match rng.gen_range(0..14) {
        0..=2 => *node = random_value(rng, donors),
        3 => {
            // Rename a key (to a dictionary token, a case change or an IRI-like name).
            if let Value::Object(o) = node
                && !o.is_empty()
            {
                let k = o.keys().nth(rng.gen_range(0..o.len())).cloned().unwrap_or_default();
                let to = match rng.gen_range(0..4) {
                    0 => String::from_utf8_lossy(&token(rng)).into_owned(),
                    1 => k.to_uppercase(),
                    2 => format!("https://www.w3.org/2018/credentials#{k}"),
                    _ => format!("{k}\u{0}"),
                };
                if let Some(v) = o.shift_remove(&k) {
                    o.insert(to, v);
                }
            }
        }
        4 => {
            // Remove a member or an element.
            match node {
                Value::Object(o) if !o.is_empty() => {
                    let k = o.keys().nth(rng.gen_range(0..o.len())).cloned().unwrap_or_default();
                    o.shift_remove(&k);
                }
                Value::Array(a) if !a.is_empty() => {
                    a.remove(rng.gen_range(0..a.len()));
                }
                _ => {}
            }
        }
        5 => {
            // Add a member.
            if let Value::Object(o) = node {
                let k = String::from_utf8_lossy(&token(rng)).into_owned();
                o.insert(k, random_value(rng, donors));
            }
        }
        6 => {
            // Swap arrays and objects.
            *node = match node.take() {
                Value::Array(a) => {
                    Value::Object(a.into_iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect::<Map<_, _>>())
                }
                Value::Object(o) if rng.gen_bool(0.5) => Value::Array(o.into_iter().map(|(_, v)| v).collect()),
                other => json!([other]),
            }
        }
        7 => {
            // Unwrap a one-element array, or wrap.
            *node = match node.take() {
                Value::Array(mut a) if a.len() == 1 => a.remove(0),
                other => Value::Array(vec![other]),
            }
        }
        8 => {
            // Deep nesting of this node.
            let depth = *pick(rng, &[5usize, 20, 60, 126, 200]);
            let mut v = node.take();
            for _ in 0..depth {
                v = if rng.gen_bool(0.5) { json!([v]) } else { json!({"related": v}) };
            }
            *node = v;
        }
        9 => {
            // Blow up an array (many proofs, status entries, achievements, related nodes).
            if let Value::Array(a) = node
                && !a.is_empty()
            {
                let x = pick(rng, a).clone();
                let n = *pick(rng, &[2usize, 5, 9, 50, 1000]);
                a.extend(std::iter::repeat_n(x, n));
            }
        }
        10 => {
            // Copy a subtree of this document here.
            let mut all = Vec::new();
            pointers(&whole, &mut String::new(), &mut all);
            if let Some(x) = whole.pointer(pick(rng, &all).as_str()) {
                *node = x.clone();
            }
        }
        11 => {
            // Change a string a little.
            if let Value::String(s) = node {
                match rng.gen_range(0..5) {
                    0 => s.push('x'),
                    1 => {
                        s.pop();
                    }
                    2 => *s = s.to_uppercase(),
                    3 => s.insert(0, '\u{0}'),
                    _ => *s = format!("{s}{s}"),
                }
            } else if let Value::Number(n) = node {
                *node = json!(n.as_f64().map_or(0.0, |f| -f * 2.0 + 0.5));
            }
        }
        12 => {
            // A blank-node id on an object (JSON-LD).
            if let Value::Object(o) = node {
                o.insert("id".into(), json!(format!("_:b{}", rng.gen_range(0..4))));
            }
        }
        _ => {
            // Turn a value into a typed or language value object.
            let v = node.take();
            *node = if rng.gen_bool(0.5) { json!({"@value": v, "@language": "nl"}) } else { json!({"@value": v}) };
        }
    }
}
