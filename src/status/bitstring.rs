//! The bitstring of W3C Bitstring Status List v1.0
//! (<https://www.w3.org/TR/vc-bitstring-status-list/>): index 0 is the left-most
//! (most significant) bit of the first byte; `encodedList` is the GZIP-compressed
//! bitstring, base64url without padding, with the multibase prefix `u`. Pure code.

use std::io::{Read, Write};

use base64::Engine;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;

/// Entries per list: 131,072 bits (16 KiB), the minimum the specification asks for
/// herd privacy.
pub const LIST_SIZE: usize = 131_072;
/// Largest decompressed list accepted from others (a zip bomb stops here).
pub const MAX_DECODED_BYTES: usize = 16 << 20;

/// A status bitstring.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitstring(Vec<u8>);

impl std::fmt::Debug for Bitstring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bitstring({} bits, {} set)", self.len(), self.count_set())
    }
}

/// Decoding failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BitstringError {
    /// Not `u` + base64url.
    #[error("encodedList is not multibase base64url ('u' prefix): {0}")]
    Encoding(String),
    /// Not GZIP, or too large.
    #[error("encodedList does not decompress: {0}")]
    Compression(String),
    /// Index beyond the list.
    #[error("status index {index} is outside the list of {len} entries")]
    OutOfRange {
        /// Index asked.
        index: usize,
        /// List length in bits.
        len: usize,
    },
}

impl Bitstring {
    /// An all-zero list of `bits` entries (rounded up to whole bytes).
    pub fn zeroed(bits: usize) -> Self {
        Self(vec![0; bits.div_ceil(8)])
    }

    /// From raw bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len() * 8
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of set bits.
    pub fn count_set(&self) -> usize {
        self.0.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The bit at `index`.
    pub fn get(&self, index: usize) -> Result<bool, BitstringError> {
        let byte = self.0.get(index / 8).ok_or(BitstringError::OutOfRange { index, len: self.len() })?;
        Ok(byte & (0x80 >> (index % 8)) != 0)
    }

    /// Sets or clears the bit at `index`.
    pub fn set(&mut self, index: usize, value: bool) -> Result<(), BitstringError> {
        let len = self.len();
        let byte = self.0.get_mut(index / 8).ok_or(BitstringError::OutOfRange { index, len })?;
        let mask = 0x80 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        Ok(())
    }

    /// `u` + base64url(GZIP(bits)).
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = gz.write_all(&self.0);
        let compressed = gz.finish().unwrap_or_default();
        format!("u{}", BASE64_URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Decodes an `encodedList` (a missing `u` prefix is tolerated, as some issuers omit it).
    pub fn decode(encoded: &str) -> Result<Self, BitstringError> {
        let b64 = encoded.strip_prefix('u').unwrap_or(encoded);
        let compressed = BASE64_URL_SAFE_NO_PAD
            .decode(b64.trim_end_matches('='))
            .map_err(|e| BitstringError::Encoding(e.to_string()))?;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(MAX_DECODED_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| BitstringError::Compression(e.to_string()))?;
        if out.len() > MAX_DECODED_BYTES {
            return Err(BitstringError::Compression(format!("larger than {MAX_DECODED_BYTES} bytes")));
        }
        Ok(Self(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_zero_is_the_most_significant_bit_of_the_first_byte() {
        let mut b = Bitstring::zeroed(16);
        b.set(0, true).expect("set");
        b.set(9, true).expect("set");
        assert_eq!(b.as_bytes(), &[0x80, 0x40]);
        assert!(b.get(0).expect("get") && b.get(9).expect("get") && !b.get(1).expect("get"));
        b.set(0, false).expect("clear");
        assert_eq!(b.as_bytes(), &[0x00, 0x40]);
        assert_eq!(b.get(16), Err(BitstringError::OutOfRange { index: 16, len: 16 }));
    }

    #[test]
    fn encoding_round_trips_and_a_full_empty_list_is_small() {
        let mut b = Bitstring::zeroed(LIST_SIZE);
        assert_eq!(b.len(), LIST_SIZE);
        let empty = b.encode();
        assert!(empty.starts_with('u') && empty.len() < 100, "{}", empty.len());
        for i in [0, 7, 8, 1000, LIST_SIZE - 1] {
            b.set(i, true).expect("set");
        }
        let back = Bitstring::decode(&b.encode()).expect("decode");
        assert_eq!(back, b);
        assert_eq!(back.count_set(), 5);
    }

    #[test]
    fn garbage_and_zip_bombs_are_refused() {
        assert!(matches!(Bitstring::decode("u!!!"), Err(BitstringError::Encoding(_))));
        assert!(matches!(Bitstring::decode("uAAAA"), Err(BitstringError::Compression(_))));
        let bomb = Bitstring::zeroed((MAX_DECODED_BYTES + 1024) * 8).encode();
        assert!(matches!(Bitstring::decode(&bomb), Err(BitstringError::Compression(_))));
    }

    /// A list made by the W3C spec's example algorithm: 131,072 zero bits, GZIP, base64url.
    #[test]
    fn the_specification_example_of_an_empty_list_decodes() {
        let spec_example = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";
        let b = Bitstring::decode(spec_example).expect("decode");
        assert_eq!(b.len(), LIST_SIZE);
        assert_eq!(b.count_set(), 0);
    }
}
