//! Application state shared by all handlers.

use crate::service::Services;

/// Cheap to clone: everything inside is behind `Arc`.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Services,
}
