//! The one error type turned into HTTP responses: RFC 9457 `application/problem+json`
//! with a `type` URI per kind. 5xx bodies are generic; the cause is logged once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::domain::ValidationReport;
use crate::service::ServiceError;
use crate::store::StoreError;

/// Why text with a NUL character is refused (PostgreSQL cannot store it, and no
/// identifier or name of ours holds one).
pub const NUL_REFUSED: &str =
    "the request holds a NUL character (%00 or \\u0000); no identifier, name or other text may contain one";

/// The most findings a validation problem lists (the totals are always given).
pub const MAX_LISTED: usize = 100;

fn short(s: &str) -> String {
    if s.len() > 500 { format!("{}…", s.chars().take(500).collect::<String>()) } else { s.to_owned() }
}

/// Base of the problem type URIs.
pub const PROBLEM_BASE: &str = "https://w3id.org/microcred/problems/";

/// Every failure an HTTP caller can see.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiError {
    /// 422: the record breaks the rules (every violation listed).
    Validation(ValidationReport),
    /// 400: malformed request.
    BadRequest(String),
    /// 401: no API key (or not as a Bearer token).
    Unauthorized,
    /// 401: an API key was sent, but no active key has that value.
    UnknownApiKey,
    /// 403: the key may not do this.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409: conflicting state.
    Conflict(String),
    /// 413: body over the limit.
    PayloadTooLarge(usize),
    /// 415: wrong content type.
    UnsupportedMediaType(String),
    /// 406: no acceptable representation.
    NotAcceptable(String),
    /// 422: verifying the input would cost more than the verifier spends on one request.
    TooComplex(String),
    /// 503: the database is unreachable.
    Unavailable,
    /// 500: a bug; the detail is logged, never sent.
    Internal(String),
}

impl ApiError {
    /// Status, type slug and title.
    pub fn kind(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::Validation(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "validation", "The record is not a valid microcredential")
            }
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Malformed request"),
            Self::Unauthorized | Self::UnknownApiKey => {
                (StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required")
            }
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type")
            }
            Self::NotAcceptable(_) => (StatusCode::NOT_ACCEPTABLE, "not-acceptable", "Not acceptable"),
            Self::TooComplex(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "verification.too_complex", "The credential is too costly to verify")
            }
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal server error"),
        }
    }

    /// The problem document (without `instance`).
    pub fn body(&self) -> Value {
        let (status, slug, title) = self.kind();
        let detail = match self {
            Self::Validation(r) => {
                format!("{} rule violation(s); see errors. Fix them and send the request again.", r.errors.len())
            }
            Self::BadRequest(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::UnsupportedMediaType(d)
            | Self::NotAcceptable(d)
            | Self::TooComplex(d) => d.clone(),
            Self::Unauthorized => {
                "Send an API key as 'Authorization: Bearer <key>' (create one with `microcred apikeys create`).".into()
            }
            Self::UnknownApiKey => {
                "The API key sent is not known or was revoked: check that it was copied whole, or create a new one with `microcred apikeys create`.".into()
            }
            Self::PayloadTooLarge(n) => format!("The body is larger than {n} bytes; send smaller batches."),
            Self::Unavailable => "The database is not reachable; retry later.".into(),
            Self::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        };
        let mut body = json!({"type": format!("{PROBLEM_BASE}{slug}"), "title": title, "status": status.as_u16(), "detail": detail});
        if let Self::Validation(r) = self {
            // Bounded: the first MAX_LISTED findings and the totals, whatever the input.
            let list = |v: &[crate::domain::Finding]| -> Value {
                v.iter()
                    .take(MAX_LISTED)
                    .map(|e| json!({"pointer": e.path, "detail": short(&e.message), "rule": e.rule, "code": e.code}))
                    .collect()
            };
            body["errors"] = list(&r.errors);
            body["warnings"] = list(&r.warnings);
            body["errors_total"] = r.errors.len().into();
            body["warnings_total"] = r.warnings.len().into();
            if r.errors.len() > MAX_LISTED {
                body["detail"] = format!(
                    "{} rule violation(s); the first {MAX_LISTED} are listed in errors. Fix them and send the request again.",
                    r.errors.len()
                )
                .into();
            }
        }
        body
    }
}

/// Marks a response whose error cause must be logged by the logging middleware.
#[derive(Debug, Clone)]
pub struct LoggedCause(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _, _) = self.kind();
        let mut res = (status, self.body().to_string()).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if matches!(self, Self::Unauthorized) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if matches!(self, Self::UnknownApiKey) {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
        }
        if let Self::Internal(cause) = self {
            res.extensions_mut().insert(LoggedCause(cause));
        }
        res
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(r) => Self::Validation(r),
            ServiceError::BadRequest(d) => Self::BadRequest(d),
            ServiceError::Forbidden(d) => Self::Forbidden(d),
            ServiceError::NotFound(d) => Self::NotFound(format!("{d} not found")),
            ServiceError::Conflict(d) => Self::Conflict(d),
            ServiceError::Store(s) => s.into(),
            other => Self::Internal(format!("{other:#}")),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::Unavailable,
            StoreError::Conflict(d) => Self::Conflict(d),
            StoreError::NulInText(_) => Self::BadRequest(NUL_REFUSED.into()),
            other => Self::Internal(format!("{other}: {:?}", std::error::Error::source(&other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_status_and_type() {
        let cases = [
            (ApiError::Validation(ValidationReport::default()), 422, "validation"),
            (ApiError::BadRequest("x".into()), 400, "bad-request"),
            (ApiError::Unauthorized, 401, "unauthorized"),
            (ApiError::UnknownApiKey, 401, "unauthorized"),
            (ApiError::Forbidden("x".into()), 403, "forbidden"),
            (ApiError::NotFound("x".into()), 404, "not-found"),
            (ApiError::Conflict("x".into()), 409, "conflict"),
            (ApiError::PayloadTooLarge(1), 413, "payload-too-large"),
            (ApiError::UnsupportedMediaType("x".into()), 415, "unsupported-media-type"),
            (ApiError::NotAcceptable("x".into()), 406, "not-acceptable"),
            (ApiError::Unavailable, 503, "unavailable"),
            (ApiError::Internal("secret detail".into()), 500, "internal"),
        ];
        for (e, status, slug) in cases {
            let body = e.body();
            assert_eq!(body["status"], status);
            assert_eq!(body["type"], format!("{PROBLEM_BASE}{slug}"));
            assert!(!body.to_string().contains("secret detail"));
            let res = e.into_response();
            assert_eq!(res.status().as_u16(), status);
            assert_eq!(res.headers()[header::CONTENT_TYPE], "application/problem+json");
        }
    }
}
