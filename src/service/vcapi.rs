//! The W3C VC-API issuer operations (<https://w3c-ccg.github.io/vc-api/>):
//! `/credentials/issue` signs a caller's VC 2.0 credential (fields preserved; an
//! undefined term, an unknown context, a wrong issuer or, for OB 3.0 credentials, a
//! schema or rule violation is refused), and `/credentials/status` changes a status.

use serde_json::{Map, Value};

use super::credentials::new_public_id;
use super::issuer_check::{Claims, check_claims};
use super::{ServiceError, Services};
use crate::crypto::{jwt, proof};
use crate::jsonld::contexts::{CREDENTIALS_V1_URL, CREDENTIALS_V2_URL, DATA_INTEGRITY_V2_URL};

/// Appends a context to a credential's `@context` unless it is there.
fn add_context(c: &mut Map<String, Value>, url: &str) {
    let Some(ctx) = c.get_mut("@context") else {
        c.insert("@context".into(), Value::Array(vec![url.into()]));
        return;
    };
    if !ctx.is_array() {
        *ctx = Value::Array(vec![ctx.take()]);
    }
    if let Value::Array(list) = ctx
        && !list.iter().any(|x| x == url)
    {
        list.push(url.into());
    }
}
use crate::jsonld::{self, JsonLdProblem};
use crate::ob3::reverse;
use crate::store::{CredentialRow, InsertOutcome, Selector, StatusAction};

fn bad(msg: impl Into<String>) -> ServiceError {
    ServiceError::BadRequest(msg.into())
}

fn check_time(c: &Map<String, Value>, name: &str) -> Result<(), ServiceError> {
    match c.get(name) {
        None => Ok(()),
        Some(Value::String(t)) if chrono::DateTime::parse_from_rfc3339(t).is_ok() => Ok(()),
        Some(_) => Err(bad(format!("{name} must be an XML Schema dateTimeStamp, e.g. 2025-02-14T00:00:00Z"))),
    }
}

/// The texts of a name or URL: a string, a `{"@value": …}` language value, or a list of
/// them, each with its JSON Pointer.
fn texts<'a>(v: &'a Value, pointer: String, out: &mut Vec<(String, &'a str)>) -> Result<(), ServiceError> {
    match v {
        Value::String(t) => out.push((pointer, t)),
        Value::Object(o) if o.get("@value").is_some_and(Value::is_string) => {
            out.push((format!("{pointer}/@value"), o.get("@value").and_then(Value::as_str).unwrap_or_default()));
        }
        Value::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                texts(item, format!("{pointer}/{i}"), out)?;
            }
        }
        _ => return Err(bad(format!("{pointer} must be a string or a language value"))),
    }
    Ok(())
}

/// Who the credential says awards it: the issuer's and the achievement creator's (the
/// awarding body's) name and URL.
fn claims(c: &Map<String, Value>) -> Result<Claims<'_>, ServiceError> {
    let mut claims = Claims::default();
    let mut profiles: Vec<(String, &Value)> = Vec::new();
    if let Some(issuer) = c.get("issuer").filter(|i| i.is_object()) {
        profiles.push(("/credential/issuer".into(), issuer));
    }
    let subjects: Vec<(String, &Value)> = match c.get("credentialSubject") {
        Some(Value::Array(a)) => {
            a.iter().enumerate().map(|(i, v)| (format!("/credential/credentialSubject/{i}"), v)).collect()
        }
        Some(v) => vec![("/credential/credentialSubject".into(), v)],
        None => vec![],
    };
    for (at, subject) in subjects {
        if let Some(creator) = subject.pointer("/achievement/creator").filter(|c| c.is_object()) {
            profiles.push((format!("{at}/achievement/creator"), creator));
        }
    }
    for (at, p) in profiles {
        if let Some(name) = p.get("name") {
            texts(name, format!("{at}/name"), &mut claims.names)?;
        }
        if let Some(url) = p.get("url") {
            texts(url, format!("{at}/url"), &mut claims.urls)?;
        }
    }
    Ok(claims)
}

/// The objects a member holds: one object, or a non-empty list of objects. `Err` names
/// the member and says what it must be.
fn objects<'a>(name: &str, v: &'a Value) -> Result<Vec<&'a Map<String, Value>>, ServiceError> {
    let items: Vec<&Value> = match v {
        Value::Array(a) if a.is_empty() => return Err(bad(format!("{name} must not be an empty list"))),
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_object().ok_or_else(|| {
                let at = if v.is_array() { format!("{name}[{i}]") } else { name.to_owned() };
                bad(format!("{at} must be an object, not a {}", crate::verify::json_kind(item)))
            })
        })
        .collect()
}

fn is_url(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

/// The rules of the VC Data Model 2.0 that a signer must keep and that no JSON-LD
/// processing enforces (<https://www.w3.org/TR/vc-data-model-2.0/>): a subject makes at
/// least one claim (§4.8); every status, schema, refresh service, terms of use and
/// evidence object says its `type` (§4.10, §5.4–§5.6, §5.11); a `relatedResource` is an
/// object with a URL `id`, unique, and a digest (§5.3); a `BitstringStatusListEntry` is
/// well-formed (Bitstring Status List v1.0 §2.1).
fn check_vc2(c: &Map<String, Value>) -> Result<(), ServiceError> {
    check_object_ids(c, "")?;
    let subjects = objects("credentialSubject", c.get("credentialSubject").unwrap_or(&Value::Null))?;
    if subjects.iter().any(|s| s.is_empty()) {
        return Err(bad("credentialSubject must make at least one claim about its subject; {} is empty"));
    }
    for name in ["credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence"] {
        let Some(v) = c.get(name) else { continue };
        for (i, o) in objects(name, v)?.into_iter().enumerate() {
            let at = if v.is_array() { format!("{name}[{i}]") } else { name.to_owned() };
            match o.get("type") {
                Some(Value::String(t)) if !t.is_empty() => {}
                Some(Value::Array(a))
                    if !a.is_empty() && a.iter().all(|t| t.as_str().is_some_and(|t| !t.is_empty())) => {}
                Some(_) => return Err(bad(format!("{at}.type must be a type name or a list of them"))),
                None => return Err(bad(format!("{at} must have a type (VC 2.0 requires it)"))),
            }
            if let Some(id) = o.get("id")
                && !id.as_str().is_some_and(is_url)
            {
                return Err(bad(format!("{at}.id must be a URL")));
            }
            if name == "credentialSchema" && !o.contains_key("id") {
                return Err(bad(format!("{at} must have an id: the URL of the schema")));
            }
            let is_bitstring = match o.get("type") {
                Some(Value::String(t)) => t == "BitstringStatusListEntry",
                Some(Value::Array(a)) => a.iter().any(|t| t == "BitstringStatusListEntry"),
                _ => false,
            };
            if name == "credentialStatus" && is_bitstring {
                crate::status::entry::check_entry_shape(o).map_err(|m| bad(format!("{at}: {m}")))?;
            }
        }
    }
    if let Some(v) = c.get("relatedResource") {
        let mut seen = std::collections::HashSet::new();
        for (i, o) in objects("relatedResource", v)?.into_iter().enumerate() {
            let at = if v.is_array() { format!("relatedResource[{i}]") } else { "relatedResource".to_owned() };
            let id = o
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| is_url(id))
                .ok_or_else(|| bad(format!("{at} must have an id: the URL of the resource")))?;
            if !seen.insert(id) {
                return Err(bad(format!("{at}: relatedResource {id} is listed twice; each resource once")));
            }
            let sri = o.get("digestSRI");
            let multibase = o.get("digestMultibase");
            if sri.is_none() && multibase.is_none() {
                return Err(bad(format!("{at} must have a digestSRI or digestMultibase of the resource")));
            }
            if sri.is_some_and(|d| !d.as_str().is_some_and(is_sri)) {
                return Err(bad(format!("{at}.digestSRI must be an SRI digest such as sha384-<base64>")));
            }
            if multibase.is_some_and(|d| d.as_str().is_none_or(|d| multibase::decode(d).is_err())) {
                return Err(bad(format!("{at}.digestMultibase must be a multibase-encoded digest")));
            }
            check_known_digest(&at, id, o)?;
        }
    }
    Ok(())
}

/// An SRI digest (`sha256-`, `sha384-` or `sha512-` and base64).
fn is_sri(d: &str) -> bool {
    use base64::Engine;
    let Some((alg, b64)) = d.split_once('-') else { return false };
    let len = match alg {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => return false,
    };
    base64::prelude::BASE64_STANDARD.decode(b64).is_ok_and(|b| b.len() == len)
}

/// Where we hold the published bytes of the resource (our contexts, VC 2.0 and its
/// examples context), its digests must be its digests; other resources are not fetched.
fn check_known_digest(at: &str, id: &str, o: &Map<String, Value>) -> Result<(), ServiceError> {
    let text = |k: &str| o.get(k).and_then(Value::as_str);
    crate::jsonld::contexts::check_related_digests(id, text("digestSRI"), text("digestMultibase"))
        .map_err(|m| bad(format!("{at}.{m}")))
}

/// Every `id` of the credential is a single URL (VC 2.0 §4.4), wherever it is (the
/// `@context` aside: an inline context's keys are not data).
fn check_object_ids(o: &Map<String, Value>, path: &str) -> Result<(), ServiceError> {
    for (k, x) in o.iter().filter(|(k, _)| k.as_str() != "@context") {
        let at = format!("{path}/{k}");
        if k == "id" && !x.as_str().is_some_and(|s| is_url(s) && !s.chars().any(char::is_whitespace)) {
            return Err(bad(format!(
                "{at} must be a single URL (VC 2.0 §4.4), such as https://… or urn:uuid:…; it is {}",
                short(x)
            )));
        }
        check_ids(x, &at)?;
    }
    Ok(())
}

fn check_ids(v: &Value, path: &str) -> Result<(), ServiceError> {
    match v {
        Value::Object(o) => check_object_ids(o, path),
        Value::Array(a) => a.iter().enumerate().try_for_each(|(i, x)| check_ids(x, &format!("{path}/{i}"))),
        _ => Ok(()),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 { format!("{}…", s.chars().take(80).collect::<String>()) } else { s }
}

/// Issues a caller-supplied credential for institution `slug`; returns the signed one.
pub async fn issue(s: &Services, slug: &str, body: &Value) -> Result<Value, ServiceError> {
    let Value::Object(req) = body else {
        return Err(bad("the body must be {\"credential\": {...}, \"options\": {...}}"));
    };
    if let Some(k) = req.keys().find(|k| !matches!(k.as_str(), "credential" | "options")) {
        return Err(bad(format!(
            "unknown member '{}' (the body has credential and options)",
            k.chars().take(40).collect::<String>()
        )));
    }
    let Some(Value::Object(mut c)) = req.get("credential").cloned() else {
        return Err(bad("credential must be a JSON object"));
    };
    let options = req.get("options").cloned().unwrap_or(Value::Null);
    if !(options.is_null() || options.is_object()) {
        return Err(bad("options must be an object"));
    }
    // The VC 2.0 data model, or VC 1.1 (still what many verifiers expect).
    let first =
        c.get("@context").and_then(|v| v.as_array().and_then(|a| a.first()).or(Some(v))).and_then(Value::as_str);
    let vc11 = match first {
        Some(CREDENTIALS_V2_URL) => false,
        Some(CREDENTIALS_V1_URL) => true,
        _ => {
            return Err(bad(format!(
                "@context must be a list starting with {CREDENTIALS_V2_URL} (VC 2.0) or {CREDENTIALS_V1_URL} (VC 1.1)"
            )));
        }
    };
    let types: Vec<String> = match c.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => vec![],
    };
    if !types.iter().any(|t| t == "VerifiableCredential") {
        return Err(bad("type must include VerifiableCredential"));
    }
    if !c.get("credentialSubject").is_some_and(|v| v.is_object() || v.is_array()) {
        return Err(bad("credentialSubject is required"));
    }
    check_vc2(&c)?;
    if c.contains_key("proof") {
        return Err(bad("the credential already has a proof; send it unsigned"));
    }
    if vc11 {
        // VC 1.1 §4.6-4.7: issuanceDate required, expirationDate optional.
        if !c.contains_key("issuanceDate") {
            return Err(bad("issuanceDate is required in a VC 1.1 credential (VC 2.0 names it validFrom, optional)"));
        }
        check_time(&c, "issuanceDate")?;
        check_time(&c, "expirationDate")?;
        if types.iter().any(|t| *t == "OpenBadgeCredential" || *t == "AchievementCredential") {
            return Err(bad(format!(
                "an Open Badge 3.0 is issued on VC 2.0: start @context with {CREDENTIALS_V2_URL}"
            )));
        }
        // The VC 1.1 context does not define the Data Integrity terms of the proof we
        // add, so their context is added (Data Integrity 1.0 §2.1, "Add Proof").
        add_context(&mut c, DATA_INTEGRITY_V2_URL);
    }
    check_time(&c, "validFrom")?;
    check_time(&c, "validUntil")?;
    let snapshot = s.directory.snapshot().await?;
    let entry = snapshot.issuing(slug)?;
    let did = entry.did.clone();
    match c.get("issuer") {
        None => {
            c.insert("issuer".into(), did.clone().into());
        }
        Some(Value::String(i)) if *i == did => {}
        Some(Value::Object(o)) if o.get("id").and_then(Value::as_str) == Some(did.as_str()) => {}
        Some(_) => {
            return Err(bad(format!(
                "issuer must be {did} (the API key's institution), as a string or an object with that id"
            )));
        }
    }
    // An institution issues only as itself: the same check as the other issuance paths.
    check_claims(s, slug, &claims(&c)?).await?;
    // Status: a revocation entry (and suspension, when configured) unless the caller set one.
    // Bitstring Status List is a VC 2.0 mechanism (its context is VC 2.0's): a VC 1.1
    // credential gets no entry of ours (verifiers of VC 1.1 know StatusList2021, not it).
    let wants_status = options.get("credentialStatus") != Some(&Value::Bool(false)) && !vc11;
    let slot = if !c.contains_key("credentialStatus") && wants_status {
        let slot = super::status::assign(s, slug).await?;
        c.insert("credentialStatus".into(), slot.credential_status.clone());
        Some(slot)
    } else {
        None
    };
    let doc = Value::Object(c);
    let urls = jsonld::check_contexts(&doc).map_err(|p| bad(p.to_string()))?;
    if urls.iter().any(|u| u == crate::jsonld::contexts::UNDEFINED_TERMS_V2_URL) {
        return Err(bad(format!(
            "{} maps every term no context defines to {}…: this issuer signs only terms a context defines \
             (JSON-LD safe mode, as VC 2.0 §4.3 recommends); define them in a context of yours, inline or \
             published, instead",
            crate::jsonld::contexts::UNDEFINED_TERMS_V2_URL,
            crate::jsonld::contexts::UNDEFINED_TERM_VOCAB
        )));
    }
    // Signed as written: the document must be the compact form of its own data, so that
    // every verifier reading it by member names reads what is signed.
    jsonld::check_signed_form(&doc).await.map_err(|p| match p {
        JsonLdProblem::UndefinedTerm(t) => {
            bad(format!("undefined term {t}: every property and type must be defined by a context (JSON-LD safe mode)"))
        }
        other => bad(other.to_string()),
    })?;
    if types.iter().any(|t| *t == "OpenBadgeCredential" || *t == "AchievementCredential") {
        let ext = reverse::has_extension(&doc);
        let violations = crate::schema::check(&doc, ext);
        if let Some(v) = violations.first() {
            return Err(bad(format!(
                "the credential fails the {} schema at {}: {} ({} problem(s))",
                if v.schema == crate::schema::SchemaKind::Ob3 { "OB 3.0" } else { "extension" },
                v.path,
                v.message,
                violations.len()
            )));
        }
        if ext {
            let (record, opts) = reverse::to_record(&doc)
                .map_err(|e| bad(format!("the microcredential extension cannot be read: {e}")))?;
            let (record, _) =
                crate::domain::parse_record_with(&record, s.clock.as_ref(), opts).map_err(ServiceError::Invalid)?;
            let institution = Claims {
                institution_id: Some(("/credential/issuer/name".into(), record.microcredential.institution.id)),
                ..Claims::default()
            };
            check_claims(s, slug, &institution).await?;
        }
    }
    let key = entry.active.clone();
    let now = s.clock.now();
    let unsigned = doc.clone();
    let signed = crate::cpu::run(move |_| -> Result<(Value, String), String> {
        let p = futures_executor::block_on(proof::sign(&unsigned, &key, now)).map_err(|e| e.to_string())?;
        let Value::Object(m) = &unsigned else { return Err("not an object".into()) };
        let token = jwt::sign(m, &key).map_err(|e| e.to_string())?;
        let mut out = unsigned.clone();
        out["proof"] = Value::Array(vec![p]);
        Ok((out, token))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("signing task failed: {e}")))?
    .map_err(|e| bad(format!("the credential cannot be signed: {e}")))?;
    let (vc, token) = signed;
    let row = CredentialRow {
        public_id: new_public_id(),
        credential_id: vc
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("urn:microcred:vcapi:{}", new_public_id()), str::to_owned),
        slug: slug.to_owned(),
        achievement_id: None,
        format: "ldp".into(),
        ldp: serde_json::to_string(&vc).map_err(|e| ServiceError::Internal(e.to_string()))?,
        jwt: token,
        issued_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        status_list: slot.as_ref().map(|x| x.list_no),
        status_index: slot.as_ref().map(|x| x.index),
        suspendable: slot.as_ref().is_some_and(|x| x.suspendable),
        status: "active".into(),
        status_changed_at: None,
        status_reason: None,
    };
    match s.store.insert_credential(&row, None).await {
        Ok(InsertOutcome::Inserted) => Ok(vc),
        Ok(InsertOutcome::KeyTaken(_)) => Err(ServiceError::Internal("unexpected idempotency conflict".into())),
        Err(crate::store::StoreError::Conflict(_)) => Err(ServiceError::Conflict(
            "a credential with this id was already issued; give each credential its own id".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `/credentials/status`: `{credentialId, credentialStatus: {type, statusPurpose}, status: bool}`.
pub async fn update_status(s: &Services, slug: &str, actor: &str, body: &Value) -> Result<(), ServiceError> {
    let id = body.get("credentialId").and_then(Value::as_str).ok_or_else(|| bad("credentialId is required"))?;
    let purpose = body
        .pointer("/credentialStatus/statusPurpose")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("credentialStatus.statusPurpose is required"))?;
    let on = body.get("status").and_then(Value::as_bool).ok_or_else(|| bad("status must be true or false"))?;
    let row =
        s.store.get_credential_by_id(slug, id).await?.ok_or_else(|| {
            ServiceError::NotFound(format!("credential '{}'", id.chars().take(80).collect::<String>()))
        })?;
    let action = match (purpose, on) {
        ("revocation", true) => StatusAction::Revoke,
        ("revocation", false) => return Err(bad("a revocation cannot be undone")),
        ("suspension", true) => StatusAction::Suspend,
        ("suspension", false) => StatusAction::Reinstate,
        _ => return Err(bad("statusPurpose must be revocation or suspension")),
    };
    super::status::change(
        s,
        slug,
        Selector::Ids(vec![row.public_id]),
        action,
        actor,
        Some("VC-API status update".into()),
        true,
    )
    .await?;
    Ok(())
}
