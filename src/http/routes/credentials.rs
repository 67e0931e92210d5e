//! `/api/v1/credentials`: issue (idempotently) and read the caller's credentials.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::extract::{Caller, JsonBody, is_json, media_type};
use crate::http::state::AppState;
use crate::service::Services;
use crate::service::{batch, credentials};
use crate::store::CredentialRow;

/// The public links of a credential.
pub fn links(s: &Services, public_id: &str) -> Value {
    json!({
        "share_url": s.url(&format!("/credentials/{public_id}")),
        "json_url": s.url(&format!("/credentials/{public_id}/credential.json")),
        "jwt_url": s.url(&format!("/credentials/{public_id}/credential.jwt")),
        "qr_svg_url": s.url(&format!("/credentials/{public_id}/qr.svg")),
        "qr_png_url": s.url(&format!("/credentials/{public_id}/qr.png")),
        "badge_png_url": s.url(&format!("/credentials/{public_id}/badge.png")),
        "badge_svg_url": s.url(&format!("/credentials/{public_id}/badge.svg")),
    })
}

fn dto(s: &Services, row: &CredentialRow, format: &str) -> Value {
    let credential = if format == "jwt" {
        Value::String(row.jwt.clone())
    } else {
        serde_json::from_str(&row.ldp).unwrap_or(Value::Null)
    };
    let mut v = json!({
        "public_id": row.public_id,
        "credential_id": row.credential_id,
        "institution": row.slug,
        "achievement_id": row.achievement_id,
        "format": format,
        "issued_at": row.issued_at,
        "credential": credential,
    });
    if let (Value::Object(o), Value::Object(l)) = (&mut v, links(s, &row.public_id)) {
        o.extend(l);
    }
    v
}

/// `POST /api/v1/credentials`: issue from `{achievement_id, award}` or an inline record.
pub async fn issue_credential(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let slug = caller.institution()?;
    let key = idempotency_key(&headers)?;
    let out = credentials::issue(&state.services, slug, &body, key).await?;
    let mut v = dto(&state.services, &out.row, &out.row.format);
    v["warnings"] = out.warnings.warnings.iter().map(warning).collect();
    Ok(issued(v, &format!("/api/v1/credentials/{}", out.row.public_id), out.replayed))
}

/// The `Idempotency-Key` header, if sent.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|v| v.to_str().map_err(|_| ApiError::BadRequest("Idempotency-Key must be visible ASCII".into())))
        .transpose()
}

/// A warning as the API shows it.
fn warning(w: &crate::domain::report::Finding) -> Value {
    json!({"pointer": w.path, "detail": w.message, "rule": w.rule, "code": w.code})
}

/// The answer to an idempotent issuance: 201 with `Location`, or 200 and
/// `Idempotent-Replayed: true` when an earlier request with the same key produced it.
fn issued(body: Value, location: &str, replayed: bool) -> Response {
    let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
    let mut res = (status, Json(body)).into_response();
    if let Ok(l) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, l);
    }
    if replayed {
        res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res
}

/// `GET /api/v1/credentials/{public_id}`: one of the caller's credentials.
pub async fn get_credential(
    State(state): State<AppState>,
    caller: Caller,
    Path(public_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let slug = caller.institution()?;
    let row = credentials::get_own(&state.services, slug, &public_id).await?;
    Ok(Json(dto(&state.services, &row, &row.format)))
}

/// One credential of a batch answer.
#[derive(serde::Serialize)]
struct BatchItemDto<'a> {
    index: usize,
    public_id: &'a str,
    credential_id: &'a str,
    share_url: String,
    api_url: String,
}

/// A batch as the API shows it.
fn batch_dto(s: &Services, out: &batch::BatchOutcome) -> Value {
    let credentials: Vec<BatchItemDto> = out
        .items
        .iter()
        .map(|i| BatchItemDto {
            index: i.index,
            public_id: &i.public_id,
            credential_id: &i.credential_id,
            share_url: s.url(&format!("/credentials/{}", i.public_id)),
            api_url: s.url(&format!("/api/v1/credentials/{}", i.public_id)),
        })
        .collect();
    let warnings: Vec<Value> = out.warnings.iter().map(warning).collect();
    json!({
        "batch_id": out.id,
        "state": if out.committed { "committed" } else { "pending" },
        "committed_at": out.committed_at,
        "batch_url": s.url(&format!("/api/v1/batches/{}", out.id)),
        "count": credentials.len(),
        "format": out.format.as_str(),
        "achievement_id": out.achievement_id,
        "credentials": credentials,
        "warning_count": out.warning_count,
        "warnings": warnings,
    })
}

/// `POST /api/v1/credentials/batch`: many awards of one achievement
/// (`{achievement_id, awards: [...]}`) or inline records (`{records: [...]}`), all or
/// nothing. Answers 201 with the batch id and the public id and links of each credential,
/// in request order; with a repeated `Idempotency-Key`, 200 and the same batch.
///
/// The request waits for the process's batch slot *before* its body is read: concurrent
/// batch requests hold at most one body in memory, whatever their number.
pub async fn issue_batch(State(state): State<AppState>, caller: Caller, req: Request) -> Result<Response, ApiError> {
    let slug = caller.institution()?;
    match media_type(req.headers()) {
        Some(m) if is_json(&m) => {}
        _ => {
            return Err(ApiError::UnsupportedMediaType("send JSON with Content-Type: application/json".into()));
        }
    }
    let key = idempotency_key(req.headers())?.map(str::to_owned);
    let limit = state.services.settings.server.max_batch_bytes;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let s = &state.services;
    let permit = batch::admit(s).await?;
    // Read into one buffer sized from Content-Length: the body is held once, not as
    // chunks plus a contiguous copy.
    let mut buf = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    let mut body = req.into_body();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::BadRequest(format!("cannot read the request body: {e}")))?;
        if let Some(data) = frame.data_ref() {
            if buf.len() + data.len() > limit {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            buf.extend_from_slice(data);
        }
    }
    let body = axum::body::Bytes::from(buf);
    let out = batch::issue_batch(s, slug, body, key.as_deref(), permit).await?;
    Ok(issued(batch_dto(s, &out), &format!("/api/v1/batches/{}", out.id), out.replayed))
}

/// `GET /api/v1/batches/{id}`: a batch of the caller's institution and its credentials
/// (none while it is still `pending`).
pub async fn get_batch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let slug = caller.institution()?;
    let out = batch::lookup(&state.services, slug, &id).await?;
    Ok(Json(batch_dto(&state.services, &out)))
}
