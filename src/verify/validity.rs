//! Check `validity_period`: every validity bound the signed data holds.

use super::*;

/// Every date-time of a validity bound (a one-element array is its element; a bound given
/// twice is judged twice). A value that is not an RFC 3339 date-time fails.
pub(super) fn times(v: &Value, name: &str, r: &mut VerificationReport) -> Vec<DateTime<Utc>> {
    let values = jsonld::values(v.get(name));
    let mut out = Vec::with_capacity(values.len());
    for x in values {
        match x.as_str().map(DateTime::parse_from_rfc3339) {
            Some(Ok(t)) => out.push(t.with_timezone(&Utc)),
            _ => r.fail(
                "validity_period",
                "validity.invalid_date",
                format!("{name} is not an RFC 3339 date-time"),
                Some(format!("/{name}")),
            ),
        }
    }
    out
}

/// Every bound present, in both data models' names, against `now`.
pub(super) fn check(v: &Value, now: DateTime<Utc>, r: &mut VerificationReport) {
    let before = r.errors.len();
    // VC 1.1 names the period `issuanceDate` (required) .. `expirationDate`; VC 2.0
    // `validFrom` .. `validUntil`. Each name stands for one IRI of the credentials
    // vocabulary (the JSON-LD checks saw to that), and a bound is a bound whichever data
    // model's context defines it: the VC 1.1 context defines `validUntil` too, and an
    // inline context may define `expirationDate` in a VC 2.0 credential. So every bound
    // present is judged; none is ignored.
    let vc11 = is_vc11(v);
    if vc11 && v.get("issuanceDate").is_none() {
        r.fail(
            "validity_period",
            "validity.invalid_date",
            "issuanceDate is missing (VC 1.1 requires it)",
            Some("/issuanceDate".into()),
        );
    }
    for from_name in ["validFrom", "issuanceDate"] {
        for from in times(v, from_name, r) {
            if from > now {
                r.fail(
                    "validity_period",
                    "validity.not_yet_valid",
                    format!("the credential is valid only from {from}"),
                    Some(format!("/{from_name}")),
                );
            }
        }
    }
    for until_name in ["validUntil", "expirationDate"] {
        for until in times(v, until_name, r) {
            if until < now {
                r.fail(
                    "validity_period",
                    "validity.expired",
                    format!("the credential expired on {until}"),
                    Some(format!("/{until_name}")),
                );
            }
        }
    }
    if r.errors.len() == before {
        r.pass("validity_period");
    }
}
