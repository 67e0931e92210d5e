//! Storage: one [`Store`] trait, two implementations that own their SQL and
//! migrations: SQLite (embedded, WAL, `synchronous=FULL`) and PostgreSQL. Every write
//! that a caller is told about is committed before the call returns.

mod sql;

use std::sync::Arc;

use async_trait::async_trait;

pub use sql::{PgStore, SqliteStore};

/// Storage failures. Internals (SQL, driver messages) stay in `source`, never in API
/// bodies: the `String`s are sentences for the caller, with no SQL in them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique key already exists, or the state forbids the change; says which in
    /// domain words ("an institution with slug 'x' already exists").
    #[error("{0}")]
    Conflict(String),
    /// A referenced row does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The database cannot be reached.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database error.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Migrations failed.
    #[error("database migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// Text the database cannot hold: a NUL character (PostgreSQL refuses it in `TEXT`).
    /// The HTTP edge refuses NUL first; this keeps any path it misses a client error.
    #[error("text with a NUL character cannot be stored or looked up")]
    NulInText(#[source] sqlx::Error),
}

/// PostgreSQL's SQLSTATE for a character the encoding cannot hold (`0x00` in UTF-8 text).
const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";

/// What a unique violation means, in domain words, from the table it happened in. The
/// constraint itself (SQL) is only logged at debug level.
fn duplicate(db: &dyn sqlx::error::DatabaseError) -> String {
    // PostgreSQL names the table; SQLite only says "UNIQUE constraint failed: table.column".
    let from_message = db.message().rsplit(": ").next().and_then(|c| c.split('.').next()).unwrap_or_default();
    let table = db.table().unwrap_or(from_message);
    tracing::debug!(
        table,
        constraint = db.constraint().unwrap_or_default(),
        message = db.message(),
        "unique violation"
    );
    match table {
        "institutions" => "an institution with this slug already exists",
        "issuer_keys" => "a key with this id already exists (rotated twice at once?); try again",
        "api_keys" => "an API key with this id already exists; try again",
        "achievements" => "an achievement definition with this id already exists",
        "credentials" => "a credential with this id (or status slot) already exists",
        "idempotency_keys" => "this Idempotency-Key was already used",
        "status_slots" | "status_lists" | "status_allocations" => "this status list slot is already taken; try again",
        "offers" => "an offer with this id or code already exists; try again",
        "nonces" => "this nonce already exists; ask for another",
        _ => "a record with the same key already exists",
    }
    .to_owned()
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                Self::Unavailable(e)
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(duplicate(db.as_ref())),
            sqlx::Error::Database(db) if db.code().as_deref() == Some(CHARACTER_NOT_IN_REPERTOIRE) => {
                Self::NulInText(e)
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                tracing::debug!(message = db.message(), "foreign key violation");
                Self::NotFound("the institution or record it refers to".into())
            }
            _ => Self::Database(e),
        }
    }
}

/// An institution (issuer profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionRow {
    /// URL slug, also the last part of its did:web.
    pub slug: String,
    /// Which of the 18 institutions' records it may award (`None`: any; the demo).
    pub institution_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Homepage.
    pub url: String,
    /// RFC 3339.
    pub created_at: String,
    /// The DID it signs as: did:web (default) or the did:key of its key. Fixed at creation.
    pub did_method: crate::crypto::did::DidMethod,
}

/// A signing key of an institution. Only the public half is ever shown.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// Verification method id (`did:web:…#key-N`).
    pub kid: String,
    /// Owner.
    pub slug: String,
    /// `Ed25519` or `RS256`.
    pub alg: String,
    /// Public JWK (JSON).
    pub public_jwk: String,
    /// The private JWK sealed with the key-encryption key (keys kept in the database).
    pub secret: Option<String>,
    /// Or the path of a mode-0600 file holding it.
    pub key_file: Option<String>,
    /// `active` (signs) or `retired` (kept for verification).
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, when retired.
    pub retired_at: Option<String>,
    /// RFC 3339: reported compromised since (signatures dated from then on fail).
    pub compromised_since: Option<String>,
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("status", &self.status)
            .field("secret", &self.secret.as_ref().map(|_| "<sealed>"))
            .field("key_file", &self.key_file)
            .finish_non_exhaustive()
    }
}

/// An API key; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    /// Public id of the key (shown in listings, never secret).
    pub id: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The institution it acts for; `None` for an admin key.
    pub slug: Option<String>,
    /// What it is for.
    pub label: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, when it was revoked (it authenticates nothing from then on).
    pub revoked_at: Option<String>,
    /// Who revoked it (an admin API key id, or `cli`).
    pub revoked_by: Option<String>,
}

/// An API key revocation, applied (with its audit-log entry) in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRevocation {
    /// The key's public id.
    pub id: String,
    /// Only a key of this institution (`None`: any key, admin keys included).
    pub slug: Option<String>,
    /// Who (admin API key id, or `cli`).
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

/// A registered microcredential definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchievementRow {
    /// Server-assigned id.
    pub id: String,
    /// Owner.
    pub slug: String,
    /// The validated `microcredential` object (JSON).
    pub definition: String,
    /// RFC 3339.
    pub created_at: String,
}

/// An issued credential, in both representations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRow {
    /// Unguessable public id (share URL).
    pub public_id: String,
    /// The credential's own id (`urn:uuid:`).
    pub credential_id: String,
    /// Issuer.
    pub slug: String,
    /// Definition it was awarded from, if any.
    pub achievement_id: Option<String>,
    /// Format the caller asked for.
    pub format: String,
    /// JSON with the Data Integrity proof.
    pub ldp: String,
    /// The VC-JWT.
    pub jwt: String,
    /// RFC 3339.
    pub issued_at: String,
    /// Status list number (`None`: issued without status entries).
    pub status_list: Option<i64>,
    /// Index in that list.
    pub status_index: Option<i64>,
    /// Whether it carries a suspension entry as well.
    pub suspendable: bool,
    /// `active`, `suspended` or `revoked`.
    pub status: String,
    /// When the status last changed.
    pub status_changed_at: Option<String>,
    /// Why (internal; not shown publicly).
    pub status_reason: Option<String>,
}

/// A status list of an institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListRow {
    /// Institution.
    pub slug: String,
    /// List number.
    pub list_no: i64,
    /// `revocation` or `suspension`.
    pub purpose: String,
    /// The bits, as an `encodedList` (multibase GZIP).
    pub bits: String,
    /// Bumped whenever a bit changes.
    pub version: i64,
    /// The signed status list credential, when one was made.
    pub signed: Option<String>,
    /// The version it was signed at.
    pub signed_version: Option<i64>,
    /// Its `validUntil`.
    pub signed_until: Option<String>,
}

/// A status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// Revoke (final).
    Revoke,
    /// Suspend (reversible).
    Suspend,
    /// Lift a suspension.
    Reinstate,
}

impl StatusAction {
    /// The audit-log name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
        }
    }
}

/// Which credentials a change applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// These public ids (all must exist and belong to the institution).
    Ids(Vec<String>),
    /// Every credential of a definition, optionally within an issue-date range (RFC 3339, inclusive).
    Achievement {
        /// Definition id.
        id: String,
        /// From.
        from: Option<String>,
        /// Until.
        until: Option<String>,
    },
}

/// A status change request, applied in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// Institution.
    pub slug: String,
    /// Which credentials.
    pub selector: Selector,
    /// What to do.
    pub action: StatusAction,
    /// Who (API key id, or `cli`).
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// Bulk: credentials already in the target state are skipped instead of refused.
    pub skip_done: bool,
}

/// What a status change did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusChangeOutcome {
    /// Changed.
    pub changed: Vec<String>,
    /// Already in the target state (bulk only).
    pub unchanged: Vec<String>,
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    /// Sequence number.
    pub id: i64,
    /// Institution.
    pub slug: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Which credential.
    pub public_id: String,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: String,
}

/// An OpenID4VCI credential offer.
#[derive(Clone, PartialEq, Eq)]
pub struct OfferRow {
    /// Public id (in the offer URI and claim page).
    pub id: String,
    /// Institution.
    pub slug: String,
    /// Definition it awards, if any.
    pub achievement_id: Option<String>,
    /// The validated record (JSON).
    pub record: String,
    /// `OpenBadgeCredential_ldp_vc` or `OpenBadgeCredential_jwt_vc_json`.
    pub configuration_id: String,
    /// The pre-authorized code (cleared once redeemed).
    pub pre_auth_code: Option<String>,
    /// SHA-256 of the transaction code (PIN), when one is required.
    pub tx_code_hash: Option<String>,
    /// Wrong PINs so far.
    pub tx_attempts: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: the offer (its code) expires.
    pub expires_at: String,
    /// When the code was redeemed.
    pub code_used_at: Option<String>,
    /// SHA-256 of the access token issued for it.
    pub token_hash: Option<String>,
    /// When that token expires.
    pub token_expires_at: Option<String>,
    /// The credential issued for it.
    pub public_id: Option<String>,
}

impl std::fmt::Debug for OfferRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfferRow")
            .field("id", &self.id)
            .field("slug", &self.slug)
            .field("configuration_id", &self.configuration_id)
            .field("expires_at", &self.expires_at)
            .field("public_id", &self.public_id)
            .finish_non_exhaustive()
    }
}

/// What redeeming a pre-authorized code gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// Valid: the token is stored with the offer.
    Ok(Box<OfferRow>),
    /// No such code.
    Unknown,
    /// Already redeemed (a replay).
    Used,
    /// The offer expired.
    Expired,
    /// A PIN is required and none was given.
    TxCodeMissing,
    /// Wrong PIN; the code is burnt after too many.
    WrongTxCode,
}

/// A remembered `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRow {
    /// Institution.
    pub slug: String,
    /// The header value.
    pub key: String,
    /// SHA-256 of the request body.
    pub request_hash: String,
    /// The credential it produced.
    pub public_id: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Outcome of an idempotent insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Stored.
    Inserted,
    /// Another request already used this idempotency key; nothing was stored.
    KeyTaken(IdempotencyRow),
}

/// A batch of credentials, stored chunk by chunk and committed as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// Batch id (`b-` + 22 characters, random).
    pub id: String,
    /// Institution.
    pub slug: String,
    /// `true` once every credential of the batch is stored and the batch is visible.
    pub committed: bool,
    /// `ldp` or `jwt`: the format the caller asked for.
    pub format: String,
    /// The definition awarded, if the batch named one.
    pub achievement_id: Option<String>,
    /// Number of credentials.
    pub item_count: i64,
    /// Warnings the records had.
    pub warning_count: i64,
    /// The `Idempotency-Key` it was sent with (cleared when the key expires).
    pub idem_key: Option<String>,
    /// SHA-256 of the request body (with `idem_key`).
    pub request_hash: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: when it was committed.
    pub committed_at: Option<String>,
}

/// What a new batch's idempotency key met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchStart {
    /// The batch row is stored (pending).
    Started,
    /// Another batch already holds this idempotency key.
    KeyTaken(Box<BatchRow>),
}

/// What the janitor removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Unfinished batches (and their credentials) whose node stopped.
    pub batches: u64,
    /// Credentials of those batches.
    pub batch_credentials: u64,
    /// Expired offers (with their codes and tokens).
    pub offers: u64,
    /// Expired used nonces.
    pub nonces: u64,
    /// Expired idempotency records.
    pub idempotency_keys: u64,
}

/// The times the janitor purges against (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeBefore {
    /// Pending batches with an older heartbeat are unfinished.
    pub batch_heartbeat: String,
    /// Offers, tokens and nonces that expired before this.
    pub expired: String,
    /// Idempotency records created before this.
    pub idempotency: String,
}

/// The storage contract.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Whether several service processes may share this store (PostgreSQL). A SQLite
    /// file serves one process: at its start-up, every pending batch is a dead one.
    fn shared(&self) -> bool {
        true
    }
    /// Checks the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Adds an institution (`Conflict` if the slug exists).
    async fn insert_institution(&self, row: &InstitutionRow) -> Result<(), StoreError>;
    /// One institution.
    async fn get_institution(&self, slug: &str) -> Result<Option<InstitutionRow>, StoreError>;
    /// All institutions, by slug.
    async fn list_institutions(&self) -> Result<Vec<InstitutionRow>, StoreError>;
    /// Every key of an institution, oldest first.
    async fn list_keys(&self, slug: &str) -> Result<Vec<KeyRow>, StoreError>;
    /// The next key number of an institution (`#key-N`), taken atomically: concurrent
    /// callers get distinct numbers (a failed rotation leaves a gap).
    async fn next_key_number(&self, slug: &str) -> Result<i64, StoreError>;
    /// Adds `key` as the institution's active key and retires the previous one(s) at
    /// `retired_at`; rotations of one institution take turns, so exactly one key is active.
    async fn rotate_key(&self, key: &KeyRow, retired_at: &str) -> Result<(), StoreError>;
    /// Marks a key of an institution compromised since an instant and writes the audit
    /// log entry (one transaction); `false` when the institution has no such key.
    async fn mark_key_compromised(
        &self,
        slug: &str,
        kid: &str,
        since: &str,
        actor: &str,
        reason: Option<&str>,
        at: &str,
    ) -> Result<bool, StoreError>;
    /// Stores an API key.
    async fn insert_api_key(&self, row: &ApiKeyRow) -> Result<(), StoreError>;
    /// Finds an API key by the hash of its token (revoked ones too: the caller checks).
    async fn find_api_key(&self, token_hash: &str) -> Result<Option<ApiKeyRow>, StoreError>;
    /// API keys of an institution (`None`: every key, admin keys included), oldest first,
    /// revoked ones included.
    async fn list_api_keys(&self, slug: Option<&str>) -> Result<Vec<ApiKeyRow>, StoreError>;
    /// Revokes an API key and records it in the institution's audit log (admin keys have
    /// none), in one transaction; returns the revoked key. `NotFound` if there is no
    /// such key (of that institution), `Conflict` if it is already revoked.
    async fn revoke_api_key(&self, revocation: &ApiKeyRevocation) -> Result<ApiKeyRow, StoreError>;
    /// Stores a definition.
    async fn insert_achievement(&self, row: &AchievementRow) -> Result<(), StoreError>;
    /// One definition of an institution.
    async fn get_achievement(&self, slug: &str, id: &str) -> Result<Option<AchievementRow>, StoreError>;
    /// Definitions of an institution, newest first.
    async fn list_achievements(&self, slug: &str, limit: i64, offset: i64) -> Result<Vec<AchievementRow>, StoreError>;
    /// Stores a credential and, atomically, its idempotency key.
    async fn insert_credential(
        &self,
        row: &CredentialRow,
        idempotency: Option<&IdempotencyRow>,
    ) -> Result<InsertOutcome, StoreError>;
    /// Stores many credentials (without idempotency keys) in one transaction.
    async fn insert_credentials(&self, rows: &[CredentialRow]) -> Result<(), StoreError>;
    /// How many credentials an institution has issued.
    async fn count_credentials(&self, slug: &str) -> Result<i64, StoreError>;
    /// A credential by public id.
    async fn get_credential(&self, public_id: &str) -> Result<Option<CredentialRow>, StoreError>;
    /// A remembered idempotency key.
    async fn find_idempotency(&self, slug: &str, key: &str) -> Result<Option<IdempotencyRow>, StoreError>;
    /// Reserves up to `want` status slots `(list, index)` in one transaction, trying the
    /// random `candidates` in order (modulo `size`) in the first list below `max_fill`
    /// entries, opening a new list (with `empty_bits` for each purpose) when none is.
    /// A slot is never handed out twice.
    async fn reserve_status_slots(
        &self,
        slug: &str,
        size: i64,
        max_fill: i64,
        candidates: &[i64],
        want: usize,
        empty_bits: &str,
    ) -> Result<Vec<(i64, i64)>, StoreError>;
    /// One status list.
    async fn get_status_list(
        &self,
        slug: &str,
        list_no: i64,
        purpose: &str,
    ) -> Result<Option<StatusListRow>, StoreError>;
    /// Stores a signed list credential if the list is still at `version`; `false` if it changed meanwhile.
    async fn save_signed_status_list(
        &self,
        slug: &str,
        list_no: i64,
        purpose: &str,
        version: i64,
        signed: &str,
        until: &str,
    ) -> Result<bool, StoreError>;
    /// Applies a status change (bits, credential rows, audit log) in one transaction.
    /// `NotFound` names unknown ids; `Conflict` explains a forbidden transition.
    async fn change_status(&self, change: &StatusChange) -> Result<StatusChangeOutcome, StoreError>;
    /// Stores an offer.
    async fn insert_offer(&self, row: &OfferRow) -> Result<(), StoreError>;
    /// An offer by id.
    async fn get_offer(&self, id: &str) -> Result<Option<OfferRow>, StoreError>;
    /// Redeems a pre-authorized code once, atomically: checks expiry and PIN (burning the
    /// code after `max_attempts` wrong PINs) and stores the access token's hash.
    async fn redeem_offer_code(
        &self,
        code: &str,
        tx_code_hash: Option<&str>,
        now: &str,
        token_hash: &str,
        token_expires_at: &str,
        max_attempts: i64,
    ) -> Result<Redeemed, StoreError>;
    /// The offer an access token (by hash) was issued for.
    async fn offer_by_token(&self, token_hash: &str) -> Result<Option<OfferRow>, StoreError>;
    /// Marks the offer's credential as issued; `false` if one already was.
    async fn claim_offer(&self, id: &str, public_id: &str) -> Result<bool, StoreError>;
    /// A credential by its own id (`urn:uuid:…`), within an institution.
    async fn get_credential_by_id(&self, slug: &str, credential_id: &str) -> Result<Option<CredentialRow>, StoreError>;
    /// The institution's audit log, newest first.
    async fn list_audit(&self, slug: &str, limit: i64, offset: i64) -> Result<Vec<AuditRow>, StoreError>;
    /// Records a new, pending batch; with an idempotency key, reports the batch that holds it.
    async fn start_batch(&self, row: &BatchRow, heartbeat_at: &str) -> Result<BatchStart, StoreError>;
    /// Stores credentials of a pending batch (`first_index`: batch index of `rows[0]`) and
    /// renews its heartbeat, in one transaction. Fails if the batch is no longer pending.
    async fn insert_batch_credentials(
        &self,
        batch_id: &str,
        first_index: i64,
        rows: &[CredentialRow],
        heartbeat_at: &str,
    ) -> Result<(), StoreError>;
    /// Renews a pending batch's heartbeat; `false` if it is gone.
    async fn batch_heartbeat(&self, batch_id: &str, at: &str) -> Result<bool, StoreError>;
    /// Makes a pending batch visible; `false` if it is gone (removed as stale).
    async fn commit_batch(&self, batch_id: &str, warning_count: i64, at: &str) -> Result<bool, StoreError>;
    /// Removes a pending batch and its credentials.
    async fn abandon_batch(&self, batch_id: &str) -> Result<u64, StoreError>;
    /// Removes a pending batch and its credentials if its heartbeat is older than
    /// `heartbeat_before` (its node stopped); `true` if it was removed.
    async fn remove_stale_batch(&self, batch_id: &str, heartbeat_before: &str) -> Result<bool, StoreError>;
    /// A batch of an institution.
    async fn get_batch(&self, slug: &str, id: &str) -> Result<Option<BatchRow>, StoreError>;
    /// The batch holding an idempotency key.
    async fn find_batch_by_key(&self, slug: &str, key: &str) -> Result<Option<BatchRow>, StoreError>;
    /// The credentials of a batch, in batch order (`public_id`, `credential_id`).
    async fn batch_items(&self, batch_id: &str) -> Result<Vec<(i64, String, String)>, StoreError>;
    /// Removes what has expired: unfinished batches of stopped nodes, offers, used nonces,
    /// idempotency records.
    async fn purge(&self, before: &PurgeBefore) -> Result<Purged, StoreError>;
    /// A secret of the service by name, created from `candidate` by the first node that asks.
    async fn service_secret(&self, name: &str, candidate: &str, at: &str) -> Result<String, StoreError>;
    /// Records a nonce as used until it expires; `false` if it was used before.
    async fn use_nonce(&self, nonce: &str, expires_at: &str) -> Result<bool, StoreError>;
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://path` or a plain path.
    Sqlite(String),
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses by scheme.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            Ok(Self::Sqlite(path.split('?').next().unwrap_or(path).to_owned()))
        } else if url.contains("://") {
            Err(format!(
                "unsupported database URL scheme in '{}': use sqlite://PATH or postgres://…",
                url.split("://").next().unwrap_or("")
            ))
        } else {
            Ok(Self::Sqlite(url.to_owned()))
        }
    }
}

/// Opens (creating if needed) and migrates the database a URL names.
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
        DatabaseUrl::Postgres(url) => Arc::new(PgStore::connect(url, None).await?),
    })
}
