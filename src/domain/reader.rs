//! A small walker over untrusted JSON that keeps the JSON Pointer of every value, so
//! each finding can say exactly where it is. It does not judge values: the rules do.

use serde_json::{Map, Value};

use super::report::{Findings, escape_token};

/// Longest text accepted in any string field. Longer input is refused with a clear
/// finding instead of being carried into a credential.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// The JSON type name of a value, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON object together with its pointer.
#[derive(Debug, Clone, Copy)]
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

/// One member of an object, possibly absent. `null` and (for strings) empty or
/// whitespace-only text count as absent, as the record format says.
#[derive(Debug, Clone)]
pub struct Field<'a> {
    /// The value when present and not "empty".
    pub value: Option<&'a Value>,
    /// The pointer of the object the member is in, and the member's name.
    at: (&'a str, &'a str),
    /// The member's pointer, written when first asked for: most fields are read
    /// without a finding, and the record has a hundred or more of them.
    path: std::cell::OnceCell<String>,
}

impl<'a> Obj<'a> {
    /// Wraps an object found at `path`.
    pub fn new(map: &'a Map<String, Value>, path: &'a str) -> Self {
        Self { map, path }
    }

    /// The pointer of this object.
    pub fn path(&self) -> &str {
        self.path
    }

    /// The object's members.
    pub fn map(&self) -> &'a Map<String, Value> {
        self.map
    }

    /// A member by name.
    pub fn field(&self, key: &'a str) -> Field<'a> {
        let value = self.map.get(key).filter(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            _ => true,
        });
        Field { value, at: (self.path, key), path: std::cell::OnceCell::new() }
    }

    /// Reports every member whose name is not in `known`.
    pub fn reject_unknown(&self, known: &[&str], findings: &mut Findings) {
        for key in self.map.keys() {
            if !known.contains(&key.as_str()) {
                let shown: String = key.chars().take(80).collect();
                findings.format(
                    "format.unknown_field",
                    format!("{}/{}", self.path, escape_token(key)),
                    format!(
                        "Unknown field '{shown}'. Allowed fields here: {}. Check the spelling (names are snake_case).",
                        known.join(", ")
                    ),
                );
            }
        }
    }
}

impl<'a> Field<'a> {
    /// Pointer to the member.
    pub fn path(&self) -> &str {
        self.path.get_or_init(|| format!("{}/{}", self.at.0, escape_token(self.at.1)))
    }

    /// Whether the member is present (and not null or empty).
    pub fn is_present(&self) -> bool {
        self.value.is_some()
    }

    /// The member as text, or the JSON type it has instead.
    pub fn string(&self) -> Result<Option<&'a str>, &'static str> {
        match self.value {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim())),
            Some(v) => Err(type_name(v)),
        }
    }

    /// The member as a number.
    pub fn number(&self) -> Result<Option<f64>, &'static str> {
        match self.value {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_f64().map(Some).ok_or("a number out of range"),
            Some(v) => Err(type_name(v)),
        }
    }

    /// The member as an integer (a JSON number with no fractional part).
    pub fn integer(&self) -> Result<Option<i64>, String> {
        match self.number() {
            Ok(Some(n)) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(Some(n as i64)),
            Ok(Some(n)) => Err(format!("{n}, which is not a whole number")),
            Ok(None) => Ok(None),
            Err(t) => Err(t.to_owned()),
        }
    }

    /// The member as a boolean.
    pub fn boolean(&self) -> Result<Option<bool>, &'static str> {
        match self.value {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(type_name(v)),
        }
    }

    /// The member as an array.
    pub fn array(&self) -> Result<Option<&'a Vec<Value>>, &'static str> {
        match self.value {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(type_name(v)),
        }
    }

    /// The member as an object.
    pub fn object(&self) -> Result<Option<&'a Map<String, Value>>, &'static str> {
        match self.value {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(v) => Err(type_name(v)),
        }
    }

    /// Optional free text: wrong types and over-long text become format findings.
    pub fn text(&self, findings: &mut Findings) -> Option<String> {
        match self.string() {
            Ok(Some(s)) if s.chars().count() > MAX_TEXT_CHARS => {
                findings.format(
                    "format.too_long",
                    self.path(),
                    format!("Text is longer than {MAX_TEXT_CHARS} characters; shorten it."),
                );
                None
            }
            Ok(s) => s.map(str::to_owned),
            Err(found) => {
                self.wrong_type(findings, "text (a JSON string)", found);
                None
            }
        }
    }

    /// Optional boolean: a wrong type becomes a format finding.
    pub fn flag(&self, findings: &mut Findings) -> Option<bool> {
        self.boolean().unwrap_or_else(|found| {
            self.wrong_type(findings, "true or false", found);
            None
        })
    }

    /// Records a format finding for a value of the wrong JSON type.
    pub fn wrong_type(&self, findings: &mut Findings, expected: &str, found: &str) {
        findings.format("format.wrong_type", self.path(), format!("Expected {expected} here, found {found}."));
    }
}
