//! HTTPS served directly (rustls), for small deployments and tests: `server.tls_cert`
//! and `server.tls_key` (PEM files). A [`TlsListener`] does the TLS handshakes in tasks
//! of their own (a slow or silent client never holds up the others) and hands finished
//! connections to `axum::serve`, so graceful shutdown, the request gate and every layer
//! of the router are the same as over plain HTTP.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::server::TlsStream;

/// How long a client may take to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; further connections wait to be accepted.
const MAX_HANDSHAKES: usize = 256;

/// Why the certificate or key cannot be used; names the file and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file is missing or unreadable.
    #[error("cannot read {what} {path}: {err}; set server.{key} (MICROCRED_SERVER__{env}) to a readable PEM file")]
    Read {
        /// `certificate` or `private key`.
        what: &'static str,
        /// The configuration key.
        key: &'static str,
        /// The environment variable suffix.
        env: &'static str,
        /// The path.
        path: String,
        /// The error.
        err: std::io::Error,
    },
    /// A file holds no usable PEM item.
    #[error("{path} ({key}) holds no {what}: {why}")]
    Pem {
        /// The configuration key.
        key: &'static str,
        /// The path.
        path: String,
        /// What was looked for.
        what: &'static str,
        /// Why not.
        why: String,
    },
    /// rustls refused the pair (the key does not belong to the certificate, an
    /// unsupported key type…).
    #[error("server.tls_cert {cert} and server.tls_key {key} cannot be used together: {why}")]
    Pair {
        /// Certificate path.
        cert: String,
        /// Key path.
        key: String,
        /// Why.
        why: String,
    },
}

/// The rustls server configuration of a certificate chain and key file (HTTP/1.1 by
/// ALPN). Checks that the key belongs to the leaf certificate.
pub fn server_config(cert_path: &Path, key_path: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let read = |path: &Path, what, key, env| {
        std::fs::read(path).map_err(|err| TlsError::Read { what, key, env, path: path.display().to_string(), err })
    };
    let cert_pem = read(cert_path, "certificate", "tls_cert", "TLS_CERT")?;
    let key_pem = read(key_path, "private key", "tls_key", "TLS_KEY")?;
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&cert_pem).collect::<Result<_, _>>().map_err(|e| TlsError::Pem {
            key: "server.tls_cert",
            path: cert_path.display().to_string(),
            what: "certificate",
            why: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            key: "server.tls_cert",
            path: cert_path.display().to_string(),
            what: "certificate",
            why: "no '-----BEGIN CERTIFICATE-----' block found".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::Pem {
        key: "server.tls_key",
        path: key_path.display().to_string(),
        what: "private key",
        why: format!("{e} (expected a PKCS#8, PKCS#1 or SEC1 PEM block)"),
    })?;
    let pair = |why: String| TlsError::Pair {
        cert: cert_path.display().to_string(),
        key: key_path.display().to_string(),
        why,
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| pair(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            pair(match e {
                rustls::Error::InconsistentKeys(_) => "the private key does not belong to the certificate (the first certificate in the file must be the server's own, followed by its chain)".into(),
                other => other.to_string(),
            })
        })?;
    // HTTP/1.1 only: the server speaks no HTTP/2 (axum without its `http2` feature), so
    // offering `h2` would make browsers and curl choose a protocol it cannot serve.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TCP listener whose connections come out TLS-terminated. Dropping it (as
/// `axum::serve` does when graceful shutdown begins) stops accepting.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    _accept: crate::service::batch::AbortOnDrop,
}

impl std::fmt::Debug for TlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener").field("local", &self.local).finish_non_exhaustive()
    }
}

impl TlsListener {
    /// Starts accepting on `listener`.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        let accept = tokio::spawn(accept_loop(listener, acceptor, tx));
        Ok(Self { local, ready, _accept: crate::service::batch::AbortOnDrop(accept) })
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(permit) = handshakes.clone().acquire_owned().await else { return };
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (acceptor, ready) = (acceptor.clone(), ready.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop never ends while the listener lives.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
