//! LinkedIn's "Add to profile" link for a certification
//! (<https://addtoprofile.linkedin.com/>): the profile form opens pre-filled.

use chrono::Datelike;
use serde_json::Value;

use super::fmt::{first, parse_date, str_at};

/// Percent-encodes everything but the RFC 3986 unreserved characters, so every query
/// value survives intact (spaces become `%20`, never `+`).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// "Add to profile" link of LinkedIn for a credential:
/// `https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=…&organizationName=…&issueYear=YYYY&issueMonth=M&certUrl=…&certId=…`
/// (all query values percent-encoded).
///
/// `name` is `title` (the title in the page's language) when given, else the
/// achievement's name (else the credential's); the organisation is the
/// issuer's name, the year and month come from `validFrom` (else `issuanceDate`,
/// `awardedDate`) and are left out when there is no readable date. `None` when the
/// credential has no name.
pub fn linkedin_add_url(credential: &Value, title: Option<&str>, share_url: &str, cert_id: &str) -> Option<String> {
    let subject = credential.get("credentialSubject").map(first).unwrap_or(&Value::Null);
    let name = title
        .map(str::to_owned)
        .or_else(|| str_at(subject, &["achievement", "name"]))
        .or_else(|| str_at(credential, &["name"]))?;
    let mut params = vec![("startTask", "CERTIFICATION_NAME".to_owned()), ("name", name)];
    if let Some(org) = str_at(credential, &["issuer", "name"]) {
        params.push(("organizationName", org));
    }
    let issued = ["validFrom", "issuanceDate", "awardedDate"]
        .iter()
        .find_map(|k| str_at(credential, &[k]).and_then(|d| parse_date(&d)));
    if let Some(d) = issued {
        params.push(("issueYear", d.year().to_string()));
        params.push(("issueMonth", d.month().to_string()));
    }
    params.push(("certUrl", share_url.to_owned()));
    params.push(("certId", cert_id.to_owned()));
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    Some(format!("https://www.linkedin.com/profile/add?{}", query.join("&")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn link_is_encoded_and_dated() {
        let c = json!({
            "name": "Toegankelijk webdesign",
            "issuer": {"id": "did:web:x", "name": "Hogeschool & Co"},
            "validFrom": "2025-02-14T00:00:00Z",
            "credentialSubject": {"achievement": {"name": "Toegankelijk webdesign & UX"}}
        });
        let url =
            linkedin_add_url(&c, None, "https://badges.example.be/credentials/abc?x=1", "urn:uuid:1").expect("url");
        let parsed = url::Url::parse(&url).expect("parses");
        assert_eq!(parsed.host_str(), Some("www.linkedin.com"));
        assert_eq!(parsed.path(), "/profile/add");
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["startTask"], "CERTIFICATION_NAME");
        assert_eq!(q["name"], "Toegankelijk webdesign & UX");
        assert_eq!(q["organizationName"], "Hogeschool & Co");
        assert_eq!(q["issueYear"], "2025");
        assert_eq!(q["issueMonth"], "2");
        assert_eq!(q["certUrl"], "https://badges.example.be/credentials/abc?x=1");
        assert_eq!(q["certId"], "urn:uuid:1");
        assert!(url.contains("name=Toegankelijk%20webdesign%20%26%20UX&"));
        assert!(url.contains("certUrl=https%3A%2F%2Fbadges.example.be%2Fcredentials%2Fabc%3Fx%3D1&"));
        assert!(!url.contains(' ') && !url.contains('+'));
    }

    #[test]
    fn no_name_no_link_and_no_date_no_year() {
        assert_eq!(linkedin_add_url(&json!({}), None, "https://x", "1"), None);
        let url = linkedin_add_url(&json!({"name": "X"}), None, "https://x", "1").expect("url");
        assert!(!url.contains("issueYear"));
    }
}
