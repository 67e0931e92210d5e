//! The harness: each test gets the app on port 0 with a fresh database (a SQLite file
//! in a temp dir, or a fresh PostgreSQL schema when TEST_DATABASE_URL is set), a fixed
//! clock, and typed helpers.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use microcred::app::Application;
use microcred::clock::{Clock, FixedClock};
use microcred::config::{Secret, Settings};
use microcred::service::Services;
use microcred::store::{PgStore, SqliteStore, Store};
use serde_json::Value;

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixtures' "today".
pub fn clock() -> FixedClock {
    FixedClock::at_date(NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"))
}

/// PostgreSQL URL for tests, if configured. Under CI it must be.
pub fn pg_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL").ok();
    if url.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the PostgreSQL tests: set TEST_DATABASE_URL");
        crate::skip::skip(
            "PostgreSQL store and API tests",
            "TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
        );
    }
    url
}

/// The backends to run a contract on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if pg_url().is_some() {
        v.push(Backend::Postgres);
    }
    v
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub services: Services,
    /// API key of the demo institution (may issue any record).
    pub demo_key: String,
    pub dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.pg_schema.take() {
            // Best effort: drop the test schema on a separate runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
                let _ = rt.block_on(PgStore::drop_schema(&url, &schema));
            })
            .join();
        }
    }
}

pub fn test_settings(dir: &std::path::Path) -> Settings {
    let mut s = Settings::default();
    s.server.port = 0;
    s.server.base_url = String::new();
    s.database.url = Secret::new(format!("sqlite://{}", dir.join("test.db").display()));
    s.keys.dir = dir.join("keys");
    s.keys.demo_key = root().join("keys-example/demo-issuer.jwk");
    // Tests issue with the demo institution beside the ones they create; the demo's
    // lifecycle tests (demo.rs) turn this off.
    s.demo.keep_issuing = true;
    s.log.filter = "warn".into();
    s
}

pub async fn spawn_app() -> TestApp {
    spawn_app_on(Backend::Sqlite).await
}

pub async fn spawn_app_on(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

/// The app on the wall clock (protocols whose peers stamp real time, such as OpenID4VCI proofs).
pub async fn spawn_app_on_wall_clock(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_inner(Backend::Sqlite, configure, Arc::new(microcred::clock::SystemClock)).await
}

pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_inner(backend, configure, Arc::new(clock())).await
}

async fn spawn_inner(backend: Backend, configure: impl FnOnce(&mut Settings), clock: Arc<dyn Clock>) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        microcred::telemetry::init(&microcred::config::LogSettings { filter: "debug".into(), json: false });
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut settings = test_settings(dir.path());
    configure(&mut settings);
    let (app, pg_schema) = match backend {
        Backend::Sqlite => (Application::build(settings, clock).await.expect("build app"), None),
        Backend::Postgres => {
            let url = pg_url().expect("TEST_DATABASE_URL");
            let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
            let store: Arc<dyn Store> = Arc::new(PgStore::connect(&url, Some(&schema)).await.expect("pg"));
            (Application::build_with_store(settings, store, clock).await.expect("build app"), Some((url, schema)))
        }
    };
    let address = app.services().settings.base_url().to_owned();
    let services = app.services().clone();
    tokio::spawn(app.run_until_stopped());
    let (_, demo_key) = microcred::service::apikeys::create(&services, Some("demo"), "test").await.expect("api key");
    TestApp {
        address,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        services,
        demo_key,
        dir,
        pg_schema,
    }
}

/// A store of the given backend, fresh, for contract tests.
pub async fn fresh_store(backend: Backend, dir: &std::path::Path) -> (Arc<dyn Store>, Option<(String, String)>) {
    match backend {
        Backend::Sqlite => {
            (Arc::new(SqliteStore::open(&dir.join("c.db").display().to_string()).await.expect("sqlite")), None)
        }
        Backend::Postgres => {
            let url = pg_url().expect("url");
            let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
            (Arc::new(PgStore::connect(&url, Some(&schema)).await.expect("pg")), Some((url, schema)))
        }
    }
}

impl TestApp {
    /// A contexts directory for the offline JS harness (`verify.mjs --contexts`): the
    /// shipped contexts, and our extension context under this deployment's URL as the
    /// service serves it there (the harness never fetches).
    pub async fn js_contexts(&self) -> String {
        let dir = self.dir.path().join("js-contexts");
        std::fs::create_dir_all(&dir).unwrap();
        let shipped = root().join("contexts");
        let index: serde_json::Map<String, Value> =
            serde_json::from_str(&std::fs::read_to_string(shipped.join("index.json")).unwrap()).unwrap();
        let mut out: serde_json::Map<String, Value> = index
            .into_iter()
            .map(|(url, file)| (url, Value::from(shipped.join(file.as_str().unwrap()).display().to_string())))
            .collect();
        let url = self.services.settings.extension_context_url();
        let served = self.client.get(&url).send().await.unwrap().text().await.unwrap();
        std::fs::write(dir.join("served-microcred-v1.jsonld"), served).unwrap();
        out.insert(url, Value::from(dir.join("served-microcred-v1.jsonld").display().to_string()));
        std::fs::write(dir.join("index.json"), Value::Object(out).to_string()).unwrap();
        dir.display().to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_json(&self, path: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        req.send().await.expect("request")
    }

    pub async fn issue(&self, key: &str, body: &Value) -> reqwest::Response {
        self.post_json("/api/v1/credentials", Some(key), body).await
    }

    /// Creates an institution and returns an API key for it.
    pub async fn institution(&self, slug: &str, institution_id: &str) -> String {
        let new = microcred::service::institutions::NewInstitution {
            slug: slug.into(),
            institution_id: Some(institution_id.into()),
            name: None,
            url: None,
            did_method: Default::default(),
        };
        self.services.directory.create(new, &clock()).await.expect("institution");
        microcred::service::apikeys::create(&self.services, Some(slug), "test").await.expect("key").1
    }

    /// A second service node on the same database, with its own process state (caches,
    /// directory), as two instances behind a load balancer are; returns its address.
    pub async fn second_node(&self) -> String {
        let mut settings = (*self.services.settings).clone();
        settings.server.port = 0;
        let store: Arc<dyn Store> = match &self.pg_schema {
            Some((url, schema)) => Arc::new(PgStore::connect(url, Some(schema)).await.expect("pg")),
            None => Arc::new(
                SqliteStore::open(&self.dir.path().join("test.db").display().to_string()).await.expect("sqlite"),
            ),
        };
        let app = Application::build_with_store(settings, store, Arc::new(clock())).await.expect("second node");
        let address = app.services().settings.base_url().to_owned();
        tokio::spawn(app.run_until_stopped());
        address
    }

    /// Pastes a credential into the `/verify` form in a language: status and HTML.
    pub async fn verify_page(&self, credential: &str, lang: &str) -> (u16, String) {
        let body: String =
            url::form_urlencoded::Serializer::new(String::new()).append_pair("credential", credential).finish();
        let r = self
            .client
            .post(self.url(&format!("/verify?lang={lang}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("verify page");
        (r.status().as_u16(), r.text().await.expect("html"))
    }

    /// Runs one SQL statement with text parameters on the app's database (tests arrange
    /// what the API cannot, such as backdating a record).
    pub async fn execute_sql(&self, sql: &str, args: &[&str]) -> u64 {
        match &self.pg_schema {
            Some((url, schema)) => {
                let options =
                    url.parse::<sqlx::postgres::PgConnectOptions>().unwrap().options([("search_path", schema)]);
                let pool = sqlx::PgPool::connect_with(options).await.unwrap();
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
                for a in args {
                    q = q.bind(*a);
                }
                q.execute(&pool).await.unwrap().rows_affected()
            }
            None => {
                let url = format!("sqlite://{}", self.dir.path().join("test.db").display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
                for a in args {
                    q = q.bind(*a);
                }
                q.execute(&pool).await.unwrap().rows_affected()
            }
        }
    }

    pub async fn admin_key(&self) -> String {
        microcred::service::apikeys::create(&self.services, None, "admin").await.expect("key").1
    }
}

pub fn shared_records(kind: &str) -> Option<Vec<Value>> {
    let path = root().join(format!("../shared/fixtures/microcredentials-{kind}.json"));
    if !path.exists() {
        crate::skip::skip("shared acceptance fixtures (../shared is absent)", "a checkout with ../shared beside it");
        return None;
    }
    Some(serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json"))
}

pub fn own_records(name: &str) -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(root().join("tests/fixtures").join(name)).expect("read"))
        .expect("json")
}

/// Own valid records plus the shared ones when present.
pub fn valid_records() -> Vec<Value> {
    let mut v = own_records("valid.json");
    v.extend(shared_records("valid").unwrap_or_default());
    v
}

pub fn invalid_records() -> Vec<Value> {
    let mut v = own_records("invalid.json");
    v.extend(shared_records("invalid").unwrap_or_default());
    v
}

/// Validates a response body against a component schema of the OpenAPI document.
pub fn conforms(doc: &Value, schema: &str, body: &Value) {
    let mut root = doc.clone();
    root["$ref"] = format!("#/components/schemas/{schema}").into();
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema".into();
    let v = jsonschema::validator_for(&root).expect("schema compiles");
    let errors: Vec<String> = v.iter_errors(body).map(|e| format!("{} {}", e.instance_path(), e)).collect();
    assert!(errors.is_empty(), "{schema}: {errors:?}");
}
