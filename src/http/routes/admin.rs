//! Administration (admin API key): institutions, key rotation, API keys.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::crypto::did::DidMethod;
use crate::http::error::ApiError;
use crate::http::extract::{Caller, JsonBody};
use crate::http::state::AppState;
use crate::service::apikeys;
use crate::service::institutions::NewInstitution;
use crate::store::{ApiKeyRow, InstitutionRow};

async fn institution_dto(state: &AppState, row: &InstitutionRow) -> Result<Value, ApiError> {
    let did = state.services.directory.did_for(row).await?;
    // A did:key resolves from itself: there is no DID document of ours to publish.
    let did_document_url =
        (row.did_method == DidMethod::Web).then(|| state.services.url(&format!("/issuers/{}/did.json", row.slug)));
    Ok(json!({
        "slug": row.slug, "institution_id": row.institution_id, "name": row.name, "url": row.url,
        "did": did, "did_method": row.did_method, "created_at": row.created_at,
        "profile_url": state.services.url(&format!("/issuers/{}", row.slug)),
        "did_document_url": did_document_url,
    }))
}

fn text(body: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::BadRequest(format!("'{key}' must be a string"))),
    }
}

/// `POST /api/v1/institutions`: `{slug, institution_id, name?, url?, did_method?}`.
pub async fn create_institution(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.admin()?;
    let slug = text(&body, "slug")?.ok_or_else(|| ApiError::BadRequest("'slug' is required".into()))?;
    let institution_id = text(&body, "institution_id")?.ok_or_else(|| {
        ApiError::BadRequest("'institution_id' is required: one of the 18 Flemish institutions".into())
    })?;
    let did_method = match text(&body, "did_method")? {
        None => DidMethod::Web,
        Some(m) => m.parse::<DidMethod>().map_err(|e| {
            ApiError::BadRequest(format!(
                "{e}: \"web\" signs as did:web:{{host}}:issuers:{{slug}} (keys can be rotated), \"key\" as the \
                 did:key of its one key"
            ))
        })?,
    };
    let new = NewInstitution {
        slug,
        institution_id: Some(institution_id),
        name: text(&body, "name")?,
        url: text(&body, "url")?,
        did_method,
    };
    let row = state.services.directory.create(new, state.services.clock.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(institution_dto(&state, &row).await?)))
}

/// `GET /api/v1/institutions`.
pub async fn list_institutions(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.admin()?;
    let rows = state.services.store.list_institutions().await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(institution_dto(&state, row).await?);
    }
    Ok(Json(json!({ "items": items })))
}

/// `POST /api/v1/institutions/{slug}/keys/rotate`: a new signing key; old keys stay in the DID document.
pub async fn rotate_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.admin()?;
    let key = state.services.directory.rotate(&slug, state.services.clock.as_ref()).await?;
    let public: Value = serde_json::from_str(&key.public_jwk).unwrap_or(Value::Null);
    Ok((
        StatusCode::CREATED,
        Json(json!({"kid": key.kid, "status": key.status, "created_at": key.created_at, "public_key_jwk": public})),
    ))
}

/// `POST /api/v1/institutions/{slug}/keys/{key}/compromise` (admin): `{"since": RFC 3339,
/// "reason"?}`: signatures dated from `since` on fail verification.
pub async fn compromise_key(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, key)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    caller.admin()?;
    if let Some(k) = body.as_object().and_then(|o| o.keys().find(|k| !matches!(k.as_str(), "since" | "reason"))) {
        return Err(ApiError::BadRequest(format!(
            "unknown member '{}' (the body has since and reason)",
            k.chars().take(60).collect::<String>()
        )));
    }
    let since = text(&body, "since")?.ok_or_else(|| {
        ApiError::BadRequest("since is required: the RFC 3339 instant from which the key is compromised".into())
    })?;
    let since = chrono::DateTime::parse_from_rfc3339(&since)
        .map_err(|e| ApiError::BadRequest(format!("since is not an RFC 3339 date-time with a time zone: {e}")))?
        .with_timezone(&chrono::Utc);
    let reason = text(&body, "reason")?;
    let s = &state.services;
    let k = s.directory.mark_compromised(&slug, &key, since, &caller.1, reason.as_deref(), s.clock.as_ref()).await?;
    Ok(Json(
        json!({"kid": k.kid, "status": k.status, "retired_at": k.retired_at, "compromised_since": k.compromised_since}),
    ))
}

/// `GET /api/v1/institutions/{slug}/keys`: public keys and their status.
pub async fn list_keys(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.admin()?;
    let keys = state.services.store.list_keys(&slug).await?;
    let items: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({"kid": k.kid, "status": k.status, "created_at": k.created_at, "retired_at": k.retired_at,
                        "compromised_since": k.compromised_since,
                        "public_key_jwk": serde_json::from_str::<Value>(&k.public_jwk).unwrap_or(Value::Null)})
        })
        .collect();
    Ok(Json(json!({"items": items})))
}

/// `POST /api/v1/institutions/{slug}/api-keys`: a new API key for the institution, shown once.
pub async fn create_api_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.admin()?;
    let label = text(&body, "label")?.unwrap_or_else(|| "api".into());
    let (row, token) = apikeys::create(&state.services, Some(&slug), &label).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": row.id, "institution": row.slug, "label": row.label, "created_at": row.created_at, "api_key": token}),
        ),
    ))
}

/// What a listing shows of an API key: never the token or its hash.
fn api_key_dto(row: &ApiKeyRow) -> Value {
    json!({
        "id": row.id, "institution": row.slug, "label": row.label, "created_at": row.created_at,
        "status": if row.revoked_at.is_some() { "revoked" } else { "active" },
        "revoked_at": row.revoked_at, "revoked_by": row.revoked_by,
    })
}

/// `GET /api/v1/institutions/{slug}/api-keys`: the institution's API keys, revoked ones
/// included (tokens and their hashes are never shown).
pub async fn list_api_keys(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.admin()?;
    let rows = apikeys::list(&state.services, Some(&slug)).await?;
    Ok(Json(json!({"items": rows.iter().map(api_key_dto).collect::<Vec<_>>()})))
}

/// `DELETE /api/v1/institutions/{slug}/api-keys/{key_id}`: revokes the key at once (its
/// next request gets 401) and records who did it in the institution's audit log.
pub async fn revoke_api_key(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, key_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    caller.admin()?;
    let row = apikeys::revoke(&state.services, Some(&slug), &key_id, &caller.1, None).await?;
    Ok(Json(api_key_dto(&row)))
}
