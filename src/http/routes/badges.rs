//! Baked badge images of shared credentials (Open Badges 3.0 "Baked Badge"):
//! `GET /credentials/{public_id}/badge.png` and `/badge.svg`, the badge image made from
//! the credential's data with the credential baked in: its JSON (Data Integrity) by
//! default, the VC-JWT with `?format=jwt`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::bake::ImageKind;
use crate::http::error::ApiError;
use crate::http::extract::ApiQuery;
use crate::http::state::AppState;
use crate::service::credentials;

/// Which representation is baked in.
#[derive(Debug, Default, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BakedFormat {
    /// The JSON credential with its Data Integrity proof.
    #[default]
    #[serde(alias = "json")]
    Ldp,
    /// The compact VC-JWT.
    Jwt,
}

/// `?format=ldp|json|jwt`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BadgeQuery {
    #[serde(default)]
    format: BakedFormat,
}

/// `GET /credentials/{public_id}/badge.png`.
pub async fn get_badge_png(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    ApiQuery(q): ApiQuery<BadgeQuery>,
) -> Result<Response, ApiError> {
    baked(&state, &public_id, q.format, ImageKind::Png).await
}

/// `GET /credentials/{public_id}/badge.svg`.
pub async fn get_badge_svg(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    ApiQuery(q): ApiQuery<BadgeQuery>,
) -> Result<Response, ApiError> {
    baked(&state, &public_id, q.format, ImageKind::Svg).await
}

async fn baked(state: &AppState, public_id: &str, format: BakedFormat, kind: ImageKind) -> Result<Response, ApiError> {
    let row = credentials::get_public(&state.services, public_id).await?;
    let payload = match format {
        BakedFormat::Ldp => row.ldp.clone(),
        BakedFormat::Jwt => row.jwt.clone(),
    };
    let ldp = row.ldp;
    // Rendering a PNG is CPU-bound (tens of milliseconds): the CPU pool, not a worker.
    let bytes = crate::cpu::run(move |_| -> Result<Vec<u8>, String> {
        let credential: serde_json::Value = serde_json::from_str(&ldp).map_err(|e| e.to_string())?;
        let svg = crate::web::badge::svg(&credential).map_err(|e| e.to_string())?;
        let image = match kind {
            ImageKind::Png => crate::web::badge::png_of_svg(&svg).map_err(|e| e.to_string())?,
            ImageKind::Svg => svg.into_bytes(),
        };
        crate::bake::bake(&image, &payload).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("badge task failed: {e}")))?
    .map_err(|e| ApiError::Internal(format!("badge image: {e}")))?;
    let ext = if kind == ImageKind::Png { "png" } else { "svg" };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.media_type()));
    // A credential never changes once issued (its status is in the status list).
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if kind == ImageKind::Svg {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
        );
    }
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"microcredential-{public_id}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
