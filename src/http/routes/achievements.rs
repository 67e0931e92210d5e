//! `/api/v1/achievements`: microcredential definitions of the caller's institution.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::extract::{ApiQuery, Caller, JsonBody};
use crate::http::state::AppState;
use crate::service::achievements;
use crate::store::AchievementRow;

fn dto(row: &AchievementRow) -> Value {
    let definition: Value = serde_json::from_str(&row.definition).unwrap_or(Value::Null);
    json!({"id": row.id, "institution": row.slug, "created_at": row.created_at, "microcredential": definition})
}

/// `POST /api/v1/achievements`: validate and register a definition.
pub async fn create_achievement(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let slug = caller.institution()?;
    let row = achievements::register(&state.services, slug, &body).await?;
    Ok((StatusCode::CREATED, Json(dto(&row))))
}

/// Paging.
#[derive(Debug, Deserialize)]
pub struct Page {
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/achievements`.
pub async fn list_achievements(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Value>, ApiError> {
    let slug = caller.institution()?;
    let (limit, offset) = (page.limit.unwrap_or(100), page.offset.unwrap_or(0));
    let rows = achievements::list(&state.services, slug, limit, offset).await?;
    Ok(Json(
        json!({"items": rows.iter().map(dto).collect::<Vec<_>>(), "limit": limit.clamp(1, 500), "offset": offset.max(0)}),
    ))
}

/// `GET /api/v1/achievements/{id}`.
pub async fn get_achievement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let slug = caller.institution()?;
    Ok(Json(dto(&achievements::get(&state.services, slug, &id).await?)))
}
