//! Microcredential definitions registered by an institution, to award by id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{ServiceError, Services};
use crate::domain::parse_definition;
use crate::store::AchievementRow;

/// Validates and stores a definition (`{"microcredential": {...}}`) for an institution.
pub async fn register(s: &Services, slug: &str, body: &Value) -> Result<AchievementRow, ServiceError> {
    let (definition, _) = parse_definition(body).map_err(ServiceError::Invalid)?;
    super::issuer_check::check_institution(s, slug, definition.institution.id).await?;
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

/// A definition as stored, and its JSON parsed.
#[derive(Debug)]
pub struct Definition {
    /// The stored row.
    pub row: AchievementRow,
    /// `row.definition`, parsed.
    pub json: Value,
}

/// Definitions never change once registered, so the ones awarded are kept in memory
/// (bounded: emptied when full) instead of being read and parsed on every issuance.
#[derive(Debug, Default)]
pub struct DefinitionCache(Mutex<HashMap<(String, String), Arc<Definition>>>);

/// Definitions kept at most.
const CACHED: usize = 10_000;

/// One definition of an institution.
pub async fn get(s: &Services, slug: &str, id: &str) -> Result<AchievementRow, ServiceError> {
    Ok(definition(s, slug, id).await?.row.clone())
}

/// One definition of an institution, parsed, from memory when it was used before.
pub async fn definition(s: &Services, slug: &str, id: &str) -> Result<Arc<Definition>, ServiceError> {
    let key = (slug.to_owned(), id.to_owned());
    if let Some(d) = s.definitions.0.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(d);
    }
    let row = s
        .store
        .get_achievement(slug, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("achievement '{id}'")))?;
    let json = serde_json::from_str(&row.definition).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let d = Arc::new(Definition { row, json });
    if let Ok(mut m) = s.definitions.0.lock() {
        if m.len() >= CACHED {
            m.clear();
        }
        m.insert(key, d.clone());
    }
    Ok(d)
}

/// A page of an institution's definitions, newest first.
pub async fn list(s: &Services, slug: &str, limit: i64, offset: i64) -> Result<Vec<AchievementRow>, ServiceError> {
    Ok(s.store.list_achievements(slug, limit.clamp(1, 500), offset.max(0)).await?)
}
