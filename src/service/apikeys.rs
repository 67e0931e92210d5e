//! API keys: random bearer tokens, shown once, stored only as SHA-256 hashes, scoped to
//! one institution or to administration.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{ServiceError, Services};
use crate::store::ApiKeyRow;

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
    };
    s.store.insert_api_key(&row).await?;
    Ok((row, token))
}

/// Recently authenticated keys (by token hash), so a busy client does not cost a
/// database read per request. Entries live [`AUTH_TTL`]; unknown tokens are not cached.
#[derive(Debug, Default)]
pub struct AuthCache(Mutex<HashMap<String, (Instant, Principal, String)>>);

/// How long an authenticated key is trusted without asking the store again.
pub const AUTH_TTL: Duration = Duration::from_secs(30);
const CACHED: usize = 10_000;

/// Looks a bearer token up: who it acts for, and the key's public id (for the audit log).
pub async fn authenticate(s: &Services, token: &str) -> Result<Option<(Principal, String)>, ServiceError> {
    let hash = token_hash(token);
    if let Some((p, id)) = s.auth_cache.0.lock().ok().and_then(|m| {
        m.get(&hash).filter(|(at, _, _)| at.elapsed() < AUTH_TTL).map(|(_, p, id)| (p.clone(), id.clone()))
    }) {
        return Ok(Some((p, id)));
    }
    let found = s.store.find_api_key(&hash).await?.map(|k| {
        let p = match k.slug {
            Some(slug) => Principal::Institution(slug),
            None => Principal::Admin,
        };
        (p, k.id)
    });
    if let (Some((p, id)), Ok(mut m)) = (&found, s.auth_cache.0.lock()) {
        if m.len() >= CACHED {
            m.retain(|_, (at, _, _)| at.elapsed() < AUTH_TTL);
            if m.len() >= CACHED {
                m.clear();
            }
        }
        m.insert(hash, (Instant::now(), p.clone(), id.clone()));
    }
    Ok(found)
}
