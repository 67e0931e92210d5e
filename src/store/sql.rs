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

use super::*;

/// SQLite: one file, WAL journal, `synchronous=FULL` so a commit survives power loss.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("src/store/migrations/postgres");

impl SqliteStore {
    /// Opens (creating the file and its directory if needed) and migrates.
    pub async fn open(path: &str) -> Result<Self, StoreError> {
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        SQLITE_MIGRATIONS
            .run(&pool)
            .await
            .map_err(StoreError::Migrate)?;
        Ok(Self { pool })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        // IMMEDIATE takes the write lock up front, so concurrent writers wait (busy
        // timeout) instead of failing when a read transaction tries to upgrade.
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl PgStore {
    /// Connects and migrates. With `schema`, everything lives in that schema (created if
    /// missing): tests get a fresh one each.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(schema) = schema {
            let setup = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS \"{}\"",
                schema.replace('"', "")
            )))
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
        POSTGRES_MIGRATIONS
            .run(&pool)
            .await
            .map_err(StoreError::Migrate)?;
        Ok(Self { pool })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Drops a test schema and everything in it.
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
            schema.replace('"', "")
        )))
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
    ($store:ty) => {
        #[async_trait]
        impl Store for $store {
            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(StoreError::Unavailable)?;
                Ok(())
            }

            async fn insert_institution(&self, row: &InstitutionRow) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO institutions (slug, institution_id, name, url, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&row.slug)
                    .bind(&row.institution_id)
                    .bind(&row.name)
                    .bind(&row.url)
                    .bind(&row.created_at)
                    .execute(&self.pool)
                    .await?;
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

            async fn rotate_key(&self, k: &KeyRow, retired_at: &str) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
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
                let mut tx = self.begin_write().await?;
                if let Some(i) = idem {
                    let taken = sqlx::query("SELECT * FROM idempotency_keys WHERE slug = $1 AND idem_key = $2")
                        .bind(&i.slug)
                        .bind(&i.key)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(t) = taken.as_ref().map(idempotency).transpose()? {
                        return Ok(InsertOutcome::KeyTaken(t));
                    }
                }
                sqlx::query(
                    "INSERT INTO credentials (public_id, credential_id, slug, achievement_id, format, ldp, jwt, issued_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&row.public_id)
                .bind(&row.credential_id)
                .bind(&row.slug)
                .bind(&row.achievement_id)
                .bind(&row.format)
                .bind(&row.ldp)
                .bind(&row.jwt)
                .bind(&row.issued_at)
                .execute(&mut *tx)
                .await?;
                if let Some(i) = idem {
                    let inserted = sqlx::query(
                        "INSERT INTO idempotency_keys (slug, idem_key, request_hash, public_id, created_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (slug, idem_key) DO NOTHING",
                    )
                    .bind(&i.slug)
                    .bind(&i.key)
                    .bind(&i.request_hash)
                    .bind(&i.public_id)
                    .bind(&i.created_at)
                    .execute(&mut *tx)
                    .await?;
                    if inserted.rows_affected() == 0 {
                        // A concurrent request won the key: undo ours, report theirs.
                        tx.rollback().await?;
                        let theirs = self.find_idempotency(&i.slug, &i.key).await?;
                        return theirs.map(InsertOutcome::KeyTaken).ok_or_else(|| StoreError::Conflict("idempotency key".into()));
                    }
                }
                tx.commit().await?;
                Ok(InsertOutcome::Inserted)
            }

            async fn get_credential(&self, public_id: &str) -> Result<Option<CredentialRow>, StoreError> {
                let row = sqlx::query("SELECT * FROM credentials WHERE public_id = $1").bind(public_id).fetch_optional(&self.pool).await?;
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
        }
    };
}

store_impl!(SqliteStore);
store_impl!(PgStore);
