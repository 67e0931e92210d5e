//! HTTPS served directly (`server.tls_cert`, `server.tls_key`): a throwaway CA and a
//! server certificate for localhost / 127.0.0.1 made with rcgen.

use std::path::{Path, PathBuf};

use microcred::app::Application;
use microcred::config::Settings;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

use crate::helpers::*;

/// PEM files of a test PKI.
pub struct TestPki {
    /// The CA certificate (trust it: `NODE_EXTRA_CA_CERTS`, reqwest root).
    pub ca: PathBuf,
    /// The server certificate chain (leaf, then CA).
    pub cert: PathBuf,
    /// The server key.
    pub key: PathBuf,
    /// A key that does not belong to `cert`.
    pub other_key: PathBuf,
}

/// A CA and a server certificate for `localhost` and `127.0.0.1`, written under `dir`.
pub fn test_pki(dir: &Path) -> TestPki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.distinguished_name.push(DnType::CommonName, "microcred test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca_params, &ca_key);

    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let cert = params.signed_by(&key, &issuer).unwrap();

    let pki = TestPki {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        other_key: dir.join("other.key"),
    };
    std::fs::write(&pki.ca, ca_cert.pem()).unwrap();
    std::fs::write(&pki.cert, format!("{}{}", cert.pem(), ca_cert.pem())).unwrap();
    std::fs::write(&pki.key, key.serialize_pem()).unwrap();
    std::fs::write(&pki.other_key, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    pki
}

/// A reqwest client trusting only the test CA.
pub fn client_trusting(ca: &Path) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(ca).unwrap()).unwrap();
    reqwest::Client::builder().tls_certs_only([ca]).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_certificate_the_service_speaks_https_only_on_its_port() {
    let dir = tempfile::tempdir().unwrap();
    let pki = test_pki(dir.path());
    let app = spawn_with(Backend::Sqlite, |s| {
        s.server.tls_cert = Some(pki.cert.clone());
        s.server.tls_key = Some(pki.key.clone());
    })
    .await;
    assert!(app.address.starts_with("https://localhost:"), "derived base URL: {}", app.address);
    let client = client_trusting(&pki.ca);
    let res = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // The API behind it as over plain HTTP (problem+json 404).
    let res = client.get(app.url("/api/v1/nothing")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // The DID document names the https base URL.
    let doc: serde_json::Value =
        client.get(app.url("/issuers/demo/did.json")).send().await.unwrap().json().await.unwrap();
    let port = app.address.rsplit(':').next().unwrap();
    assert_eq!(doc["id"], format!("did:web:localhost%3A{port}:issuers:demo"));

    // Plain HTTP on the same port gets no answer, and a client that does not trust
    // the CA cannot connect.
    let plain = app.address.replacen("https://", "http://", 1);
    assert!(reqwest::get(format!("{plain}/healthz")).await.is_err(), "plain HTTP must not be served");
    let untrusting = reqwest::Client::builder().tls_certs_only(Vec::<reqwest::Certificate>::new()).build().unwrap();
    assert!(untrusting.get(app.url("/healthz")).send().await.is_err());

    // A client that never finishes its handshake does not hold up the others.
    let addr = app.address.trim_start_matches("https://localhost:").parse::<u16>().unwrap();
    let _silent = tokio::net::TcpStream::connect(("127.0.0.1", addr)).await.unwrap();
    let res = tokio::time::timeout(std::time::Duration::from_secs(5), client.get(app.url("/healthz")).send())
        .await
        .expect("answered while another client stays silent")
        .unwrap();
    assert_eq!(res.status(), 200);
}

fn settings_with(dir: &Path, cert: Option<PathBuf>, key: Option<PathBuf>) -> Settings {
    let mut s = test_settings(dir);
    s.server.tls_cert = cert;
    s.server.tls_key = key;
    s
}

async fn start_error(settings: Settings) -> String {
    Application::build(settings, std::sync::Arc::new(clock())).await.expect_err("must not start").to_string()
}

#[tokio::test]
async fn a_missing_unreadable_or_mismatched_certificate_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let pki = test_pki(dir.path());
    let missing = dir.path().join("absent.pem");

    let e = start_error(settings_with(dir.path(), Some(missing.clone()), Some(pki.key.clone()))).await;
    assert!(
        e.contains("absent.pem") && e.contains("server.tls_cert") && e.contains("MICROCRED_SERVER__TLS_CERT"),
        "{e}"
    );

    let e = start_error(settings_with(dir.path(), Some(pki.cert.clone()), Some(missing))).await;
    assert!(e.contains("absent.pem") && e.contains("server.tls_key"), "{e}");

    // A key file given as the certificate, and a certificate given as the key.
    let e = start_error(settings_with(dir.path(), Some(pki.key.clone()), Some(pki.key.clone()))).await;
    assert!(e.contains("holds no certificate") && e.contains("server.key"), "{e}");
    let e = start_error(settings_with(dir.path(), Some(pki.cert.clone()), Some(pki.ca.clone()))).await;
    assert!(e.contains("holds no private key") && e.contains("ca.pem"), "{e}");

    // A key of another certificate.
    let e = start_error(settings_with(dir.path(), Some(pki.cert.clone()), Some(pki.other_key.clone()))).await;
    assert!(e.contains("cannot be used together") && e.contains("other.key") && e.contains("does not belong"), "{e}");

    // One without the other is a configuration error.
    let env = [("MICROCRED_SERVER__TLS_CERT".to_owned(), pki.cert.display().to_string())];
    let e = microcred::config::load_from(None, &env).expect_err("half a pair").to_string();
    assert!(e.contains("tls_cert") && e.contains("tls_key"), "{e}");
    let env = [
        ("MICROCRED_SERVER__TLS_CERT".to_owned(), pki.cert.display().to_string()),
        ("MICROCRED_SERVER__TLS_KEY".to_owned(), pki.key.display().to_string()),
    ];
    let s = microcred::config::load_from(None, &env).expect("both");
    assert_eq!(s.server.base_url, "https://localhost:8080", "the derived base URL follows the scheme");
}
