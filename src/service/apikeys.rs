//! API keys: random bearer tokens, shown once, stored only as SHA-256 hashes, scoped to
//! one institution or to administration.

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{ServiceError, Services};
use crate::store::{ApiKeyRevocation, ApiKeyRow, StoreError};

/// Who a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Administration: institutions, keys, API keys.
    Admin,
    /// One institution's own achievements and credentials.
    Institution(String),
}

/// The hash under which a token is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates an API key for an institution (`Some(slug)`) or an admin key (`None`);
/// returns the token, which is never stored or shown again.
pub async fn create(s: &Services, slug: Option<&str>, label: &str) -> Result<(ApiKeyRow, String), ServiceError> {
    if let Some(slug) = slug
        && s.store.get_institution(slug).await?.is_none()
    {
        return Err(ServiceError::NotFound(format!("institution '{slug}'")));
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("mck_{}", BASE64_URL_SAFE_NO_PAD.encode(bytes));
    let mut id = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let row = ApiKeyRow {
        id: format!("key_{}", hex::encode(id)),
        token_hash: token_hash(&token),
        slug: slug.map(str::to_owned),
        label: label.to_owned(),
        created_at: s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        revoked_at: None,
        revoked_by: None,
    };
    s.store.insert_api_key(&row).await?;
    Ok((row, token))
}

/// Looks a bearer token up: who it acts for, and the key's public id (for the audit log).
/// Every request asks the store (one indexed read), so a revoked key is refused on its
/// very next request, on every node sharing the database: no cache window.
pub async fn authenticate(s: &Services, token: &str) -> Result<Option<(Principal, String)>, ServiceError> {
    let found = s.store.find_api_key(&token_hash(token)).await?;
    Ok(found.filter(|k| k.revoked_at.is_none()).map(|k| {
        let p = match k.slug {
            Some(slug) => Principal::Institution(slug),
            None => Principal::Admin,
        };
        (p, k.id)
    }))
}

/// The API keys of an institution (`None`: every key), revoked ones included.
pub async fn list(s: &Services, slug: Option<&str>) -> Result<Vec<ApiKeyRow>, ServiceError> {
    if let Some(slug) = slug
        && s.store.get_institution(slug).await?.is_none()
    {
        return Err(ServiceError::NotFound(format!("institution '{slug}'")));
    }
    Ok(s.store.list_api_keys(slug).await?)
}

/// Revokes an API key at once: its next request, on any node, gets 401. `slug` limits it
/// to that institution's keys; `actor` (an admin key id, or `cli`) is recorded with the
/// time on the key and in the institution's audit log.
pub async fn revoke(
    s: &Services,
    slug: Option<&str>,
    key_id: &str,
    actor: &str,
    reason: Option<String>,
) -> Result<ApiKeyRow, ServiceError> {
    if let Some(r) = &reason
        && r.chars().count() > 1000
    {
        return Err(ServiceError::BadRequest("reason is longer than 1000 characters".into()));
    }
    let revocation = ApiKeyRevocation {
        id: key_id.to_owned(),
        slug: slug.map(str::to_owned),
        actor: actor.to_owned(),
        reason,
        at: s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let row = s.store.revoke_api_key(&revocation).await.map_err(|e| match e {
        StoreError::NotFound(m) => ServiceError::NotFound(m),
        StoreError::Conflict(m) => ServiceError::Conflict(m),
        other => ServiceError::Store(other),
    })?;
    tracing::info!(key_id = %row.id, slug = row.slug.as_deref().unwrap_or("(admin)"), actor, "API key revoked");
    Ok(row)
}
