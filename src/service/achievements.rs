//! Microcredential definitions registered by an institution, to award by id.

use serde_json::Value;

use super::{ServiceError, Services};
use crate::domain::parse_definition;
use crate::store::AchievementRow;

/// Validates and stores a definition (`{"microcredential": {...}}`) for an institution.
pub async fn register(s: &Services, slug: &str, body: &Value) -> Result<AchievementRow, ServiceError> {
    let (definition, _) = parse_definition(body).map_err(ServiceError::Invalid)?;
    super::credentials::check_institution(s, slug, definition.institution.id).await?;
    let raw = body.get("microcredential").cloned().unwrap_or(Value::Null);
    let row = AchievementRow {
        id: format!("ach_{}", uuid::Uuid::new_v4().simple()),
        slug: slug.to_owned(),
        definition: serde_json::to_string(&raw).map_err(|e| ServiceError::Internal(e.to_string()))?,
        created_at: s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    s.store.insert_achievement(&row).await?;
    Ok(row)
}

/// One definition of an institution.
pub async fn get(s: &Services, slug: &str, id: &str) -> Result<AchievementRow, ServiceError> {
    s.store.get_achievement(slug, id).await?.ok_or_else(|| ServiceError::NotFound(format!("achievement '{id}'")))
}

/// A page of an institution's definitions, newest first.
pub async fn list(s: &Services, slug: &str, limit: i64, offset: i64) -> Result<Vec<AchievementRow>, ServiceError> {
    Ok(s.store.list_achievements(slug, limit.clamp(1, 500), offset.max(0)).await?)
}
