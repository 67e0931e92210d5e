//! Extractors whose rejections are [`ApiError`]s: JSON bodies with size and media-type
//! checks, and the bearer API key.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde_json::Value;

use super::error::{ApiError, NUL_REFUSED};
use super::state::AppState;
use crate::service::apikeys::{Principal, authenticate};

/// A JSON body (`application/json` or any `+json` type).
#[derive(Debug)]
pub struct JsonBody(pub Value);

/// Reads the body within the configured limit.
pub async fn read_body(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    let limit = state.services.settings.server.max_body_bytes;
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(limit)
        } else {
            ApiError::BadRequest(format!("cannot read the request body: {}", rejection.body_text()))
        }
    })
}

/// The media type of a request, lower-cased, without parameters.
pub fn media_type(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
}

/// Whether a media type is JSON.
pub fn is_json(media: &str) -> bool {
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        match media_type(req.headers()) {
            Some(m) if is_json(&m) => {}
            Some(m) => {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "send JSON with Content-Type: application/json, not {m}"
                )));
            }
            None => {
                return Err(ApiError::UnsupportedMediaType("send JSON with Content-Type: application/json".into()));
            }
        }
        let bytes = read_body(req, state).await?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
        if let Some(at) = nul_at(&value) {
            return Err(ApiError::BadRequest(format!("{NUL_REFUSED}: at {at}")));
        }
        Ok(JsonBody(value))
    }
}

/// The JSON Pointer of the first string (value or key) holding a NUL character.
pub fn nul_at(value: &Value) -> Option<String> {
    fn escape(key: &str) -> String {
        key.replace('~', "~0").replace('/', "~1")
    }
    fn walk(v: &Value, at: &mut String) -> bool {
        match v {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                let found = walk(item, at);
                if !found {
                    at.truncate(len);
                }
                found
            }),
            Value::Object(map) => map.iter().any(|(k, item)| {
                let len = at.len();
                at.push('/');
                at.push_str(&escape(k));
                let found = k.contains('\0') || walk(item, at);
                if !found {
                    at.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut at = String::new();
    walk(value, &mut at).then(|| if at.is_empty() { "/".to_owned() } else { at })
}

/// Whether a URL's path or query holds an encoded NUL character (`%00`), which becomes
/// a NUL in the decoded path parameter or query value.
pub fn url_holds_nul(uri: &axum::http::Uri) -> bool {
    uri.path().contains("%00") || uri.query().is_some_and(|q| q.contains("%00"))
}

/// The authenticated caller and the id of its API key.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal, pub String);

impl Caller {
    /// The institution this key acts for; admin keys are refused here.
    pub fn institution(&self) -> Result<&str, ApiError> {
        match &self.0 {
            Principal::Institution(slug) => Ok(slug),
            Principal::Admin => Err(ApiError::Forbidden(
                "use an API key of the institution for this; admin keys manage institutions and keys".into(),
            )),
        }
    }

    /// Admin only.
    pub fn admin(&self) -> Result<(), ApiError> {
        match &self.0 {
            Principal::Admin => Ok(()),
            Principal::Institution(_) => Err(ApiError::Forbidden("this needs an admin API key".into())),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or(ApiError::Unauthorized)?;
        match authenticate(&state.services, token).await? {
            Some((p, id)) => Ok(Caller(p, id)),
            None => Err(ApiError::UnknownApiKey),
        }
    }
}

/// Query parameters; a malformed query is a 400 problem.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::BadRequest(format!("bad query parameters: {}", e.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nul_at_points_to_the_first_string_or_key_with_a_nul() {
        let cases = [
            (json!({"a": "ok", "b": ["x", "y\u{0}"]}), Some("/b/1"), "in an array item"),
            (json!({"a/b": {"c~d": "\u{0}"}}), Some("/a~1b/c~0d"), "keys escaped as JSON Pointer"),
            (json!({"k\u{0}": 1}), Some("/k\u{0}"), "in a key"),
            (json!("\u{0}"), Some("/"), "the whole body"),
            (json!({"a": ["x", {"b": 1}], "c": null, "d": "text with \\u0000 written out"}), None, "none"),
        ];
        for (value, want, why) in cases {
            assert_eq!(nul_at(&value).as_deref(), want, "{why}");
        }
    }

    #[test]
    fn an_encoded_nul_in_the_path_or_query_is_seen() {
        let cases = [
            ("/claim/%00", true),
            ("/claim/ab%00cd/qr.svg", true),
            ("/claim/abc?lang=%00", true),
            ("/claim/abc?lang=nl", false),
            ("/claim/%2500", false),
            ("/claim/%20", false),
        ];
        for (uri, nul) in cases {
            assert_eq!(url_holds_nul(&uri.parse().expect("uri")), nul, "{uri}");
        }
    }
}
