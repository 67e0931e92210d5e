//! Small readers and formatters for the credential page: tolerant JSON access (any
//! field may be missing or of another type), language maps, dates and numbers in the
//! page language, and a filter that lets only http(s) URLs become links.

use chrono::{DateTime, Datelike, NaiveDate};
use serde_json::Value;

use super::{Lang, labels};

/// The value at a path of object keys, if every step exists.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(key))
}

/// A non-empty, trimmed string at a path.
pub fn str_at(v: &Value, path: &[&str]) -> Option<String> {
    at(v, path).and_then(text)
}

/// A non-empty string value, trimmed.
pub fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The first element of an array, or the value itself (VC allows either for
/// `credentialSubject`).
pub fn first(v: &Value) -> &Value {
    match v {
        Value::Array(a) => a.first().unwrap_or(&Value::Null),
        other => other,
    }
}

/// Text from a language map (`{"nl": …, "en": …}`) or a plain string: the page
/// language, else the other one of ours, else any language given.
pub fn localized(v: &Value, lang: Lang) -> Option<String> {
    match v {
        Value::String(_) => text(v),
        Value::Object(map) => [lang.code(), lang.other().code()]
            .iter()
            .find_map(|code| map.get(*code).and_then(text))
            .or_else(|| map.values().find_map(text)),
        _ => None,
    }
}

/// Text of a language map in exactly the page language.
pub fn in_lang(v: &Value, lang: Lang) -> Option<String> {
    v.get(lang.code()).and_then(text)
}

/// A URL that may become a link: absolute http or https only (never `javascript:`).
pub fn safe_url(s: &str) -> Option<String> {
    let url = url::Url::parse(s.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The calendar date of an OB/VC date-time (`2025-02-14T00:00:00Z`, with any offset,
/// taken as written) or a plain date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.date_naive());
    }
    s.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// `14 februari 2025` / `14 February 2025`; text that is not a date is kept as is.
pub fn date(s: &str, lang: Lang) -> String {
    match parse_date(s) {
        Some(d) => format!("{} {} {}", d.day(), labels::month(d.month(), lang), d.year()),
        None => s.trim().to_owned(),
    }
}

/// A number as people write it: no `.0`, and a decimal comma in Dutch (`4,5`).
pub fn number(v: &Value, lang: Lang) -> Option<String> {
    let n = v.as_f64().filter(|n| n.is_finite())?;
    let mut s = if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = format!("{n:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if lang == Lang::Nl {
        s = s.replace('.', ",");
    }
    Some(s)
}

/// An integer given as a JSON number or as the last path segment of an IRI
/// (`http://data.europa.eu/snb/eqf/7` → 7).
pub fn level_number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim_end_matches('/').rsplit('/').next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_numbers_and_urls() {
        assert_eq!(date("2025-02-14T00:00:00Z", Lang::Nl), "14 februari 2025");
        assert_eq!(date("2025-02-14T23:30:00-05:00", Lang::En), "14 February 2025");
        assert_eq!(date("2025-03-01", Lang::En), "1 March 2025");
        assert_eq!(date("soon", Lang::En), "soon");
        assert_eq!(number(&json!(4.5), Lang::Nl).as_deref(), Some("4,5"));
        assert_eq!(number(&json!(6), Lang::En).as_deref(), Some("6"));
        assert_eq!(number(&json!(6.0), Lang::Nl).as_deref(), Some("6"));
        assert_eq!(number(&json!("6"), Lang::Nl), None);
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("/relative"), None);
        assert!(safe_url("https://example.org/x").is_some());
        assert_eq!(level_number(&json!("http://data.europa.eu/snb/eqf/7")), Some(7));
        assert_eq!(level_number(&json!(6)), Some(6));
    }

    #[test]
    fn language_maps_fall_back() {
        let m = json!({"en": "Accessible", "nl": "Toegankelijk"});
        assert_eq!(localized(&m, Lang::Nl).as_deref(), Some("Toegankelijk"));
        assert_eq!(localized(&json!({"en": "Only"}), Lang::Nl).as_deref(), Some("Only"));
        assert_eq!(localized(&json!({"fr": "Seul"}), Lang::Nl).as_deref(), Some("Seul"));
        assert_eq!(localized(&json!("  "), Lang::Nl), None);
        assert_eq!(localized(&json!(3), Lang::Nl), None);
        assert_eq!(in_lang(&json!({"en": "x"}), Lang::Nl), None);
    }
}
