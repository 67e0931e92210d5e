//! The one institution check of every issuance path (API, batches, offers, definitions,
//! VC-API): an institution issues only as itself, and the demo institution (public key)
//! only while it is alone.

use super::institutions::DEMO_SLUG;
use super::{ServiceError, Services};

/// What a record or credential says about who awards it: the MC-R04 institution id, and
/// the issuer's and awarding body's names and URLs, each with the JSON Pointer of where
/// it is said. Every claim present must be the institution's own.
#[derive(Debug, Clone, Default)]
pub struct Claims<'a> {
    /// `(pointer, id)`: one of the 18 institution ids.
    pub institution_id: Option<(String, &'a str)>,
    /// `(pointer, name)`.
    pub names: Vec<(String, &'a str)>,
    /// `(pointer, url)`.
    pub urls: Vec<(String, &'a str)>,
}

/// Refuses a record of another institution than the one the caller acts for.
pub async fn check_institution(s: &Services, slug: &str, record_institution: &str) -> Result<(), ServiceError> {
    let claims = Claims {
        institution_id: Some(("/microcredential/institution_id".into(), record_institution)),
        ..Claims::default()
    };
    check_claims(s, slug, &claims).await
}

/// The one institution check of every issuance path (API, batch, offers, definitions,
/// VC-API): an institution issues only as itself. Its own are its institution id, the
/// official name and homepage of that id, and the name and URL it was created with. The
/// demo institution (no institution id) may award for any institution, but only while it
/// is the only institution (unless `demo.keep_issuing`).
pub async fn check_claims(s: &Services, slug: &str, claims: &Claims<'_>) -> Result<(), ServiceError> {
    // Which institution a slug awards for never changes: the directory's copy will do.
    let snapshot = s.directory.snapshot().await?;
    if slug == DEMO_SLUG && !s.settings.demo.keep_issuing && snapshot.institutions.keys().any(|k| k != DEMO_SLUG) {
        return Err(ServiceError::Forbidden(
            "the demo institution stops issuing once a real institution exists (it signs with a public key, so its \
             credentials prove nothing); issue with the API key of your institution, or set demo.keep_issuing = true \
             (MICROCRED_DEMO__KEEP_ISSUING=true) to keep it"
                .into(),
        ));
    }
    let cached = snapshot.institutions.get(slug).map(|e| e.row.clone());
    let row = match cached {
        Some(row) => row,
        None => s
            .store
            .get_institution(slug)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("institution '{slug}'")))?,
    };
    let Some(id) = row.institution_id.as_deref() else { return Ok(()) };
    if let Some((pointer, claimed)) = &claims.institution_id
        && *claimed != id
    {
        return Err(ServiceError::Forbidden(format!(
            "this API key acts for '{slug}' ({id}); the record is awarded by '{claimed}' ({pointer})"
        )));
    }
    let official = crate::domain::Institution::by_id(id);
    let names = [Some(row.name.as_str()), official.map(|o| o.name)];
    let urls = [Some(row.url.as_str()), official.map(|o| o.url)];
    let own = |list: &[Option<&str>], v: &str| {
        list.iter().flatten().any(|o| o.trim_end_matches('/') == v.trim_end_matches('/'))
    };
    let refuse = |pointer: &str, what: &str, claimed: &str| {
        ServiceError::Forbidden(format!(
            "{pointer}: '{}' is not the {what} of '{slug}' ({}, {}), the institution this API key acts for; an institution issues only as itself",
            claimed.chars().take(80).collect::<String>(),
            row.name,
            row.url
        ))
    };
    if let Some((pointer, claimed)) = claims.names.iter().find(|(_, n)| !own(&names, n)) {
        return Err(refuse(pointer, "name", claimed));
    }
    if let Some((pointer, claimed)) = claims.urls.iter().find(|(_, u)| !own(&urls, u)) {
        return Err(refuse(pointer, "homepage", claimed));
    }
    Ok(())
}
