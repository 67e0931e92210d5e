//! Application state shared by all handlers.

use std::sync::Arc;

use crate::service::Services;
use crate::service::status::ServiceStatusLists;

/// Cheap to clone: everything inside is behind `Arc`.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Services,
    /// Status lists for verification (ours from the store, others over HTTPS).
    pub status: Arc<ServiceStatusLists>,
}

impl AppState {
    /// State over services.
    pub fn new(services: Services) -> Self {
        let status = ServiceStatusLists::new(services.clone());
        Self { services, status }
    }
}
