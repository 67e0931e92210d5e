//! QR codes of a credential's share URL (ISO/IEC 18004 via the `qrcode` crate): error
//! correction level M, the standard quiet zone of 4 modules, dark on white.

use image::{DynamicImage, ImageFormat, Luma};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use super::WebError;

/// Smallest side of the image, in pixels (quiet zone included).
pub const MIN_SIZE_PX: u32 = 256;
/// Smallest side of one module in the PNG, in pixels.
pub const MIN_MODULE_PX: u32 = 8;
/// Quiet zone around the code, in modules (the standard's minimum for QR codes).
pub const QUIET_ZONE_MODULES: u32 = 4;

fn code(url: &str) -> Result<QrCode, WebError> {
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(|e| WebError::Qr(e.to_string()))
}

/// Pixels per module so that the whole image is at least `MIN_SIZE_PX` wide and a
/// module at least `min_module` pixels.
fn module_px(code: &QrCode, min_module: u32) -> u32 {
    let modules = u32::try_from(code.width()).unwrap_or(u32::MAX / 2) + 2 * QUIET_ZONE_MODULES;
    MIN_SIZE_PX.div_ceil(modules.max(1)).max(min_module)
}

/// QR code of `url`, error correction M, quiet zone of 4 modules, at least 256x256 px.
pub fn svg(url: &str) -> Result<String, WebError> {
    let code = code(url)?;
    let px = module_px(&code, 1);
    Ok(code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(px, px)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// Same as PNG, modules at least 8 px, so a phone can scan it from a screen or paper.
pub fn png(url: &str) -> Result<Vec<u8>, WebError> {
    let code = code(url)?;
    let px = module_px(&code, MIN_MODULE_PX);
    let img = code.render::<Luma<u8>>().quiet_zone(true).module_dimensions(px, px).build();
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(img).write_to(&mut out, ImageFormat::Png).map_err(|e| WebError::Image(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_png(bytes: &[u8]) -> (u32, String) {
        let img = image::load_from_memory_with_format(bytes, ImageFormat::Png).expect("PNG decodes").into_luma8();
        let width = img.width();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the image");
        let (meta, content) = grids[0].decode().expect("QR decodes");
        // rqrr reports the ECC level as its 2-bit format code: M is 0.
        assert_eq!(meta.ecc_level, 0, "error correction M");
        (width, content)
    }

    #[test]
    fn png_decodes_back_to_the_url() {
        for url in [
            "https://badges.example.be/credentials/3f9c2a7e",
            "https://microcredentials.example.be/credentials/aZ09-_long-public-id-0123456789abcdefghijklmnopqrstuvwxyz?lang=nl",
        ] {
            let bytes = png(url).expect("png");
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
            let (width, content) = decode_png(&bytes);
            assert_eq!(content, url);
            assert!(width >= MIN_SIZE_PX, "{width}px");
            let code = code(url).expect("code");
            let modules = u32::try_from(code.width()).expect("width") + 2 * QUIET_ZONE_MODULES;
            assert_eq!(width % modules, 0);
            assert!(width / modules >= MIN_MODULE_PX);
        }
    }

    #[test]
    fn svg_is_an_svg_document_of_at_least_256_px() {
        let s = svg("https://badges.example.be/credentials/3f9c2a7e").expect("svg");
        assert!(s.starts_with("<?xml") || s.starts_with("<svg"));
        assert!(s.contains("<svg") && s.trim_end().ends_with("</svg>"));
        let width: u32 = s
            .split("width=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|w| w.parse().ok())
            .expect("width attribute");
        assert!(width >= MIN_SIZE_PX);
    }

    #[test]
    fn too_long_input_is_an_error_not_a_panic() {
        let long = "x".repeat(8000);
        assert!(matches!(svg(&long), Err(WebError::Qr(_))));
        assert!(matches!(png(&long), Err(WebError::Qr(_))));
    }
}
