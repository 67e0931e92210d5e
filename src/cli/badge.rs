//! `microcred bake` and `microcred unbake`: a credential into a badge image and back
//! (Open Badges 3.0 "Baked Badge"; see [`crate::bake`]).

use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine;
use serde_json::Value;

use super::{exit, read_bytes};
use crate::bake::{self, ImageKind};

/// The credential JSON of a credential text: the JSON itself, or a VC-JWT's payload.
fn credential_json(text: &str) -> Result<Value> {
    let t = text.trim();
    if t.starts_with('{') {
        return serde_json::from_str(t).context("the credential is not valid JSON");
    }
    let payload = t.split('.').nth(1).context("the credential is neither JSON nor a JWT")?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).context("the JWT payload is not base64url")?;
    let mut v: Value = serde_json::from_slice(&bytes).context("the JWT payload is not JSON")?;
    // OB 3.0 VC-JWTs carry the credential as the payload itself; older ones under `vc`.
    Ok(match v.get_mut("vc") {
        Some(vc) if vc.is_object() => vc.take(),
        _ => v,
    })
}

/// `bake CREDENTIAL [--image IMG] --out OUT`.
pub(super) fn bake_cmd(credential: &Path, image: Option<&Path>, out: &Path) -> Result<u8> {
    let text = String::from_utf8(read_bytes(credential)?)
        .with_context(|| format!("{} is not UTF-8 text", credential.display()))?;
    let by_name = match out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("png") => Some(ImageKind::Png),
        Some("svg") => Some(ImageKind::Svg),
        _ => None,
    };
    let image = match image {
        Some(path) => read_bytes(path)?,
        None => {
            let c = credential_json(&text).with_context(|| format!("reading {}", credential.display()))?;
            let svg = crate::web::badge::svg(&c)?;
            match by_name {
                Some(ImageKind::Png) => crate::web::badge::png_of_svg(&svg)?,
                Some(ImageKind::Svg) => svg.into_bytes(),
                None => anyhow::bail!("--out must end in .png or .svg (or give the image with --image)"),
            }
        }
    };
    let kind = ImageKind::sniff(&image).context("--image is neither a PNG nor an SVG image")?;
    if by_name.is_some_and(|k| k != kind) {
        anyhow::bail!("--out {} names another format than the image ({})", out.display(), kind.media_type());
    }
    let baked = bake::bake(&image, &text).map_err(|e| anyhow::anyhow!("cannot bake: {e}"))?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, &baked)?;
    tmp.persist(out).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("baked the credential into {} ({}, {} bytes)", out.display(), kind.media_type(), baked.len());
    Ok(exit::OK)
}

/// `unbake IMG`: prints the first baked credential.
pub(super) fn unbake_cmd(image: &Path) -> Result<u8> {
    let bytes = read_bytes(image)?;
    match bake::unbake(&bytes) {
        Ok(text) => {
            use std::io::Write;
            writeln!(std::io::stdout().lock(), "{text}").context("cannot write to stdout")?;
            Ok(exit::OK)
        }
        Err(e @ bake::BakeError::NotBaked(_)) => {
            eprintln!("error: {}: {e}", image.display());
            Ok(exit::INVALID)
        }
        Err(e) => anyhow::bail!("{}: {e}", image.display()),
    }
}
