//! Check `status`: every status entry, against its signed, current status list.

use super::*;

pub(super) async fn check_status(v: &Value, ctx: VerifyContext<'_>, r: &mut VerificationReport) {
    let entries = match status_entry::entries(v) {
        Ok(e) if e.is_empty() => return,
        Ok(e) => e,
        Err(m) => {
            r.fail("status", "status.unsupported", format!("status unknown: {m}"), Some("/credentialStatus".into()));
            return;
        }
    };
    let before = r.errors.len();
    for (i, e) in entries.iter().enumerate() {
        let path = Some(if v.get("credentialStatus").is_some_and(Value::is_array) {
            format!("/credentialStatus/{i}")
        } else {
            "/credentialStatus".into()
        });
        let what = e.purpose.as_str();
        let list = match ctx.status.list(&e.list_url).await {
            Ok(ListDoc::Trusted { issuer, purpose, bits }) => {
                if Some(issuer.as_str()) != r.issuer.as_deref() || purpose != e.purpose {
                    Err("the status list belongs to another issuer or purpose".to_owned())
                } else {
                    Ok(bits)
                }
            }
            Ok(ListDoc::Signed(doc)) => verify_status_list(&doc, e, r.issuer.as_deref(), ctx).await,
            Err(err) => Err(err.to_string()),
        };
        match list.and_then(|bits| bits.get(e.index).map_err(|x| x.to_string())) {
            Ok(false) => {}
            Ok(true) => {
                let code = if e.purpose == Purpose::Revocation { "status.revoked" } else { "status.suspended" };
                let msg = if e.purpose == Purpose::Revocation {
                    "the issuer has revoked this credential"
                } else {
                    "the issuer has suspended this credential"
                };
                r.fail("status", code, msg, path);
            }
            Err(why) => r.fail("status", "status.unknown", format!("{what} status unknown: {why}"), path),
        }
    }
    if r.errors.len() == before {
        r.pass("status");
    }
}

/// A status list is current only within a window it states: `validFrom` (if any) passed,
/// and `validUntil` not passed or, without `validUntil`, a `ttl` (the list is then as
/// fresh as its fetch, which the status cache bounds by that ttl). Dates that are there
/// must be well-formed; a Bitstring list with neither `validUntil` nor `ttl` never goes
/// stale and is not accepted. A Status List 2021 list (VC 1.1) states its window with
/// `issuanceDate` and `expirationDate`; that method has no `ttl`, and its lists are
/// commonly published without an expiry, so one without is as fresh as its fetch (the
/// status cache keeps it at most `cache_for`, 5 minutes by default).
pub(super) fn status_list_window(doc: &Value, kind: status_entry::ListKind, now: DateTime<Utc>) -> Result<(), String> {
    let legacy = kind == status_entry::ListKind::StatusList2021;
    let (from, until) = if legacy && doc.get("validFrom").is_none() && doc.get("validUntil").is_none() {
        ("issuanceDate", "expirationDate")
    } else {
        ("validFrom", "validUntil")
    };
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
        match doc.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(date_time_stamp)
                .map(Some)
                .ok_or_else(|| format!("the status list's {name} is not a date-time with a time zone")),
        }
    };
    if time(from)?.is_some_and(|t| t > now + CLOCK_SKEW) {
        return Err("the status list is not valid yet".into());
    }
    match time(until)? {
        Some(t) if t < now => {
            Err(format!("the status list expired on {t}: the issuer has not published a current one"))
        }
        Some(_) => Ok(()),
        None if legacy => Ok(()),
        None => {
            let ttl = doc.pointer("/credentialSubject/ttl").and_then(Value::as_u64).filter(|t| *t > 0);
            ttl.map(|_| ())
                .ok_or_else(|| "the status list has neither validUntil nor ttl, so it could be any old copy".to_owned())
        }
    }
}

/// Checks a fetched `BitstringStatusListCredential`: it is the list the entry names, of
/// the same issuer, validly signed, currently valid, for the right purpose; returns its bits.
pub(super) async fn verify_status_list(
    doc: &Value,
    e: &status_entry::Entry,
    issuer: Option<&str>,
    ctx: VerifyContext<'_>,
) -> Result<Bitstring, String> {
    if let Some(why) = complexity_problem(doc, jsonld::MAX_VALUES, "status list") {
        return Err(why);
    }
    let types = doc.get("type").and_then(Value::as_array).cloned().unwrap_or_default();
    if !types.iter().any(|t| t == e.kind.list_type()) {
        return Err(format!("the document is not a {} (as its {} requires)", e.kind.list_type(), e.kind.entry_type()));
    }
    if doc.get("id").and_then(Value::as_str) != Some(e.list_url.as_str()) {
        return Err("the status list credential has another id than the entry names".into());
    }
    if issuer_of(doc).as_deref() != issuer {
        return Err("the status list is issued by someone else than the credential".into());
    }
    jsonld::check_contexts(doc).map_err(|p| p.to_string())?;
    // Read by member names below, so it must be written as what its proof signs.
    jsonld::check_signed_form(doc).await.map_err(|p| p.to_string())?;
    let proof = single_proof(doc)?;
    if proof.get("proofPurpose").and_then(Value::as_str) != Some("assertionMethod") {
        return Err("the status list's proof is not for assertionMethod".into());
    }
    let vm = proof.get("verificationMethod").and_then(Value::as_str).unwrap_or_default();
    let key = ctx.resolver.resolve_assertion_key(vm).map_err(|k| k.to_string())?;
    if Some(key.controller.as_str()) != issuer {
        return Err("the status list is signed with a key its issuer does not control".into());
    }
    let mut proof_report = VerificationReport::new();
    // The caller's domain and challenge are for the credential's proof, not the list's.
    check_proof_options(proof, VerifyContext { expect: Expect::default(), ..ctx }, &mut proof_report);
    if let Some(e) = proof_report.errors.first() {
        return Err(format!("its proof: {}", e.message));
    }
    proof::verify(doc, &key.id, &key.controller, &key.jwk)
        .await
        .map_err(|p| format!("its signature does not verify: {p}"))?;
    status_list_window(doc, e.kind, ctx.clock.now())?;
    let subject = doc.get("credentialSubject").ok_or("the status list has no credentialSubject")?;
    if subject.get("statusPurpose").and_then(Value::as_str) != Some(e.purpose.as_str()) {
        return Err(format!("the list is not a {} list", e.purpose.as_str()));
    }
    let encoded = subject.get("encodedList").and_then(Value::as_str).ok_or("the status list has no encodedList")?;
    Bitstring::decode(encoded).map_err(|x| x.to_string())
}
