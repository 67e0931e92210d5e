//! Issuer signing keys: Ed25519 (eddsa-rdfc-2022 and EdDSA JWTs) and RSA 2048 (RS256
//! JWTs, the OB 3.0 minimum), stored as private JWKs. A key knows the DID and the
//! verification method it signs as: `did:key` by default, or the `did:web` URL in the
//! JWK's `kid`.

use std::fmt;
use std::path::Path;

use ssi::JWK;
use ssi::jwk::{Algorithm, Base64urlUInt, Params, RSAParams};

/// The two supported key types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlg {
    /// Ed25519 (JWS `EdDSA`).
    Ed25519,
    /// RSA 2048+ (JWS `RS256`).
    Rs256,
}

impl KeyAlg {
    /// The JWS `alg` value.
    pub fn jws_alg(self) -> &'static str {
        match self {
            Self::Ed25519 => "EdDSA",
            Self::Rs256 => "RS256",
        }
    }

    /// The ssi algorithm.
    pub fn algorithm(self) -> Algorithm {
        match self {
            Self::Ed25519 => Algorithm::EdDSA,
            Self::Rs256 => Algorithm::RS256,
        }
    }
}

/// Key errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file cannot be read.
    // The cause is in the message and deliberately not a `source`: error chains
    // (`{:#}`) would print the OS error twice.
    #[error("cannot read key file {path}: {cause}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        cause: std::io::Error,
    },
    /// Not a JWK.
    #[error("key file {path} is not a JSON Web Key: {reason}")]
    NotJwk {
        /// File.
        path: String,
        /// Cause.
        reason: String,
    },
    /// Public key only, or an unsupported type.
    #[error("{0}")]
    Unsupported(String),
    /// Writing a key file failed.
    #[error("cannot write key file {path}: {cause}")]
    Write {
        /// File.
        path: String,
        /// Cause.
        cause: std::io::Error,
    },
}

/// A private signing key with the identity it signs as. Never printed, never serialised
/// by accident: `Debug` is redacted, there is no `Serialize`, and the key material is
/// zeroised on drop (by `ssi::JWK`).
#[derive(Clone)]
pub struct IssuerKey {
    jwk: JWK,
    /// The Ed25519 signing key, expanded once. AWS-LC signs (deterministic RFC 8032, so
    /// the same signatures as any Ed25519 implementation) 2.4x faster than
    /// `ed25519-dalek` on our machines; see BENCHMARKS.md. Zeroised when freed.
    ed25519: Option<std::sync::Arc<aws_lc_rs::signature::Ed25519KeyPair>>,
    alg: KeyAlg,
    did: String,
    verification_method: String,
}

impl fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerKey")
            .field("alg", &self.alg)
            .field("verification_method", &self.verification_method)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl IssuerKey {
    /// Generates a new key. RSA keys are 2048 bits.
    pub fn generate(alg: KeyAlg) -> Result<Self, KeyError> {
        let jwk = match alg {
            KeyAlg::Ed25519 => JWK::generate_ed25519().map_err(|e| KeyError::Unsupported(e.to_string()))?,
            KeyAlg::Rs256 => generate_rsa()?,
        };
        Self::from_jwk(jwk)
    }

    /// Reads a private JWK file.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|cause| KeyError::Read { path: shown.clone(), cause })?;
        let jwk: JWK =
            serde_json::from_str(&text).map_err(|e| KeyError::NotJwk { path: shown.clone(), reason: e.to_string() })?;
        Self::from_jwk(jwk).map_err(|e| KeyError::NotJwk { path: shown, reason: e.to_string() })
    }

    /// Wraps a private JWK. A `kid` of the form `did:web:…#fragment` makes the key sign
    /// as that did:web; otherwise it signs as its did:key.
    pub fn from_jwk(mut jwk: JWK) -> Result<Self, KeyError> {
        let mut ed25519 = None;
        let alg = match &jwk.params {
            Params::OKP(p) if p.curve == "Ed25519" => {
                let Some(d) = &p.private_key else {
                    return Err(KeyError::Unsupported(
                        "the Ed25519 JWK has no private part 'd'; a signing key is needed".into(),
                    ));
                };
                let secret: [u8; 32] = d.0.as_slice().try_into().map_err(|_| {
                    KeyError::Unsupported(format!("the Ed25519 private part 'd' must be 32 bytes, not {}", d.0.len()))
                })?;
                let signing = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&secret)
                    .map_err(|_| KeyError::Unsupported("the Ed25519 private part 'd' is not a valid key".into()))?;
                if aws_lc_rs::signature::KeyPair::public_key(&signing).as_ref() != p.public_key.0.as_slice() {
                    return Err(KeyError::Unsupported(
                        "the Ed25519 JWK's public part 'x' does not belong to its private part 'd'".into(),
                    ));
                }
                ed25519 = Some(std::sync::Arc::new(signing));
                KeyAlg::Ed25519
            }
            Params::RSA(p) => {
                if p.private_exponent.is_none() || p.first_prime_factor.is_none() {
                    return Err(KeyError::Unsupported(
                        "the RSA JWK has no private parts ('d', 'p', 'q'); a signing key is needed".into(),
                    ));
                }
                let bits = p.modulus.as_ref().map_or(0, |n| n.0.len() * 8);
                if bits < 2048 {
                    return Err(KeyError::Unsupported(format!(
                        "RSA keys must have at least 2048 bits; this one has {bits}"
                    )));
                }
                KeyAlg::Rs256
            }
            _ => {
                return Err(KeyError::Unsupported(
                    "only Ed25519 (kty OKP, crv Ed25519) and RSA keys are supported".into(),
                ));
            }
        };
        let (did, verification_method) = match jwk.key_id.as_deref() {
            Some(kid) if kid.starts_with("did:web:") => {
                let (did, fragment) = kid.split_once('#').ok_or_else(|| {
                    KeyError::Unsupported(format!(
                        "kid '{kid}' must be a DID URL with a fragment, e.g. did:web:example.be:issuers:x#key-1"
                    ))
                })?;
                if fragment.is_empty() {
                    return Err(KeyError::Unsupported(format!("kid '{kid}' has an empty fragment")));
                }
                (did.to_owned(), kid.to_owned())
            }
            _ => {
                let did = ssi::dids::DIDKey::generate(&jwk).map_err(|e| KeyError::Unsupported(e.to_string()))?;
                let vm = ssi::dids::DIDKey::generate_url(&jwk).map_err(|e| KeyError::Unsupported(e.to_string()))?;
                (did.to_string(), vm.to_string())
            }
        };
        jwk.key_id = Some(verification_method.clone());
        jwk.algorithm = Some(alg.algorithm());
        Ok(Self { jwk, ed25519, alg, did, verification_method })
    }

    /// The algorithm.
    pub fn alg(&self) -> KeyAlg {
        self.alg
    }

    /// The issuer DID this key signs as.
    pub fn did(&self) -> &str {
        &self.did
    }

    /// The verification method id (`did…#…`), used as the JWS `kid` and proof method.
    pub fn verification_method(&self) -> &str {
        &self.verification_method
    }

    /// The public key as a JWK (with `kid`).
    pub fn public_jwk(&self) -> JWK {
        self.jwk.to_public()
    }

    /// The private JWK, for signing inside this crate only.
    pub(crate) fn secret_jwk(&self) -> &JWK {
        &self.jwk
    }

    /// The expanded Ed25519 signing key, for signing inside this crate only.
    pub(crate) fn ed25519(&self) -> Option<&aws_lc_rs::signature::Ed25519KeyPair> {
        self.ed25519.as_deref()
    }

    /// The private JWK as JSON, to write a key file. Handle with care.
    pub fn to_private_json(&self) -> String {
        serde_json::to_string_pretty(&self.jwk).unwrap_or_default()
    }

    /// Writes the private JWK to a new file with mode 0600 (refuses to overwrite).
    pub fn write_private(&self, path: &Path) -> Result<(), KeyError> {
        use std::io::Write;
        let shown = path.display().to_string();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|cause| KeyError::Write { path: shown.clone(), cause })?;
        file.write_all(self.to_private_json().as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|cause| KeyError::Write { path: shown, cause })
    }
}

fn generate_rsa() -> Result<JWK, KeyError> {
    use rsa::PublicKeyParts;
    let key =
        rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| KeyError::Unsupported(e.to_string()))?;
    let b = |n: &rsa::BigUint| Base64urlUInt(n.to_bytes_be());
    let primes = key.primes();
    let (p, q) = (&primes[0], &primes[1]);
    let one = rsa::BigUint::from(1u8);
    let d = key.d();
    let dp = d % (p - &one);
    let dq = d % (q - &one);
    let qi = key.crt_coefficient().ok_or_else(|| KeyError::Unsupported("RSA CRT coefficient missing".into()))?;
    let params = RSAParams {
        modulus: Some(b(key.n())),
        exponent: Some(b(key.e())),
        private_exponent: Some(b(d)),
        first_prime_factor: Some(b(p)),
        second_prime_factor: Some(b(q)),
        first_prime_factor_crt_exponent: Some(b(&dp)),
        second_prime_factor_crt_exponent: Some(b(&dq)),
        first_crt_coefficient: Some(b(&qi)),
        other_primes_info: None,
    };
    Ok(JWK::from(Params::RSA(params)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_key_material() {
        let key = IssuerKey::generate(KeyAlg::Ed25519).expect("generate");
        let json: serde_json::Value = serde_json::from_str(&key.to_private_json()).expect("json");
        let d = json["d"].as_str().expect("d");
        let shown = format!("{key:?}");
        assert!(!shown.contains(d) && shown.contains("<redacted>"));
        assert!(key.did().starts_with("did:key:z6Mk"));
        assert!(key.verification_method().starts_with(key.did()));
    }

    #[test]
    fn a_public_only_jwk_is_refused_as_a_signing_key() {
        let key = IssuerKey::generate(KeyAlg::Ed25519).expect("generate");
        let public = key.public_jwk();
        assert!(IssuerKey::from_jwk(public).is_err());
    }

    #[test]
    fn a_did_web_kid_makes_the_key_sign_as_did_web() {
        let mut jwk = JWK::generate_ed25519().expect("generate");
        jwk.key_id = Some("did:web:localhost%3A8080:issuers:demo#key-1".into());
        let key = IssuerKey::from_jwk(jwk).expect("key");
        assert_eq!(key.did(), "did:web:localhost%3A8080:issuers:demo");
        assert_eq!(key.verification_method(), "did:web:localhost%3A8080:issuers:demo#key-1");
    }
}
