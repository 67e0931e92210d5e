//! Our JSON-LD contexts and extension schema, served at the paths of their canonical
//! URLs (`https://w3id.org/microcred/…`), so the w3id redirect can point here, and so
//! credentials can name them under `server.context_base_url` (by default `base_url`).

use axum::http::header;
use axum::response::IntoResponse;

use crate::jsonld::contexts::{MICROCRED_V1_URL, TRUST_V1_URL, TRUST_V2_URL, get};

/// `GET /microcred/contexts/v1.jsonld`.
pub async fn get_context() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        get(MICROCRED_V1_URL).unwrap_or_default(),
    )
}

/// `GET /microcred/contexts/trust-v1.jsonld`: the context of our issuer trust lists.
pub async fn get_trust_context() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        get(TRUST_V1_URL).unwrap_or_default(),
    )
}

/// `GET /microcred/contexts/trust-v2.jsonld`: version 2 (per-entry validity), which new
/// trust lists name.
pub async fn get_trust_context_v2() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        get(TRUST_V2_URL).unwrap_or_default(),
    )
}

/// `GET /microcred/schemas/v1.json`.
pub async fn get_schema() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/schema+json"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        crate::schema::EXTENSION_SCHEMA,
    )
}

/// `GET /api/v1/openapi.json`.
pub async fn get_openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("../openapi.json"))
}
