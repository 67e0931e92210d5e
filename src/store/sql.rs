//! The two SQL backends. The queries are portable (`$n` placeholders work in both), so
//! one body, instantiated per backend by a macro, serves SQLite and PostgreSQL; what
//! differs (connecting, how a write transaction starts, migrations) is per backend.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Row, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::*;

/// The condition (after `AND`) for credentials anyone may see: not part of a batch that
/// is still pending (or was never committed). A correlated `EXISTS`, so each row costs
/// one primary-key probe, however many batches there are.
macro_rules! visible {
    () => {
        " AND (credentials.batch_id IS NULL OR EXISTS (SELECT 1 FROM batches b WHERE b.id = credentials.batch_id AND b.state = 'committed'))"
    };
}

/// SQLite: one file, WAL journal, `synchronous=FULL` so a commit survives power loss.
/// New credentials go through a group commit (see `WriteJob`).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Option<mpsc::Sender<WriteJob>>,
}

/// PostgreSQL. New credentials go through a group commit (see `WriteJob`).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    writer: Option<mpsc::Sender<WriteJob>>,
}

/// Most credentials committed in one transaction.
const GROUP: usize = 128;

/// A credential waiting for the group commit. One writer task per store takes every
/// credential waiting (up to [`GROUP`]), inserts them in one transaction and answers each
/// caller after the commit: one fsync for many issuances, and no writers queueing on
/// SQLite's lock (whose busy handler sleeps). If the group fails, each is retried alone,
/// so one bad row cannot fail the others.
#[derive(Debug)]
pub struct WriteJob {
    row: CredentialRow,
    idem: Option<IdempotencyRow>,
    reply: oneshot::Sender<Result<InsertOutcome, StoreError>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations/postgres");

impl SqliteStore {
    /// Opens (creating the file and its directory if needed) and migrates.
    pub async fn open(path: &str) -> Result<Self, StoreError> {
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        }
        private_files(path).map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // A local file: no connection goes stale, so no ping before each use.
        let pool = SqlitePoolOptions::new().max_connections(8).test_before_acquire(false).connect_with(options).await?;
        SQLITE_MIGRATIONS.run(&pool).await.map_err(StoreError::Migrate)?;
        Ok(Self::with_writer(pool))
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        // IMMEDIATE takes the write lock up front, so concurrent writers wait (busy
        // timeout) instead of failing when a read transaction tries to upgrade.
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// The database holds learners' names: only its owner may read it. The file is created
/// (or tightened) to 0600 before SQLite opens it; SQLite gives its `-wal` and `-shm`
/// files the database file's mode, and existing ones are tightened too.
#[cfg(unix)]
fn private_files(path: &str) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if path.is_empty() || path.starts_with(':') || path.contains("mode=memory") {
        return Ok(());
    }
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    for file in [path.to_owned(), format!("{path}-wal"), format!("{path}-shm"), format!("{path}-journal")] {
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

/// File modes are a Unix notion; elsewhere the directory's access rules apply.
#[cfg(not(unix))]
fn private_files(_path: &str) -> std::io::Result<()> {
    Ok(())
}

impl PgStore {
    /// Connects and migrates. With `schema`, everything lives in that schema (created if
    /// missing): tests get a fresh one each.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(schema) = schema {
            let setup = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", schema.replace('"', ""))))
                .execute(&setup)
                .await?;
            setup.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        POSTGRES_MIGRATIONS.run(&pool).await.map_err(StoreError::Migrate)?;
        Ok(Self::with_writer(pool))
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Drops a test schema and everything in it.
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", schema.replace('"', ""))))
            .execute(&pool)
            .await?;
        pool.close().await;
        Ok(())
    }
}

fn institution<R: Row>(r: &R) -> Result<InstitutionRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(InstitutionRow {
        slug: r.try_get("slug")?,
        institution_id: r.try_get("institution_id")?,
        name: r.try_get("name")?,
        url: r.try_get("url")?,
        created_at: r.try_get("created_at")?,
        did_method: {
            let method: String = r.try_get("did_method")?;
            method
                .parse()
                .map_err(|e: String| sqlx::Error::ColumnDecode { index: "did_method".into(), source: e.into() })?
        },
    })
}

fn key<R: Row>(r: &R) -> Result<KeyRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(KeyRow {
        kid: r.try_get("kid")?,
        slug: r.try_get("slug")?,
        alg: r.try_get("alg")?,
        public_jwk: r.try_get("public_jwk")?,
        secret: r.try_get("secret")?,
        key_file: r.try_get("key_file")?,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        retired_at: r.try_get("retired_at")?,
        compromised_since: r.try_get("compromised_since")?,
    })
}

fn api_key<R: Row>(r: &R) -> Result<ApiKeyRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(ApiKeyRow {
        id: r.try_get("id")?,
        token_hash: r.try_get("token_hash")?,
        slug: r.try_get("slug")?,
        label: r.try_get("label")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
        revoked_by: r.try_get("revoked_by")?,
    })
}

fn achievement<R: Row>(r: &R) -> Result<AchievementRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AchievementRow {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        definition: r.try_get("definition")?,
        created_at: r.try_get("created_at")?,
    })
}

fn credential<R: Row>(r: &R) -> Result<CredentialRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(CredentialRow {
        public_id: r.try_get("public_id")?,
        credential_id: r.try_get("credential_id")?,
        slug: r.try_get("slug")?,
        achievement_id: r.try_get("achievement_id")?,
        format: r.try_get("format")?,
        ldp: r.try_get("ldp")?,
        jwt: r.try_get("jwt")?,
        issued_at: r.try_get("issued_at")?,
        status_list: r.try_get("status_list")?,
        status_index: r.try_get("status_index")?,
        suspendable: r.try_get("suspendable")?,
        status: r.try_get("status")?,
        status_changed_at: r.try_get("status_changed_at")?,
        status_reason: r.try_get("status_reason")?,
    })
}

fn status_list<R: Row>(r: &R) -> Result<StatusListRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(StatusListRow {
        slug: r.try_get("slug")?,
        list_no: r.try_get("list_no")?,
        purpose: r.try_get("purpose")?,
        bits: r.try_get("bits")?,
        version: r.try_get("version")?,
        signed: r.try_get("signed")?,
        signed_version: r.try_get("signed_version")?,
        signed_until: r.try_get("signed_until")?,
    })
}

fn audit<R: Row>(r: &R) -> Result<AuditRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AuditRow {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        public_id: r.try_get("public_id")?,
        reason: r.try_get("reason")?,
        at: r.try_get("at")?,
    })
}

fn offer<R: Row>(r: &R) -> Result<OfferRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(OfferRow {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        achievement_id: r.try_get("achievement_id")?,
        record: r.try_get("record")?,
        configuration_id: r.try_get("configuration_id")?,
        pre_auth_code: r.try_get("pre_auth_code")?,
        tx_code_hash: r.try_get("tx_code_hash")?,
        tx_attempts: r.try_get("tx_attempts")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        code_used_at: r.try_get("code_used_at")?,
        token_hash: r.try_get("token_hash")?,
        token_expires_at: r.try_get("token_expires_at")?,
        public_id: r.try_get("public_id")?,
    })
}

/// `(public_id, status, status_list, status_index, suspendable)` of a credential row.
type StatusRow = (String, String, Option<i64>, Option<i64>, bool);

fn status_row<R: Row>(r: &R) -> Result<StatusRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok((
        r.try_get("public_id")?,
        r.try_get("status")?,
        r.try_get("status_list")?,
        r.try_get("status_index")?,
        r.try_get("suspendable")?,
    ))
}

/// `$first, $first+1, …` for `n` parameters.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Rows per statement in bulk operations (well below every bind limit).
const CHUNK: usize = 500;

/// A transition: the new status, and the `(purpose, value)` bits it sets.
type Transition = (&'static str, Vec<(&'static str, bool)>);

/// The new status and the list bits a transition sets, or why it is not allowed.
fn transition(
    action: StatusAction,
    status: &str,
    suspendable: bool,
    has_entry: bool,
) -> Result<Option<Transition>, String> {
    match (action, status) {
        (StatusAction::Revoke, "revoked") => Ok(None),
        // Marking it revoked here would change nothing a verifier can see.
        (StatusAction::Revoke, _) if !has_entry => Err(
            "it has no status entry of this service (issued with options.credentialStatus false, or with a caller-supplied credentialStatus), so no verifier could learn of a revocation; nothing was changed".into(),
        ),
        (StatusAction::Revoke, _) => Ok(Some((
            "revoked",
            if suspendable { vec![("revocation", true), ("suspension", false)] } else { vec![("revocation", true)] },
        ))),
        (StatusAction::Suspend, "suspended") => Ok(None),
        (StatusAction::Suspend, "revoked") => Err("it is revoked, and revocation is final".into()),
        (StatusAction::Suspend, _) if !suspendable => {
            Err("it was issued without a suspension status entry (enable status.suspension for new credentials)".into())
        }
        (StatusAction::Suspend, _) => Ok(Some(("suspended", vec![("suspension", true)]))),
        (StatusAction::Reinstate, "suspended") => Ok(Some(("active", vec![("suspension", false)]))),
        (StatusAction::Reinstate, "active") => Ok(None),
        (StatusAction::Reinstate, _) => {
            Err("only a suspended credential can be reinstated; revocation is final".into())
        }
    }
}

fn batch<R: Row>(r: &R) -> Result<BatchRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let state: String = r.try_get("state")?;
    Ok(BatchRow {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        committed: state == "committed",
        format: r.try_get("format")?,
        achievement_id: r.try_get("achievement_id")?,
        item_count: r.try_get("item_count")?,
        warning_count: r.try_get("warning_count")?,
        idem_key: r.try_get("idem_key")?,
        request_hash: r.try_get("request_hash")?,
        created_at: r.try_get("created_at")?,
        committed_at: r.try_get("committed_at")?,
    })
}

fn idempotency<R: Row>(r: &R) -> Result<IdempotencyRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(IdempotencyRow {
        slug: r.try_get("slug")?,
        key: r.try_get("idem_key")?,
        request_hash: r.try_get("request_hash")?,
        public_id: r.try_get("public_id")?,
        created_at: r.try_get("created_at")?,
    })
}

macro_rules! store_impl {
    // `$lock` ends a SELECT that reads rows the transaction will rewrite: `FOR UPDATE`
    // on PostgreSQL, whose transactions otherwise read a snapshot that a concurrent
    // writer can change before the rewrite (lost updates); empty on SQLite, where
    // `BEGIN IMMEDIATE` already serialises writers.
    //
    // `$open_lock` ends the SELECT of an institution's row that serialises opening its next
    // status list: `FOR NO KEY UPDATE`, which does not wait for the key-share locks that
    // inserting its credentials takes.
    //
    // `$shared`: whether several processes may use the database at once.
    ($store:ty, $pool:ty, $db:ty, $lock:literal, $open_lock:literal, $shared:literal) => {
        impl $store {
            fn with_writer(pool: $pool) -> Self {
                let (tx, rx) = mpsc::channel(4 * GROUP);
                let direct = Self { pool: pool.clone(), writer: None };
                tokio::spawn(direct.group_commit(rx));
                Self { pool, writer: Some(tx) }
            }

            async fn group_commit(self, mut rx: mpsc::Receiver<WriteJob>) {
                let mut jobs = Vec::with_capacity(GROUP);
                while rx.recv_many(&mut jobs, GROUP).await > 0 {
                    let started = std::time::Instant::now();
                    let result = self.insert_group(&jobs).await;
                    tracing::debug!(size = jobs.len(), micros = started.elapsed().as_micros() as u64, ok = result.is_ok(), "group commit");
                    match result {
                        Ok(outcomes) => {
                            for (job, outcome) in jobs.drain(..).zip(outcomes) {
                                let _ = job.reply.send(Ok(outcome));
                            }
                        }
                        Err(_) => {
                            for job in jobs.drain(..) {
                                let outcome = self.insert_one(&job.row, job.idem.as_ref()).await;
                                let _ = job.reply.send(outcome);
                            }
                        }
                    }
                }
            }

            /// Many rows, in multi-row INSERT statements (one round trip per 64 rows). With
            /// `batch`, the rows belong to that batch, `rows[0]` at the given batch index.
            async fn insert_rows(tx: &mut sqlx::Transaction<'static, $db>, rows: &[&CredentialRow], batch: Option<(&str, i64)>) -> Result<(), StoreError> {
                for (chunk_no, chunk) in rows.chunks(64).enumerate() {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO credentials (public_id, credential_id, slug, achievement_id, format, ldp, jwt, issued_at, \
                         status_list, status_index, suspendable, status, status_changed_at, status_reason, batch_id, batch_index) ",
                    );
                    q.push_values(chunk.iter().enumerate(), |mut b, (i, row)| {
                        b.push_bind(&row.public_id)
                            .push_bind(&row.credential_id)
                            .push_bind(&row.slug)
                            .push_bind(&row.achievement_id)
                            .push_bind(&row.format)
                            .push_bind(&row.ldp)
                            .push_bind(&row.jwt)
                            .push_bind(&row.issued_at)
                            .push_bind(row.status_list)
                            .push_bind(row.status_index)
                            .push_bind(row.suspendable)
                            .push_bind(&row.status)
                            .push_bind(&row.status_changed_at)
                            .push_bind(&row.status_reason)
                            .push_bind(batch.map(|(id, _)| id.to_owned()))
                            .push_bind(batch.map(|(_, first)| first + (chunk_no * 64 + i) as i64));
                    });
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// The earlier request holding `i`'s idempotency key, seen inside the transaction.
            async fn key_taken(tx: &mut sqlx::Transaction<'static, $db>, i: &IdempotencyRow) -> Result<Option<IdempotencyRow>, StoreError> {
                let taken = sqlx::query("SELECT * FROM idempotency_keys WHERE slug = $1 AND idem_key = $2")
                    .bind(&i.slug)
                    .bind(&i.key)
                    .fetch_optional(&mut **tx)
                    .await?;
                Ok(taken.as_ref().map(idempotency).transpose()?)
            }

            /// Records an idempotency key; 0 when another request holds it.
            async fn insert_idempotency(tx: &mut sqlx::Transaction<'static, $db>, i: &IdempotencyRow) -> Result<u64, StoreError> {
                let r = sqlx::query(
                    "INSERT INTO idempotency_keys (slug, idem_key, request_hash, public_id, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (slug, idem_key) DO NOTHING",
                )
                .bind(&i.slug)
                .bind(&i.key)
                .bind(&i.request_hash)
                .bind(&i.public_id)
                .bind(&i.created_at)
                .execute(&mut **tx)
                .await?;
                Ok(r.rows_affected())
            }

            /// One credential in its own transaction (the path without a writer, and the
            /// retry when a group failed).
            async fn insert_one(&self, row: &CredentialRow, idem: Option<&IdempotencyRow>) -> Result<InsertOutcome, StoreError> {
                let mut tx = self.begin_write().await?;
                if let Some(i) = idem
                    && let Some(t) = Self::key_taken(&mut tx, i).await?
                {
                    return Ok(InsertOutcome::KeyTaken(t));
                }
                Self::insert_rows(&mut tx, &[row], None).await?;
                if let Some(i) = idem
                    && Self::insert_idempotency(&mut tx, i).await? == 0
                {
                    // A concurrent request won the key: undo ours, report theirs.
                    tx.rollback().await?;
                    let theirs = self.find_idempotency(&i.slug, &i.key).await?;
                    return theirs.map(InsertOutcome::KeyTaken).ok_or_else(|| StoreError::Conflict("idempotency key".into()));
                }
                tx.commit().await?;
                Ok(InsertOutcome::Inserted)
            }

            /// Every job in one transaction (idempotency keys checked inside it).
            async fn insert_group(&self, jobs: &[WriteJob]) -> Result<Vec<InsertOutcome>, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut outcomes = Vec::with_capacity(jobs.len());
                let plain: Vec<&CredentialRow> = jobs.iter().filter(|j| j.idem.is_none()).map(|j| &j.row).collect();
                Self::insert_rows(&mut tx, &plain, None).await?;
                for job in jobs {
                    if job.idem.is_none() {
                        outcomes.push(InsertOutcome::Inserted);
                        continue;
                    }
                    if let Some(i) = &job.idem
                        && let Some(t) = Self::key_taken(&mut tx, i).await?
                    {
                        outcomes.push(InsertOutcome::KeyTaken(t));
                        continue;
                    }
                    Self::insert_rows(&mut tx, &[&job.row], None).await?;
                    if let Some(i) = &job.idem {
                        let inserted = Self::insert_idempotency(&mut tx, i).await?;
                        if inserted == 0 {
                            // Another node won the key meanwhile: let the single path sort it out.
                            return Err(StoreError::Conflict("idempotency key".into()));
                        }
                    }
                    outcomes.push(InsertOutcome::Inserted);
                }
                tx.commit().await?;
                Ok(outcomes)
            }

            /// Removes a pending batch and its credentials in one transaction if its
            /// heartbeat is older than `heartbeat_before` (checked under the write lock: a
            /// heartbeat may arrive at any moment); the number of credentials removed.
            async fn remove_if_stale(&self, batch_id: &str, heartbeat_before: &str) -> Result<Option<u64>, StoreError> {
                let mut tx = self.begin_write().await?;
                let stale = sqlx::query(concat!("SELECT id FROM batches WHERE id = $1 AND state = 'pending' AND heartbeat_at < $2", $lock))
                    .bind(batch_id)
                    .bind(heartbeat_before)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                let removed = if stale { Some(Self::remove_pending_batch(&mut tx, batch_id).await?) } else { None };
                tx.commit().await?;
                Ok(removed)
            }

            /// Deletes a pending batch's credentials and the batch (inside `tx`); the number of credentials.
            async fn remove_pending_batch(tx: &mut sqlx::Transaction<'static, $db>, batch_id: &str) -> Result<u64, StoreError> {
                let pending = sqlx::query("SELECT id FROM batches WHERE id = $1 AND state = 'pending'").bind(batch_id).fetch_optional(&mut **tx).await?;
                if pending.is_none() {
                    return Ok(0);
                }
                let gone = sqlx::query("DELETE FROM credentials WHERE batch_id = $1").bind(batch_id).execute(&mut **tx).await?.rows_affected();
                sqlx::query("DELETE FROM batches WHERE id = $1").bind(batch_id).execute(&mut **tx).await?;
                Ok(gone)
            }

        }

        #[async_trait]
        impl Store for $store {
            fn shared(&self) -> bool {
                $shared
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(StoreError::Unavailable)?;
                Ok(())
            }

            async fn insert_institution(&self, row: &InstitutionRow) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO institutions (slug, institution_id, name, url, created_at, did_method) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&row.slug)
                    .bind(&row.institution_id)
                    .bind(&row.name)
                    .bind(&row.url)
                    .bind(&row.created_at)
                    .bind(row.did_method.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::Conflict(_) => StoreError::Conflict(format!("an institution with slug '{}' already exists", row.slug)),
                        other => other,
                    })?;
                Ok(())
            }

            async fn get_institution(&self, slug: &str) -> Result<Option<InstitutionRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM institutions WHERE slug = $1").bind(slug).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(institution).transpose()?)
            }

            async fn list_institutions(&self) -> Result<Vec<InstitutionRow>, StoreError> {
                let rows = sqlx::query("SELECT * FROM institutions ORDER BY slug").fetch_all(&self.pool).await?;
                Ok(rows.iter().map(institution).collect::<Result<_, _>>()?)
            }

            async fn list_keys(&self, slug: &str) -> Result<Vec<KeyRow>, StoreError> {
                let rows = sqlx::query("SELECT * FROM issuer_keys WHERE slug = $1 ORDER BY created_at, kid")
                    .bind(slug)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(key).collect::<Result<_, _>>()?)
            }

            async fn next_key_number(&self, slug: &str) -> Result<i64, StoreError> {
                let row = sqlx::query("UPDATE institutions SET key_seq = key_seq + 1 WHERE slug = $1 RETURNING key_seq")
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    Some(r) => Ok(r.try_get::<i64, _>("key_seq")?),
                    None => Err(StoreError::NotFound(format!("institution '{slug}'"))),
                }
            }

            async fn rotate_key(&self, k: &KeyRow, retired_at: &str) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                // Rotations of one institution take turns: the next one retires the key the
                // previous one added (on PostgreSQL each statement after the lock sees it).
                sqlx::query(concat!("SELECT slug FROM institutions WHERE slug = $1", $open_lock))
                    .bind(&k.slug)
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query("UPDATE issuer_keys SET status = 'retired', retired_at = $1 WHERE slug = $2 AND status = 'active'")
                    .bind(retired_at)
                    .bind(&k.slug)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO issuer_keys (kid, slug, alg, public_jwk, secret, key_file, status, created_at, retired_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, NULL)",
                )
                .bind(&k.kid)
                .bind(&k.slug)
                .bind(&k.alg)
                .bind(&k.public_jwk)
                .bind(&k.secret)
                .bind(&k.key_file)
                .bind(&k.created_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn mark_key_compromised(&self, slug: &str, kid: &str, since: &str, actor: &str, reason: Option<&str>, at: &str) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                // The earliest reported instant stands: reports racing or arriving later with a later
                // instant never shorten the compromise (lexical order is time order: every
                // instant is stored as `YYYY-MM-DDTHH:MM:SSZ`).
                let done = sqlx::query(
                    "UPDATE issuer_keys SET compromised_since = CASE \
                     WHEN compromised_since IS NULL OR compromised_since > $1 THEN $1 ELSE compromised_since END \
                     WHERE slug = $2 AND kid = $3",
                )
                    .bind(since)
                    .bind(slug)
                    .bind(kid)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if done == 0 {
                    return Ok(false);
                }
                sqlx::query("INSERT INTO audit_log (slug, actor, action, public_id, reason, at) VALUES ($1, $2, 'key-compromised', $3, $4, $5)")
                    .bind(slug)
                    .bind(actor)
                    .bind(kid)
                    .bind(reason.map_or_else(|| format!("compromised since {since}"), |r| format!("compromised since {since}: {r}")))
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn insert_api_key(&self, row: &ApiKeyRow) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO api_keys (id, token_hash, slug, label, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&row.id)
                    .bind(&row.token_hash)
                    .bind(&row.slug)
                    .bind(&row.label)
                    .bind(&row.created_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn find_api_key(&self, token_hash: &str) -> Result<Option<ApiKeyRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM api_keys WHERE token_hash = $1").bind(token_hash).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(api_key).transpose()?)
            }

            async fn list_api_keys(&self, slug: Option<&str>) -> Result<Vec<ApiKeyRow>, StoreError> {
                let rows = match slug {
                    Some(slug) => sqlx::query("SELECT * FROM api_keys WHERE slug = $1 ORDER BY created_at, id").bind(slug).fetch_all(&self.pool).await?,
                    None => sqlx::query("SELECT * FROM api_keys ORDER BY created_at, id").fetch_all(&self.pool).await?,
                };
                Ok(rows.iter().map(api_key).collect::<Result<_, _>>()?)
            }

            async fn revoke_api_key(&self, r: &ApiKeyRevocation) -> Result<ApiKeyRow, StoreError> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT * FROM api_keys WHERE id = $1").bind(&r.id).fetch_optional(&mut *tx).await?;
                let Some(key) = row.as_ref().map(api_key).transpose()?.filter(|k| r.slug.is_none() || k.slug == r.slug) else {
                    return Err(StoreError::NotFound(match &r.slug {
                        Some(slug) => format!("API key '{}' of institution '{slug}'", r.id),
                        None => format!("API key '{}'", r.id),
                    }));
                };
                if let Some(at) = &key.revoked_at {
                    return Err(StoreError::Conflict(format!("API key '{}' was already revoked at {at}", key.id)));
                }
                // Guarded, so that of two concurrent revocations only one records it.
                let updated = sqlx::query("UPDATE api_keys SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL")
                    .bind(&r.at)
                    .bind(&r.actor)
                    .bind(&key.id)
                    .execute(&mut *tx)
                    .await?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::Conflict(format!("API key '{}' was already revoked", key.id)));
                }
                if let Some(slug) = &key.slug {
                    sqlx::query("INSERT INTO audit_log (slug, actor, action, public_id, reason, at) VALUES ($1, $2, 'api-key-revoked', $3, $4, $5)")
                        .bind(slug)
                        .bind(&r.actor)
                        .bind(&key.id)
                        .bind(&r.reason)
                        .bind(&r.at)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(ApiKeyRow { revoked_at: Some(r.at.clone()), revoked_by: Some(r.actor.clone()), ..key })
            }

            async fn insert_achievement(&self, row: &AchievementRow) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO achievements (id, slug, definition, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&row.id)
                    .bind(&row.slug)
                    .bind(&row.definition)
                    .bind(&row.created_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get_achievement(&self, slug: &str, id: &str) -> Result<Option<AchievementRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM achievements WHERE id = $1 AND slug = $2")
                    .bind(id)
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(achievement).transpose()?)
            }

            async fn list_achievements(&self, slug: &str, limit: i64, offset: i64) -> Result<Vec<AchievementRow>, StoreError> {
                let rows = sqlx::query("SELECT * FROM achievements WHERE slug = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3")
                    .bind(slug)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(achievement).collect::<Result<_, _>>()?)
            }

            async fn insert_credential(&self, row: &CredentialRow, idem: Option<&IdempotencyRow>) -> Result<InsertOutcome, StoreError> {
                let Some(writer) = &self.writer else {
                    return self.insert_one(row, idem).await;
                };
                let (reply, answer) = oneshot::channel();
                let job = WriteJob { row: row.clone(), idem: idem.cloned(), reply };
                let stopped = || StoreError::Unavailable(sqlx::Error::PoolClosed);
                writer.send(job).await.map_err(|_| stopped())?;
                answer.await.map_err(|_| stopped())?
            }

            async fn insert_credentials(&self, rows: &[CredentialRow]) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                Self::insert_rows(&mut tx, &rows.iter().collect::<Vec<_>>(), None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn count_credentials(&self, slug: &str) -> Result<i64, StoreError> {
                let n: i64 = sqlx::query(concat!("SELECT COUNT(*) AS n FROM credentials WHERE slug = $1", visible!()))
                    .bind(slug)
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                Ok(n)
            }

            async fn get_credential(&self, public_id: &str) -> Result<Option<CredentialRow>, StoreError> {
                let row = sqlx::query(concat!("SELECT * FROM credentials WHERE public_id = $1", visible!())).bind(public_id).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(credential).transpose()?)
            }

            async fn find_idempotency(&self, slug: &str, key: &str) -> Result<Option<IdempotencyRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM idempotency_keys WHERE slug = $1 AND idem_key = $2")
                    .bind(slug)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(idempotency).transpose()?)
            }

            async fn reserve_status_slots(&self, slug: &str, size: i64, max_fill: i64, candidates: &[i64], want: usize, empty_bits: &str) -> Result<Vec<(i64, i64)>, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut out = Vec::with_capacity(want);
                let mut cands = candidates.iter();
                let open_list = "SELECT list_no, allocated FROM status_slots WHERE slug = $1 AND allocated < $2 ORDER BY list_no LIMIT 1";
                'lists: while out.len() < want {
                    let mut open = sqlx::query(open_list).bind(slug).bind(max_fill).fetch_optional(&mut *tx).await?;
                    if open.is_none() {
                        // Opening a list: one transaction at a time per institution (its row
                        // locked on PostgreSQL; SQLite's write lock is held already), and
                        // look again once it is ours: another may have just opened one.
                        sqlx::query(concat!("SELECT slug FROM institutions WHERE slug = $1", $open_lock)).bind(slug).fetch_optional(&mut *tx).await?;
                        open = sqlx::query(open_list).bind(slug).bind(max_fill).fetch_optional(&mut *tx).await?;
                    }
                    let (list_no, allocated): (i64, i64) = match open {
                        Some(r) => (r.try_get("list_no")?, r.try_get("allocated")?),
                        None => {
                            let next: i64 = sqlx::query("SELECT COALESCE(MAX(list_no), 0) + 1 AS next FROM status_slots WHERE slug = $1")
                                .bind(slug)
                                .fetch_one(&mut *tx)
                                .await?
                                .try_get("next")?;
                            // Should another transaction still open the same list (the lock
                            // above makes that unlikely), the second insert waits for the
                            // first to commit and does nothing, and this one looks again.
                            let opened = sqlx::query("INSERT INTO status_slots (slug, list_no, size, allocated) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING")
                                .bind(slug)
                                .bind(next)
                                .bind(size)
                                .execute(&mut *tx)
                                .await?;
                            if opened.rows_affected() == 0 {
                                continue 'lists;
                            }
                            for purpose in ["revocation", "suspension"] {
                                sqlx::query("INSERT INTO status_lists (slug, list_no, purpose, bits, version) VALUES ($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING")
                                    .bind(slug)
                                    .bind(next)
                                    .bind(purpose)
                                    .bind(empty_bits)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            (next, 0)
                        }
                    };
                    let mut took: i64 = 0;
                    let mut exhausted = false;
                    while out.len() < want && allocated + took < max_fill {
                        let Some(c) = cands.next() else {
                            exhausted = true;
                            break;
                        };
                        let idx = c.rem_euclid(size);
                        let r = sqlx::query("INSERT INTO status_allocations (slug, list_no, idx) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                            .bind(slug)
                            .bind(list_no)
                            .bind(idx)
                            .execute(&mut *tx)
                            .await?;
                        if r.rows_affected() == 1 {
                            out.push((list_no, idx));
                            took += 1;
                        }
                    }
                    sqlx::query("UPDATE status_slots SET allocated = allocated + $1 WHERE slug = $2 AND list_no = $3")
                        .bind(took)
                        .bind(slug)
                        .bind(list_no)
                        .execute(&mut *tx)
                        .await?;
                    if exhausted {
                        break 'lists;
                    }
                }
                tx.commit().await?;
                Ok(out)
            }

            async fn get_status_list(&self, slug: &str, list_no: i64, purpose: &str) -> Result<Option<StatusListRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM status_lists WHERE slug = $1 AND list_no = $2 AND purpose = $3")
                    .bind(slug)
                    .bind(list_no)
                    .bind(purpose)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(status_list).transpose()?)
            }

            async fn save_signed_status_list(&self, slug: &str, list_no: i64, purpose: &str, version: i64, signed: &str, until: &str) -> Result<bool, StoreError> {
                let r = sqlx::query(
                    "UPDATE status_lists SET signed = $1, signed_version = $2, signed_until = $3 \
                     WHERE slug = $4 AND list_no = $5 AND purpose = $6 AND version = $7",
                )
                .bind(signed)
                .bind(version)
                .bind(until)
                .bind(slug)
                .bind(list_no)
                .bind(purpose)
                .bind(version)
                .execute(&self.pool)
                .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn change_status(&self, change: &StatusChange) -> Result<StatusChangeOutcome, StoreError> {
                let mut tx = self.begin_write().await?;
                // 1. The credentials concerned.
                let mut found: Vec<StatusRow> = Vec::new();
                // The rows are locked (PostgreSQL) in public_id order, so that two changes
                // of overlapping sets take their locks in the same order and cannot deadlock,
                // and a concurrent change of the same credential waits here and then reads
                // the status the first one wrote: one winner.
                match &change.selector {
                    Selector::Ids(ids) => {
                        let mut sorted: Vec<&String> = ids.iter().collect();
                        sorted.sort();
                        sorted.dedup();
                        for chunk in sorted.chunks(CHUNK) {
                            let sql = format!(
                                concat!(
                                    "SELECT public_id, status, status_list, status_index, suspendable FROM credentials WHERE slug = $1 AND public_id IN ({})",
                                    visible!(),
                                    " ORDER BY public_id",
                                    $lock
                                ),
                                placeholders(2, chunk.len())
                            );
                            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&change.slug);
                            for id in chunk {
                                q = q.bind(id);
                            }
                            for r in q.fetch_all(&mut *tx).await? {
                                found.push(status_row(&r)?);
                            }
                        }
                        let known: std::collections::HashSet<&str> = found.iter().map(|f| f.0.as_str()).collect();
                        let missing: Vec<&str> = ids.iter().map(String::as_str).filter(|id| !known.contains(id)).collect();
                        if !missing.is_empty() {
                            let shown: Vec<&str> = missing.iter().take(10).copied().collect();
                            return Err(StoreError::NotFound(format!("{} credential(s) of this institution: {}", missing.len(), shown.join(", "))));
                        }
                    }
                    Selector::Achievement { id, from, until } => {
                        let rows = sqlx::query(concat!(
                            "SELECT public_id, status, status_list, status_index, suspendable FROM credentials \
                             WHERE slug = $1 AND achievement_id = $2 AND issued_at >= $3 AND issued_at <= $4",
                            visible!(),
                            " ORDER BY public_id",
                            $lock
                        ))
                        .bind(&change.slug)
                        .bind(id)
                        .bind(from.clone().unwrap_or_default())
                        .bind(until.clone().unwrap_or_else(|| "9999".into()))
                        .fetch_all(&mut *tx)
                        .await?;
                        for r in &rows {
                            found.push(status_row(r)?);
                        }
                    }
                }
                // 2. Transitions, grouped by list.
                let mut outcome = StatusChangeOutcome::default();
                let mut new_status = "";
                let mut bits: std::collections::BTreeMap<(i64, &'static str), Vec<(i64, bool)>> = Default::default();
                for (public_id, status, list, index, suspendable) in &found {
                    match transition(change.action, status, *suspendable, list.is_some() && index.is_some()) {
                        Ok(Some((to, sets))) => {
                            new_status = to;
                            if let (Some(list), Some(index)) = (list, index) {
                                for (purpose, value) in sets {
                                    bits.entry((*list, purpose)).or_default().push((*index, value));
                                }
                            }
                            outcome.changed.push(public_id.clone());
                        }
                        Ok(None) if change.skip_done => outcome.unchanged.push(public_id.clone()),
                        Ok(None) => return Err(StoreError::Conflict(format!("credential {public_id} is already {status}"))),
                        Err(why) => return Err(StoreError::Conflict(format!("credential {public_id} cannot be changed: {why}"))),
                    }
                }
                // 3. The bits, one read and one write per list. The list row is locked
                // (PostgreSQL) from the read to the commit: otherwise two revocations in one
                // list both rewrite the bits they read and one of them is lost. Lists are
                // taken in (list, purpose) order, the same in every transaction.
                for ((list, purpose), changes) in &bits {
                    let row = sqlx::query(concat!("SELECT bits FROM status_lists WHERE slug = $1 AND list_no = $2 AND purpose = $3", $lock))
                        .bind(&change.slug)
                        .bind(list)
                        .bind(*purpose)
                        .fetch_one(&mut *tx)
                        .await?;
                    let encoded: String = row.try_get("bits")?;
                    let mut b = crate::status::bitstring::Bitstring::decode(&encoded).map_err(|e| StoreError::Conflict(format!("stored status list is corrupt: {e}")))?;
                    for (index, value) in changes {
                        b.set(*index as usize, *value).map_err(|e| StoreError::Conflict(e.to_string()))?;
                    }
                    sqlx::query("UPDATE status_lists SET bits = $1, version = version + 1 WHERE slug = $2 AND list_no = $3 AND purpose = $4")
                        .bind(b.encode())
                        .bind(&change.slug)
                        .bind(list)
                        .bind(*purpose)
                        .execute(&mut *tx)
                        .await?;
                }
                // 4. The credential rows and the audit log.
                for chunk in outcome.changed.chunks(CHUNK) {
                    let sql = format!(
                        "UPDATE credentials SET status = $1, status_changed_at = $2, status_reason = $3 WHERE slug = $4 AND public_id IN ({})",
                        placeholders(5, chunk.len())
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(new_status).bind(&change.at).bind(&change.reason).bind(&change.slug);
                    for id in chunk {
                        q = q.bind(id);
                    }
                    q.execute(&mut *tx).await?;
                    let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, $2, $3, ${}, $4, $5)", i + 6)).collect();
                    let sql = format!("INSERT INTO audit_log (slug, actor, action, public_id, reason, at) VALUES {}", values.join(", "));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&change.slug).bind(&change.actor).bind(change.action.as_str()).bind(&change.reason).bind(&change.at);
                    for id in chunk {
                        q = q.bind(id);
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(outcome)
            }

            async fn insert_offer(&self, row: &OfferRow) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO offers (id, slug, achievement_id, record, configuration_id, pre_auth_code, tx_code_hash, tx_attempts, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
                )
                .bind(&row.id)
                .bind(&row.slug)
                .bind(&row.achievement_id)
                .bind(&row.record)
                .bind(&row.configuration_id)
                .bind(&row.pre_auth_code)
                .bind(&row.tx_code_hash)
                .bind(&row.created_at)
                .bind(&row.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn get_offer(&self, id: &str) -> Result<Option<OfferRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM offers WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(offer).transpose()?)
            }

            async fn redeem_offer_code(&self, code: &str, tx_code_hash: Option<&str>, now: &str, token_hash: &str, token_expires_at: &str, max_attempts: i64) -> Result<Redeemed, StoreError> {
                let mut tx = self.begin_write().await?;
                // Locked (PostgreSQL) until the commit: concurrent attempts with the same code
                // are checked one after the other, each seeing the attempts counted before it.
                let row = sqlx::query(concat!("SELECT * FROM offers WHERE pre_auth_code = $1", $lock)).bind(code).fetch_optional(&mut *tx).await?;
                let Some(o) = row.as_ref().map(offer).transpose()? else {
                    return Ok(Redeemed::Unknown);
                };
                if o.code_used_at.is_some() {
                    return Ok(Redeemed::Used);
                }
                if o.expires_at.as_str() <= now {
                    return Ok(Redeemed::Expired);
                }
                if let Some(want) = &o.tx_code_hash {
                    match tx_code_hash {
                        None => return Ok(Redeemed::TxCodeMissing),
                        Some(got) if got != want => {
                            // Counted in the statement itself, and only while the code is
                            // unburnt and under the limit: the row lock makes this exact, the
                            // condition keeps it so should the lock ever be lost.
                            let counted = sqlx::query(
                                "UPDATE offers SET tx_attempts = tx_attempts + 1, \
                                 code_used_at = CASE WHEN tx_attempts + 1 >= $1 THEN $2 ELSE code_used_at END \
                                 WHERE id = $3 AND code_used_at IS NULL AND tx_attempts < $1",
                            )
                            .bind(max_attempts)
                            .bind(now)
                            .bind(&o.id)
                            .execute(&mut *tx)
                            .await?;
                            tx.commit().await?;
                            return Ok(if counted.rows_affected() == 1 { Redeemed::WrongTxCode } else { Redeemed::Used });
                        }
                        Some(_) => {}
                    }
                }
                let redeemed = sqlx::query("UPDATE offers SET code_used_at = $1, token_hash = $2, token_expires_at = $3 WHERE id = $4 AND code_used_at IS NULL")
                    .bind(now)
                    .bind(token_hash)
                    .bind(token_expires_at)
                    .bind(&o.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                if redeemed.rows_affected() == 0 {
                    // Another request redeemed it first: its token is the one stored.
                    return Ok(Redeemed::Used);
                }
                Ok(Redeemed::Ok(Box::new(OfferRow { code_used_at: Some(now.to_owned()), token_hash: Some(token_hash.to_owned()), token_expires_at: Some(token_expires_at.to_owned()), ..o })))
            }

            async fn offer_by_token(&self, token_hash: &str) -> Result<Option<OfferRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM offers WHERE token_hash = $1").bind(token_hash).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(offer).transpose()?)
            }

            async fn claim_offer(&self, id: &str, public_id: &str) -> Result<bool, StoreError> {
                let r = sqlx::query("UPDATE offers SET public_id = $1 WHERE id = $2 AND public_id IS NULL").bind(public_id).bind(id).execute(&self.pool).await?;
                Ok(r.rows_affected() == 1)
            }

            async fn start_batch(&self, b: &BatchRow, heartbeat_at: &str) -> Result<BatchStart, StoreError> {
                let r = sqlx::query(
                    "INSERT INTO batches (id, slug, state, format, achievement_id, item_count, warning_count, idem_key, request_hash, created_at, heartbeat_at) \
                     VALUES ($1, $2, 'pending', $3, $4, $5, 0, $6, $7, $8, $9) ON CONFLICT (slug, idem_key) DO NOTHING",
                )
                .bind(&b.id)
                .bind(&b.slug)
                .bind(&b.format)
                .bind(&b.achievement_id)
                .bind(b.item_count)
                .bind(&b.idem_key)
                .bind(&b.request_hash)
                .bind(&b.created_at)
                .bind(heartbeat_at)
                .execute(&self.pool)
                .await?;
                if r.rows_affected() == 1 {
                    return Ok(BatchStart::Started);
                }
                let key = b.idem_key.as_deref().unwrap_or_default();
                match self.find_batch_by_key(&b.slug, key).await? {
                    Some(theirs) => Ok(BatchStart::KeyTaken(Box::new(theirs))),
                    // Removed between our insert and this read: the caller may retry.
                    None => Err(StoreError::Conflict("the batch's idempotency key is being released; retry".into())),
                }
            }

            async fn insert_batch_credentials(&self, batch_id: &str, first_index: i64, rows: &[CredentialRow], heartbeat_at: &str) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                // Locks the batch row (PostgreSQL), so the janitor cannot remove it half-way.
                let alive = sqlx::query("UPDATE batches SET heartbeat_at = $1 WHERE id = $2 AND state = 'pending'")
                    .bind(heartbeat_at)
                    .bind(batch_id)
                    .execute(&mut *tx)
                    .await?;
                if alive.rows_affected() != 1 {
                    return Err(StoreError::Conflict(format!("batch {batch_id} is no longer pending")));
                }
                Self::insert_rows(&mut tx, &rows.iter().collect::<Vec<_>>(), Some((batch_id, first_index))).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn batch_heartbeat(&self, batch_id: &str, at: &str) -> Result<bool, StoreError> {
                let r = sqlx::query("UPDATE batches SET heartbeat_at = $1 WHERE id = $2 AND state = 'pending'")
                    .bind(at)
                    .bind(batch_id)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn commit_batch(&self, batch_id: &str, warning_count: i64, at: &str) -> Result<bool, StoreError> {
                let r = sqlx::query("UPDATE batches SET state = 'committed', committed_at = $1, warning_count = $2 WHERE id = $3 AND state = 'pending'")
                    .bind(at)
                    .bind(warning_count)
                    .bind(batch_id)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn abandon_batch(&self, batch_id: &str) -> Result<u64, StoreError> {
                let mut tx = self.begin_write().await?;
                let gone = Self::remove_pending_batch(&mut tx, batch_id).await?;
                tx.commit().await?;
                Ok(gone)
            }

            async fn remove_stale_batch(&self, batch_id: &str, heartbeat_before: &str) -> Result<bool, StoreError> {
                Ok(self.remove_if_stale(batch_id, heartbeat_before).await?.is_some())
            }

            async fn get_batch(&self, slug: &str, id: &str) -> Result<Option<BatchRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM batches WHERE slug = $1 AND id = $2").bind(slug).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(batch).transpose()?)
            }

            async fn find_batch_by_key(&self, slug: &str, key: &str) -> Result<Option<BatchRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM batches WHERE slug = $1 AND idem_key = $2").bind(slug).bind(key).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(batch).transpose()?)
            }

            async fn batch_items(&self, batch_id: &str) -> Result<Vec<(i64, String, String)>, StoreError> {
                let rows = sqlx::query("SELECT batch_index, public_id, credential_id FROM credentials WHERE batch_id = $1 ORDER BY batch_index")
                    .bind(batch_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("batch_index")?, r.try_get("public_id")?, r.try_get("credential_id")?)))
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(StoreError::from)
            }

            async fn purge(&self, before: &PurgeBefore) -> Result<Purged, StoreError> {
                let mut purged = Purged::default();
                let stale: Vec<String> = sqlx::query("SELECT id FROM batches WHERE state = 'pending' AND heartbeat_at < $1")
                    .bind(&before.batch_heartbeat)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| r.try_get("id"))
                    .collect::<Result<_, _>>()?;
                for id in stale {
                    if let Some(credentials) = self.remove_if_stale(&id, &before.batch_heartbeat).await? {
                        purged.batch_credentials += credentials;
                        purged.batches += 1;
                    }
                }
                purged.offers = sqlx::query(
                    "DELETE FROM offers WHERE expires_at < $1 AND (token_expires_at IS NULL OR token_expires_at < $1)",
                )
                .bind(&before.expired)
                .execute(&self.pool)
                .await?
                .rows_affected();
                purged.nonces = sqlx::query("DELETE FROM used_nonces WHERE expires_at < $1").bind(&before.expired).execute(&self.pool).await?.rows_affected();
                purged.idempotency_keys = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind(&before.idempotency)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                // A committed batch stays (it can be looked up); only its key is released.
                purged.idempotency_keys += sqlx::query("UPDATE batches SET idem_key = NULL WHERE idem_key IS NOT NULL AND state = 'committed' AND created_at < $1")
                    .bind(&before.idempotency)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(purged)
            }

            async fn service_secret(&self, name: &str, candidate: &str, at: &str) -> Result<String, StoreError> {
                sqlx::query("INSERT INTO service_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind(candidate)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                let value: String = sqlx::query("SELECT value FROM service_secrets WHERE name = $1").bind(name).fetch_one(&self.pool).await?.try_get("value")?;
                Ok(value)
            }

            async fn use_nonce(&self, nonce: &str, expires_at: &str) -> Result<bool, StoreError> {
                let r = sqlx::query("INSERT INTO used_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING")
                    .bind(nonce)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn get_credential_by_id(&self, slug: &str, credential_id: &str) -> Result<Option<CredentialRow>, StoreError> {
                let row = sqlx::query(concat!("SELECT * FROM credentials WHERE slug = $1 AND credential_id = $2", visible!())).bind(slug).bind(credential_id).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(credential).transpose()?)
            }

            async fn list_audit(&self, slug: &str, limit: i64, offset: i64) -> Result<Vec<AuditRow>, StoreError> {
                let rows = sqlx::query("SELECT * FROM audit_log WHERE slug = $1 ORDER BY id DESC LIMIT $2 OFFSET $3")
                    .bind(slug)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(audit).collect::<Result<_, _>>()?)
            }
        }
    };
}

store_impl!(SqliteStore, SqlitePool, sqlx::Sqlite, "", "", false);
store_impl!(PgStore, PgPool, sqlx::Postgres, " FOR UPDATE", " FOR NO KEY UPDATE", true);
