//! PNG baking: chunks are read and written as the PNG specification lays them out
//! (length, type, data, CRC-32; <https://www.w3.org/TR/png-3/#5Chunk-layout>), so the
//! image's own chunks are kept byte for byte. The `png` crate decodes images but has no
//! API to edit chunks in place, hence this small walker.

use std::io::Read;

use super::{BakeError, MAX_CREDENTIAL_BYTES, PNG_KEYWORD, Payload};

/// The PNG file signature.
pub(super) const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// One chunk: its type and data, and where it lies in the file.
struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    whole: &'a [u8],
}

/// Every chunk of a PNG, CRCs checked, up to and including `IEND`.
fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, BakeError> {
    let bad = |m: &str| BakeError::MalformedPng(m.to_owned());
    let mut rest = png.strip_prefix(SIGNATURE).ok_or_else(|| bad("no PNG signature"))?;
    let mut out = Vec::new();
    loop {
        if rest.len() < 12 {
            return Err(bad("truncated chunk (no IEND)"));
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > rest.len() - 12 {
            return Err(bad("chunk longer than the file"));
        }
        let kind = [rest[4], rest[5], rest[6], rest[7]];
        let data = &rest[8..8 + len];
        let crc = u32::from_be_bytes([rest[8 + len], rest[9 + len], rest[10 + len], rest[11 + len]]);
        if crc32fast::hash(&rest[4..8 + len]) != crc {
            return Err(bad(&format!("CRC mismatch in chunk {}", String::from_utf8_lossy(&kind))));
        }
        out.push(Chunk { kind, data, whole: &rest[..12 + len] });
        rest = &rest[12 + len..];
        if &kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// The keyword and text of an `iTXt` chunk (inflating compressed text, bounded).
fn itxt(data: &[u8]) -> Option<(&[u8], Result<String, BakeError>)> {
    let nul = data.iter().position(|&b| b == 0)?;
    let (keyword, rest) = (&data[..nul], data.get(nul + 1..)?);
    let (&compressed, rest) = rest.split_first()?;
    let (_method, rest) = rest.split_first()?;
    let lang_end = rest.iter().position(|&b| b == 0)?;
    let rest = rest.get(lang_end + 1..)?;
    let tk_end = rest.iter().position(|&b| b == 0)?;
    let text = rest.get(tk_end + 1..)?;
    let text = if compressed == 0 {
        String::from_utf8(text.to_vec()).map_err(|_| BakeError::MalformedPng("iTXt text is not UTF-8".into()))
    } else {
        let mut out = Vec::new();
        let mut z = flate2::read::ZlibDecoder::new(text).take(MAX_CREDENTIAL_BYTES as u64 + 1);
        match z.read_to_end(&mut out) {
            Ok(_) if out.len() > MAX_CREDENTIAL_BYTES => Err(BakeError::TooLarge),
            Ok(_) => String::from_utf8(out).map_err(|_| BakeError::MalformedPng("iTXt text is not UTF-8".into())),
            Err(e) => Err(BakeError::MalformedPng(format!("compressed iTXt: {e}"))),
        }
    };
    Some((keyword, text))
}

fn is_credential_chunk(c: &Chunk<'_>) -> bool {
    &c.kind == b"iTXt" && itxt(c.data).is_some_and(|(k, _)| k == PNG_KEYWORD.as_bytes())
}

/// Writes one chunk.
fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// The PNG with the payload in one uncompressed `iTXt` chunk right after `IHDR`; any
/// earlier credential chunk is dropped.
pub(super) fn bake(png: &[u8], payload: &Payload) -> Result<Vec<u8>, BakeError> {
    let chunks = chunks(png)?;
    if chunks.first().is_none_or(|c| &c.kind != b"IHDR") {
        return Err(BakeError::MalformedPng("IHDR is not the first chunk".into()));
    }
    let text = payload.text().as_bytes();
    let mut data = Vec::with_capacity(PNG_KEYWORD.len() + 5 + text.len());
    data.extend_from_slice(PNG_KEYWORD.as_bytes());
    // NUL, compression flag 0 (uncompressed), method 0, empty language tag, NUL, empty
    // translated keyword, NUL.
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(text);
    let mut out = Vec::with_capacity(png.len() + data.len() + 12);
    out.extend_from_slice(SIGNATURE);
    for (i, c) in chunks.iter().enumerate() {
        if is_credential_chunk(c) {
            continue;
        }
        out.extend_from_slice(c.whole);
        if i == 0 {
            write_chunk(&mut out, b"iTXt", &data);
        }
    }
    Ok(out)
}

/// The text of the first `iTXt` chunk with the keyword `openbadgecredential`.
pub(super) fn unbake(png: &[u8]) -> Result<String, BakeError> {
    let chunks = chunks(png)?;
    let text = chunks
        .iter()
        .filter(|c| &c.kind == b"iTXt")
        .filter_map(|c| itxt(c.data))
        .find(|(k, _)| *k == PNG_KEYWORD.as_bytes())
        .map(|(_, t)| t)
        .ok_or(BakeError::NotBaked("no iTXt chunk with the keyword openbadgecredential"))??;
    if text.len() > MAX_CREDENTIAL_BYTES {
        return Err(BakeError::TooLarge);
    }
    Ok(text)
}

/// The chunk types of a PNG, in order (tests).
#[cfg(test)]
pub(super) fn chunks_for_tests(png: &[u8]) -> Vec<[u8; 4]> {
    chunks(png).map(|cs| cs.iter().map(|c| c.kind).collect()).unwrap_or_default()
}

/// The PNG with one more chunk after `IHDR` (tests).
#[cfg(test)]
pub(super) fn with_chunk_after_ihdr_for_tests(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    for (i, c) in chunks(png).unwrap_or_default().iter().enumerate() {
        out.extend_from_slice(c.whole);
        if i == 0 {
            write_chunk(&mut out, kind, data);
        }
    }
    out
}
