//! The service process: bind first (so port 0 works), then serve until SIGTERM or
//! Ctrl-C, finishing requests in flight.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::Settings;
use crate::http::{router, state::AppState};
use crate::service::{ServiceError, Services};

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
}

/// Startup failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Binding the address failed.
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    /// The TLS certificate or key cannot be used.
    #[error(transparent)]
    Tls(#[from] crate::http::tls::TlsError),
    /// Store, keys or institutions could not be prepared.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl Application {
    /// Binds, then connects the database (running migrations) and prepares the
    /// institutions. An empty `server.base_url` becomes
    /// [`crate::config::ServerSettings::derived_base_url`] of the bound port.
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let tls = tls_config(&settings)?;
        let (listener, settings) = bind(settings).await?;
        let services = Services::start(settings, clock).await?;
        startup_sweep(&services).await;
        Ok(Self { listener, state: AppState::new(services), tls })
    }

    /// [`Application::build`] with an already connected store (tests use a fresh
    /// PostgreSQL schema this way).
    pub async fn build_with_store(
        settings: Settings,
        store: Arc<dyn crate::store::Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let tls = tls_config(&settings)?;
        let (listener, settings) = bind(settings).await?;
        let services = Services::with_store(settings, store, clock).await?;
        startup_sweep(&services).await;
        Ok(Self { listener, state: AppState::new(services), tls })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    /// The bound address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// The services (tests use them to arrange data).
    pub fn services(&self) -> &Services {
        &self.state.services
    }

    /// Whether it serves HTTPS (`server.tls_cert` and `server.tls_key`).
    pub fn is_https(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until SIGTERM/Ctrl-C, with the janitor on its schedule; HTTPS only when
    /// a certificate is configured.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let janitor = crate::service::janitor::spawn(self.state.services.clone());
        let _stop_janitor = crate::service::batch::AbortOnDrop(janitor);
        let app = router(self.state);
        match self.tls {
            Some(config) => {
                let listener = crate::http::tls::TlsListener::new(self.listener, config)?;
                axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await
            }
            None => axum::serve(self.listener, app).with_graceful_shutdown(shutdown_signal()).await,
        }
    }
}

/// The janitor's pass at start-up, before the first request: what a previous process
/// left unfinished goes (see [`crate::service::janitor::sweep`]).
async fn startup_sweep(services: &Services) {
    if let Err(e) = crate::service::janitor::sweep(services, true).await {
        tracing::warn!(error = %e, "janitor pass at start-up failed");
    }
}

/// The TLS configuration, read before anything else starts so that a bad certificate
/// stops the service at once.
fn tls_config(settings: &Settings) -> Result<Option<Arc<tokio_rustls::rustls::ServerConfig>>, StartError> {
    match (&settings.server.tls_cert, &settings.server.tls_key) {
        (Some(cert), Some(key)) => Ok(Some(crate::http::tls::server_config(cert, key)?)),
        _ => Ok(None),
    }
}

async fn bind(mut settings: Settings) -> Result<(TcpListener, Settings), StartError> {
    let addr = format!("{}:{}", settings.server.host, settings.server.port);
    let listener = TcpListener::bind(&addr).await.map_err(|e| StartError::Bind(addr.clone(), e))?;
    if settings.server.base_url.is_empty() {
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        settings.server.base_url = settings.server.derived_base_url(port);
    }
    Ok((listener, settings))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
