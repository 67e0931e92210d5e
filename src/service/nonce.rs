//! OpenID4VCI nonces that cost no storage to hand out.
//!
//! A nonce is `base64url(expiry ‖ 16 random bytes ‖ MAC)`: the expiry (Unix seconds, 8
//! bytes big-endian) and the random part are authenticated with HMAC-SHA-256 (first 16
//! bytes kept) under a key the service keeps in its database, so every node of a
//! deployment checks the nonces of every other. `POST /oid4vci/nonce` writes nothing; a
//! nonce is recorded only when a credential request uses it (so it cannot be used twice),
//! and that record is purged once the nonce has expired.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeZone, Utc};
use rand::RngCore;

use super::ServiceError;
use crate::store::Store;

const EXPIRY: usize = 8;
const RANDOM: usize = 16;
const TAG: usize = 16;
const LEN: usize = EXPIRY + RANDOM + TAG;
/// The name of the MAC key in `service_secrets`.
const SECRET_NAME: &str = "oid4vci-nonce-mac-v1";

/// Why a nonce is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NonceError {
    /// Not a nonce of this service (shape or MAC).
    #[error("the nonce was not issued by this service")]
    Unknown,
    /// Past its expiry.
    #[error("the nonce has expired")]
    Expired,
}

/// The key that issues and checks nonces.
pub struct NonceKey(hmac::Key);

impl std::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceKey(<redacted>)")
    }
}

impl NonceKey {
    /// From raw key bytes.
    pub fn from_bytes(key: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, key))
    }

    /// The deployment's key: read from the store, created by the first node that starts.
    pub async fn load(store: &dyn Store, now: DateTime<Utc>) -> Result<Self, ServiceError> {
        let mut candidate = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut candidate);
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let stored = store.service_secret(SECRET_NAME, &hex::encode(candidate), &at).await?;
        let bytes = hex::decode(&stored)
            .map_err(|_| ServiceError::Internal(format!("the stored {SECRET_NAME} secret is not hex")))?;
        Ok(Self::from_bytes(&bytes))
    }

    /// A fresh nonce valid until `expires`.
    pub fn issue(&self, expires: DateTime<Utc>) -> String {
        let mut raw = [0u8; LEN];
        raw[..EXPIRY].copy_from_slice(&expires.timestamp().to_be_bytes());
        rand::rngs::OsRng.fill_bytes(&mut raw[EXPIRY..EXPIRY + RANDOM]);
        let tag = hmac::sign(&self.0, &raw[..EXPIRY + RANDOM]);
        raw[EXPIRY + RANDOM..].copy_from_slice(&tag.as_ref()[..TAG]);
        BASE64_URL_SAFE_NO_PAD.encode(raw)
    }

    /// Checks a nonce's MAC and expiry; its expiry when valid.
    pub fn check(&self, nonce: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, NonceError> {
        if nonce.len() != LEN.div_ceil(3) * 4 - (3 - LEN % 3) % 3 {
            return Err(NonceError::Unknown);
        }
        let raw = BASE64_URL_SAFE_NO_PAD.decode(nonce).map_err(|_| NonceError::Unknown)?;
        if raw.len() != LEN {
            return Err(NonceError::Unknown);
        }
        // Constant-time comparison of the truncated tag.
        let tag = hmac::sign(&self.0, &raw[..EXPIRY + RANDOM]);
        let diff = tag.as_ref()[..TAG].iter().zip(&raw[EXPIRY + RANDOM..]).fold(0u8, |d, (a, b)| d | (a ^ b));
        if diff != 0 {
            return Err(NonceError::Unknown);
        }
        let mut secs = [0u8; EXPIRY];
        secs.copy_from_slice(&raw[..EXPIRY]);
        let expires = Utc.timestamp_opt(i64::from_be_bytes(secs), 0).single().ok_or(NonceError::Unknown)?;
        if expires <= now {
            return Err(NonceError::Expired);
        }
        Ok(expires)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).expect("date")
    }

    #[test]
    fn a_nonce_checks_until_it_expires_and_only_under_its_key() {
        let key = NonceKey::from_bytes(b"0123456789abcdef0123456789abcdef");
        let now = at("2026-11-29T12:00:00Z");
        let n = key.issue(at("2026-11-29T12:05:00Z"));
        assert_eq!(n.len(), 54);
        assert_eq!(key.check(&n, now), Ok(at("2026-11-29T12:05:00Z")));
        assert_eq!(key.check(&n, at("2026-11-29T12:05:00Z")), Err(NonceError::Expired));
        let other = NonceKey::from_bytes(b"another key entirely, 32 bytes!!");
        assert_eq!(other.check(&n, now), Err(NonceError::Unknown));
        assert_ne!(key.issue(at("2026-11-29T12:05:00Z")), n, "random part");
    }

    #[test]
    fn a_changed_expiry_or_a_malformed_nonce_is_unknown() {
        let key = NonceKey::from_bytes(b"0123456789abcdef0123456789abcdef");
        let now = at("2026-11-29T12:00:00Z");
        let n = key.issue(at("2026-11-29T12:05:00Z"));
        let mut raw = BASE64_URL_SAFE_NO_PAD.decode(&n).expect("b64");
        raw[7] = raw[7].wrapping_add(100); // a later expiry
        assert_eq!(key.check(&BASE64_URL_SAFE_NO_PAD.encode(&raw), now), Err(NonceError::Unknown));
        for junk in ["", "x", "\u{0}", &n[..53], &format!("{n}A"), &"A".repeat(54), &"é".repeat(27)] {
            assert_eq!(key.check(junk, now), Err(NonceError::Unknown), "{junk:?}");
        }
    }
}
