//! Revocation and suspension: the public status list credentials (cacheable, with
//! ETags) and the institution's status API with its audit log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::extract::{ApiQuery, Caller, JsonBody};
use crate::http::state::AppState;
use crate::service::status;
use crate::status::entry::Purpose;
use crate::store::{Selector, StatusAction};

/// `GET /issuers/{slug}/status/{purpose}/{list_no}`: the signed status list credential.
pub async fn get_status_list(
    State(state): State<AppState>,
    Path((slug, purpose, list_no)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let purpose = Purpose::parse(&purpose)
        .ok_or_else(|| ApiError::NotFound("status lists are 'revocation' or 'suspension'".into()))?;
    let list_no: i64 = list_no.parse().map_err(|_| ApiError::NotFound(format!("status list '{list_no}'")))?;
    let served = status::served_list(&state.services, &slug, purpose, list_no).await?;
    let ttl = state.services.settings.status.ttl_seconds;
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == served.etag || t.trim() == "*"));
    let mut res = if not_modified { StatusCode::NOT_MODIFIED.into_response() } else { served.body.into_response() };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vc+ld+json"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("public, max-age={ttl}"))
            .unwrap_or(HeaderValue::from_static("public, max-age=300")),
    );
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if let Ok(tag) = HeaderValue::from_str(&served.etag) {
        h.insert(header::ETAG, tag);
    }
    Ok(res)
}

fn reason(body: &Value) -> Result<Option<String>, ApiError> {
    match body.get("reason") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::BadRequest("'reason' must be a string".into())),
    }
}

async fn change_one(
    state: &AppState,
    caller: &Caller,
    public_id: String,
    body: &Value,
    action: StatusAction,
) -> Result<Json<Value>, ApiError> {
    let slug = caller.institution()?;
    if action != StatusAction::Reinstate && reason(body)?.is_none() {
        return Err(ApiError::BadRequest(format!("give a 'reason' to {}", action.as_str())));
    }
    let selector = Selector::Ids(vec![public_id.clone()]);
    status::change(&state.services, slug, selector, action, &caller.1, reason(body)?, false).await?;
    let row = state
        .services
        .store
        .get_credential(&public_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("credential '{public_id}'")))?;
    Ok(Json(json!({"public_id": row.public_id, "status": row.status, "status_changed_at": row.status_changed_at})))
}

/// `POST /api/v1/credentials/{public_id}/revoke` `{reason}`: final.
pub async fn revoke_credential(
    State(state): State<AppState>,
    caller: Caller,
    Path(public_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    change_one(&state, &caller, public_id, &body, StatusAction::Revoke).await
}

/// `POST /api/v1/credentials/{public_id}/suspend` `{reason}`.
pub async fn suspend_credential(
    State(state): State<AppState>,
    caller: Caller,
    Path(public_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    change_one(&state, &caller, public_id, &body, StatusAction::Suspend).await
}

/// `POST /api/v1/credentials/{public_id}/reinstate` `{reason?}`: only from suspended.
pub async fn reinstate_credential(
    State(state): State<AppState>,
    caller: Caller,
    Path(public_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    change_one(&state, &caller, public_id, &body, StatusAction::Reinstate).await
}

/// `POST /api/v1/revocations`: bulk revoke in one transaction, by
/// `{public_ids: [...]}` or `{achievement_id, issued_from?, issued_until?}`, with a `reason`.
pub async fn bulk_revoke(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let slug = caller.institution()?;
    let reason = reason(&body)?.ok_or_else(|| ApiError::BadRequest("give a 'reason' to revoke".into()))?;
    let selector = match (body.get("public_ids"), body.get("achievement_id")) {
        (Some(Value::Array(ids)), None) => {
            if ids.is_empty() || ids.len() > 100_000 {
                return Err(ApiError::BadRequest("public_ids must list 1 to 100000 credentials".into()));
            }
            let ids: Option<Vec<String>> = ids.iter().map(|v| v.as_str().map(str::to_owned)).collect();
            Selector::Ids(ids.ok_or_else(|| ApiError::BadRequest("public_ids must be strings".into()))?)
        }
        (None, Some(Value::String(id))) => {
            let date = |k: &str| -> Result<Option<String>, ApiError> {
                match body.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(d)) => {
                        let parsed = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                            .map_err(|_| ApiError::BadRequest(format!("{k} must be a date YYYY-MM-DD")))?;
                        let end = k == "issued_until";
                        Ok(Some(format!(
                            "{}T{}Z",
                            parsed.format("%Y-%m-%d"),
                            if end { "23:59:59" } else { "00:00:00" }
                        )))
                    }
                    Some(_) => Err(ApiError::BadRequest(format!("{k} must be a date YYYY-MM-DD"))),
                }
            };
            Selector::Achievement { id: id.clone(), from: date("issued_from")?, until: date("issued_until")? }
        }
        _ => {
            return Err(ApiError::BadRequest(
                "give either public_ids (a list) or achievement_id (with optional issued_from/issued_until)".into(),
            ));
        }
    };
    let out =
        status::change(&state.services, slug, selector, StatusAction::Revoke, &caller.1, Some(reason), true).await?;
    Ok(Json(json!({"revoked": out.changed.len(), "already_revoked": out.unchanged.len(), "public_ids": out.changed})))
}

/// Paging.
#[derive(Debug, Deserialize)]
pub struct Page {
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/audit-log`: the caller's status changes, newest first.
pub async fn list_audit_log(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Value>, ApiError> {
    let slug = caller.institution()?;
    let rows = status::audit(&state.services, slug, page.limit.unwrap_or(100), page.offset.unwrap_or(0)).await?;
    Ok(Json(json!({"items": rows})))
}
