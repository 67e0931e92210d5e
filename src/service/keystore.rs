//! Private keys at rest: either a file with mode 0600 under `keys.dir`, or, when a
//! key-encryption key is configured, sealed in the database with XChaCha20-Poly1305
//! (the key id is the associated data, so a sealed key cannot be moved to another id).

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::config::{KeySettings, Secret};
use crate::crypto::keys::IssuerKey;

/// Key storage failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeystoreError {
    /// The key-encryption key is not 32 bytes of base64.
    #[error("keys.encryption_key must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)")]
    BadEncryptionKey,
    /// A sealed key exists but no key-encryption key is configured.
    #[error("key {0} is stored encrypted; set MICROCRED_KEYS__ENCRYPTION_KEY to use it")]
    EncryptionKeyMissing(String),
    /// Decryption failed: wrong key-encryption key or tampered data.
    #[error("key {0} cannot be decrypted with the configured key-encryption key")]
    Unseal(String),
    /// Reading or writing a key file failed.
    #[error(transparent)]
    Key(#[from] crate::crypto::keys::KeyError),
    /// A key row has neither a file nor a sealed secret.
    #[error("key {0} has no private part stored")]
    Missing(String),
    /// Creating the key directory failed.
    #[error("cannot create key directory {0}: {1}")]
    Dir(String, std::io::Error),
}

/// Where new private keys go, and how stored ones are opened.
#[derive(Clone)]
pub struct Keystore {
    dir: PathBuf,
    kek: Option<XChaCha20Poly1305>,
}

impl std::fmt::Debug for Keystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keystore").field("dir", &self.dir).field("encrypted", &self.kek.is_some()).finish()
    }
}

/// Where a newly stored key lives.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Sealed text for the database.
    Sealed(String),
    /// A file path.
    File(String),
}

impl Keystore {
    /// From settings.
    pub fn new(settings: &KeySettings) -> Result<Self, KeystoreError> {
        let kek = settings.encryption_key.as_ref().map(parse_kek).transpose()?;
        Ok(Self { dir: settings.dir.clone(), kek })
    }

    /// Stores a new private key and says where.
    pub fn store(&self, slug: &str, kid: &str, key: &IssuerKey) -> Result<Stored, KeystoreError> {
        if let Some(kek) = &self.kek {
            let mut nonce = [0u8; 24];
            rand::rngs::OsRng.fill_bytes(&mut nonce);
            let plain = key.to_private_json();
            let sealed = kek
                .encrypt(&XNonce::from(nonce), Payload { msg: plain.as_bytes(), aad: kid.as_bytes() })
                .map_err(|_| KeystoreError::Unseal(kid.to_owned()))?;
            let mut out = nonce.to_vec();
            out.extend(sealed);
            return Ok(Stored::Sealed(BASE64_STANDARD.encode(out)));
        }
        let dir = self.dir.join(slug);
        create_private_dir(&dir)?;
        let fragment = kid.rsplit('#').next().unwrap_or("key");
        let path = dir.join(format!("{fragment}.jwk"));
        key.write_private(&path)?;
        Ok(Stored::File(path.display().to_string()))
    }

    /// Opens a stored private key.
    pub fn open(&self, kid: &str, sealed: Option<&str>, file: Option<&str>) -> Result<IssuerKey, KeystoreError> {
        if let Some(sealed) = sealed {
            let kek = self.kek.as_ref().ok_or_else(|| KeystoreError::EncryptionKeyMissing(kid.to_owned()))?;
            let bytes = BASE64_STANDARD.decode(sealed).map_err(|_| KeystoreError::Unseal(kid.to_owned()))?;
            if bytes.len() < 24 {
                return Err(KeystoreError::Unseal(kid.to_owned()));
            }
            let (nonce, ct) = bytes.split_at(24);
            let nonce: [u8; 24] = nonce.try_into().map_err(|_| KeystoreError::Unseal(kid.to_owned()))?;
            let plain = kek
                .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad: kid.as_bytes() })
                .map_err(|_| KeystoreError::Unseal(kid.to_owned()))?;
            let jwk: ssi::JWK = serde_json::from_slice(&plain).map_err(|_| KeystoreError::Unseal(kid.to_owned()))?;
            return Ok(IssuerKey::from_jwk(jwk)?);
        }
        match file {
            Some(path) => Ok(IssuerKey::load(Path::new(path))?),
            None => Err(KeystoreError::Missing(kid.to_owned())),
        }
    }
}

fn parse_kek(secret: &Secret) -> Result<XChaCha20Poly1305, KeystoreError> {
    let bytes = BASE64_STANDARD.decode(secret.expose().trim()).map_err(|_| KeystoreError::BadEncryptionKey)?;
    if bytes.len() != 32 {
        return Err(KeystoreError::BadEncryptionKey);
    }
    XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| KeystoreError::BadEncryptionKey)
}

fn create_private_dir(dir: &Path) -> Result<(), KeystoreError> {
    let err = |e| KeystoreError::Dir(dir.display().to_string(), e);
    std::fs::create_dir_all(dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::KeyAlg;

    fn settings(dir: &Path, kek: Option<&str>) -> KeySettings {
        KeySettings { dir: dir.to_path_buf(), encryption_key: kek.map(Secret::new), demo_key: PathBuf::new() }
    }

    #[test]
    fn sealed_keys_round_trip_and_are_bound_to_their_id() {
        let dir = tempfile::tempdir().expect("tmp");
        let kek = BASE64_STANDARD.encode([7u8; 32]);
        let ks = Keystore::new(&settings(dir.path(), Some(&kek))).expect("keystore");
        let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
        let Stored::Sealed(s) = ks.store("x", "did:web:h:issuers:x#key-1", &key).expect("store") else {
            panic!("sealed")
        };
        assert!(!s.contains(&key.to_private_json()));
        let back = ks.open("did:web:h:issuers:x#key-1", Some(&s), None).expect("open");
        assert_eq!(back.did(), key.did());
        assert!(matches!(ks.open("did:web:h:issuers:x#key-2", Some(&s), None), Err(KeystoreError::Unseal(_))));
        let other = Keystore::new(&settings(dir.path(), Some(&BASE64_STANDARD.encode([8u8; 32])))).expect("ks");
        assert!(matches!(other.open("did:web:h:issuers:x#key-1", Some(&s), None), Err(KeystoreError::Unseal(_))));
        let none = Keystore::new(&settings(dir.path(), None)).expect("ks");
        assert!(matches!(none.open("k", Some(&s), None), Err(KeystoreError::EncryptionKeyMissing(_))));
    }

    #[test]
    fn file_keys_are_mode_0600_in_a_0700_directory() {
        let dir = tempfile::tempdir().expect("tmp");
        let ks = Keystore::new(&settings(dir.path(), None)).expect("keystore");
        let key = IssuerKey::generate(KeyAlg::Ed25519).expect("key");
        let Stored::File(path) = ks.store("x", "did:web:h:issuers:x#key-1", &key).expect("store") else {
            panic!("file")
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(dir.path().join("x")).expect("meta").permissions().mode() & 0o777, 0o700);
        }
        assert!(ks.open("did:web:h:issuers:x#key-1", None, Some(&path)).is_ok());
    }

    #[test]
    fn a_bad_encryption_key_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        assert!(matches!(Keystore::new(&settings(dir.path(), Some("short"))), Err(KeystoreError::BadEncryptionKey)));
    }
}
