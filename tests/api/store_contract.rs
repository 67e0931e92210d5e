//! One contract, run on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

use microcred::store::*;

use crate::helpers::*;

fn inst(slug: &str) -> InstitutionRow {
    InstitutionRow {
        slug: slug.into(),
        institution_id: Some("ugent".into()),
        name: "U".into(),
        url: "https://u".into(),
        created_at: "2025-01-01T00:00:00Z".into(),
        did_method: Default::default(),
    }
}

fn key(slug: &str, n: u32) -> KeyRow {
    KeyRow {
        kid: format!("did:web:h:issuers:{slug}#key-{n}"),
        slug: slug.into(),
        alg: "Ed25519".into(),
        public_jwk: "{}".into(),
        secret: Some("sealed".into()),
        key_file: None,
        status: "active".into(),
        created_at: format!("2025-01-0{n}T00:00:00Z"),
        retired_at: None,
        compromised_since: None,
    }
}

fn cred(slug: &str, id: &str) -> CredentialRow {
    CredentialRow {
        public_id: id.into(),
        credential_id: format!("urn:uuid:{id}"),
        slug: slug.into(),
        achievement_id: None,
        format: "ldp".into(),
        ldp: "{}".into(),
        jwt: "a.b.c".into(),
        issued_at: "2025-01-01T00:00:00Z".into(),
        status_list: None,
        status_index: None,
        suspendable: false,
        status: "active".into(),
        status_changed_at: None,
        status_reason: None,
    }
}

async fn contract(store: &dyn Store) {
    store.ping().await.unwrap();
    store.insert_institution(&inst("a")).await.unwrap();
    assert!(matches!(store.insert_institution(&inst("a")).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.get_institution("a").await.unwrap(), Some(inst("a")));
    assert_eq!(store.get_institution("zz").await.unwrap(), None);
    store.insert_institution(&inst("b")).await.unwrap();
    assert_eq!(
        store.list_institutions().await.unwrap().iter().map(|i| i.slug.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );

    store.rotate_key(&key("a", 1), "2025-01-01T00:00:00Z").await.unwrap();
    store.rotate_key(&key("a", 2), "2025-01-02T00:00:00Z").await.unwrap();
    let keys = store.list_keys("a").await.unwrap();
    assert_eq!(
        keys.iter().map(|k| (k.kid.as_str(), k.status.as_str())).collect::<Vec<_>>(),
        [("did:web:h:issuers:a#key-1", "retired"), ("did:web:h:issuers:a#key-2", "active")]
    );
    assert_eq!(keys[0].retired_at.as_deref(), Some("2025-01-02T00:00:00Z"));
    assert!(store.list_keys("b").await.unwrap().is_empty());
    assert!(!format!("{:?}", keys[0]).contains("sealed\""), "Debug hides secrets");

    let api = ApiKeyRow {
        id: "key_1".into(),
        token_hash: "h1".into(),
        slug: Some("a".into()),
        label: "l".into(),
        created_at: "2025-01-01T00:00:00Z".into(),
        revoked_at: None,
        revoked_by: None,
    };
    store.insert_api_key(&api).await.unwrap();
    assert_eq!(store.find_api_key("h1").await.unwrap(), Some(api.clone()));
    assert_eq!(store.find_api_key("h2").await.unwrap(), None);
    let admin = ApiKeyRow { id: "key_2".into(), token_hash: "h2".into(), slug: None, ..api.clone() };
    store.insert_api_key(&admin).await.unwrap();
    assert_eq!(store.list_api_keys(Some("a")).await.unwrap(), std::slice::from_ref(&api));
    assert_eq!(store.list_api_keys(None).await.unwrap(), [api.clone(), admin.clone()]);
    assert!(store.list_api_keys(Some("b")).await.unwrap().is_empty());
    let revocation = ApiKeyRevocation {
        id: "key_1".into(),
        slug: Some("b".into()),
        actor: "key_2".into(),
        reason: Some("leaked".into()),
        at: "2025-02-01T00:00:00Z".into(),
    };
    assert!(matches!(store.revoke_api_key(&revocation).await, Err(StoreError::NotFound(_))), "another institution's");
    let revocation = ApiKeyRevocation { slug: Some("a".into()), ..revocation };
    let revoked = store.revoke_api_key(&revocation).await.unwrap();
    let expected =
        ApiKeyRow { revoked_at: Some("2025-02-01T00:00:00Z".into()), revoked_by: Some("key_2".into()), ..api.clone() };
    assert_eq!(revoked, expected);
    assert_eq!(store.find_api_key("h1").await.unwrap(), Some(expected.clone()), "stays, marked revoked");
    assert_eq!(store.list_api_keys(Some("a")).await.unwrap(), [expected]);
    assert!(matches!(store.revoke_api_key(&revocation).await, Err(StoreError::Conflict(_))), "final");
    let audit = store.list_audit("a", 10, 0).await.unwrap();
    assert_eq!(
        audit.iter().map(|e| (e.action.as_str(), e.public_id.as_str(), e.actor.as_str())).collect::<Vec<_>>(),
        [("api-key-revoked", "key_1", "key_2")]
    );
    let any = ApiKeyRevocation { id: "key_2".into(), slug: None, ..revocation.clone() };
    assert_eq!(store.revoke_api_key(&any).await.unwrap().revoked_by.as_deref(), Some("key_2"), "admin keys too");

    for i in 0..3 {
        let a = AchievementRow {
            id: format!("ach_{i}"),
            slug: "a".into(),
            definition: "{}".into(),
            created_at: format!("2025-01-0{}T00:00:00Z", i + 1),
        };
        store.insert_achievement(&a).await.unwrap();
    }
    assert_eq!(
        store.list_achievements("a", 2, 0).await.unwrap().iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["ach_2", "ach_1"]
    );
    assert_eq!(store.list_achievements("a", 2, 2).await.unwrap().len(), 1);
    assert!(store.get_achievement("b", "ach_1").await.unwrap().is_none(), "scoped by institution");
    assert!(store.get_achievement("a", "ach_1").await.unwrap().is_some());

    assert_eq!(store.insert_credential(&cred("a", "p1"), None).await.unwrap(), InsertOutcome::Inserted);
    assert_eq!(store.get_credential("p1").await.unwrap(), Some(cred("a", "p1")));
    assert!(matches!(store.insert_credential(&cred("a", "p1"), None).await, Err(StoreError::Conflict(_))));
    let idem = IdempotencyRow {
        slug: "a".into(),
        key: "k".into(),
        request_hash: "rh".into(),
        public_id: "p2".into(),
        created_at: "2025-01-01T00:00:00Z".into(),
    };
    assert_eq!(store.insert_credential(&cred("a", "p2"), Some(&idem)).await.unwrap(), InsertOutcome::Inserted);
    let again = IdempotencyRow { public_id: "p3".into(), ..idem.clone() };
    assert_eq!(
        store.insert_credential(&cred("a", "p3"), Some(&again)).await.unwrap(),
        InsertOutcome::KeyTaken(idem.clone())
    );
    assert_eq!(store.get_credential("p3").await.unwrap(), None, "nothing stored when the key is taken");
    assert_eq!(store.find_idempotency("a", "k").await.unwrap(), Some(idem));
    assert_eq!(store.find_idempotency("b", "k").await.unwrap(), None, "keys are per institution");
    // Credential ids (chosen by VC-API callers) are unique per institution only.
    let mine = CredentialRow { public_id: "p4".into(), credential_id: "urn:x:same".into(), ..cred("a", "p4") };
    let theirs = CredentialRow { public_id: "p5".into(), slug: "b".into(), ..mine.clone() };
    assert_eq!(store.insert_credential(&mine, None).await.unwrap(), InsertOutcome::Inserted);
    assert_eq!(store.insert_credential(&theirs, None).await.unwrap(), InsertOutcome::Inserted);
    let twice = CredentialRow { public_id: "p6".into(), ..mine.clone() };
    assert!(matches!(store.insert_credential(&twice, None).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.get_credential_by_id("a", "urn:x:same").await.unwrap(), Some(mine));
    assert_eq!(store.get_credential_by_id("b", "urn:x:same").await.unwrap(), Some(theirs));
    // Revoking one without a status entry changes nothing and is refused.
    let change = StatusChange {
        slug: "a".into(),
        selector: Selector::Ids(vec!["p4".into()]),
        action: StatusAction::Revoke,
        actor: "t".into(),
        reason: None,
        at: "2025-02-01T00:00:00Z".into(),
        skip_done: false,
    };
    match store.change_status(&change).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("no status entry"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.get_credential("p4").await.unwrap().unwrap().status, "active");
    // A credential of an unknown institution is refused by the foreign key.
    assert!(store.insert_credential(&cred("nobody", "p9"), None).await.is_err());
}

#[tokio::test]
async fn the_store_contract_holds_on_every_backend() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (store, schema) = fresh_store(backend, dir.path()).await;
        contract(store.as_ref()).await;
        if let Some((url, schema)) = schema {
            PgStore::drop_schema(&url, &schema).await.unwrap();
        }
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/nested/x.db").display().to_string();
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.insert_institution(&inst("a")).await.unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(store.get_institution("a").await.unwrap().is_some());
    assert!(std::path::Path::new(&format!("{path}-wal")).exists() || std::path::Path::new(&path).exists());
}

/// Runs the first `n` migrations of a backend's directory.
async fn migrate_to<'c, A>(dir: &str, n: usize, conn: A)
where
    A: sqlx::Acquire<'c>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    let mut migrator = sqlx::migrate::Migrator::new(root().join(dir)).await.unwrap();
    migrator.migrations = migrator.migrations.iter().take(n).cloned().collect::<Vec<_>>().into();
    migrator.run(conn).await.unwrap();
}

const BEFORE_0004: &[&str] = &[
    "INSERT INTO institutions (slug, institution_id, name, url, created_at) VALUES ('a', 'ugent', 'U', 'https://u', 'x')",
    "INSERT INTO api_keys (id, token_hash, slug, label, created_at) VALUES ('key_1', 'h1', 'a', 'l', 'x')",
    "INSERT INTO credentials (public_id, credential_id, slug, format, ldp, jwt, issued_at, status_list, status_index, status) \
     VALUES ('p1', 'urn:x:1', 'a', 'ldp', '{}', 'a.b.c', '2025-01-01T00:00:00Z', 1, 7, 'revoked')",
    "INSERT INTO idempotency_keys (slug, idem_key, request_hash, public_id, created_at) VALUES ('a', 'k', 'rh', 'p1', 'x')",
];

async fn check_after_0004(store: &dyn Store) {
    let c = store.get_credential("p1").await.unwrap().unwrap();
    assert_eq!((c.credential_id.as_str(), c.status.as_str(), c.status_index), ("urn:x:1", "revoked", Some(7)));
    assert_eq!(store.find_idempotency("a", "k").await.unwrap().unwrap().public_id, "p1");
    let k = store.find_api_key("h1").await.unwrap().unwrap();
    assert_eq!((k.id.as_str(), k.revoked_at), ("key_1", None));
    // Idempotency keys refer to the rebuilt table.
    let idem = IdempotencyRow {
        slug: "a".into(),
        key: "k2".into(),
        request_hash: "rh".into(),
        public_id: "p2".into(),
        created_at: "x".into(),
    };
    assert_eq!(store.insert_credential(&cred("a", "p2"), Some(&idem)).await.unwrap(), InsertOutcome::Inserted);
    assert!(store.insert_credential(&cred("nobody", "p3"), None).await.is_err(), "foreign keys still hold");
}

#[tokio::test]
async fn migration_0004_keeps_existing_rows_on_every_backend() {
    // SQLite: the credentials table is rebuilt; the idempotency keys refer to it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db").display().to_string();
    {
        let opts = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&format!("sqlite://{path}"))
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        migrate_to("src/store/migrations/sqlite", 3, &pool).await;
        for sql in BEFORE_0004 {
            sqlx::query(sqlx::AssertSqlSafe(*sql)).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    check_after_0004(&store).await;

    // PostgreSQL: the constraint is replaced.
    if let Some(url) = pg_url() {
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        {
            let setup = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\""))).execute(&setup).await.unwrap();
            setup.close().await;
            let opts = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&url)
                .unwrap()
                .options([("search_path", schema.as_str())]);
            let pool = sqlx::PgPool::connect_with(opts).await.unwrap();
            migrate_to("src/store/migrations/postgres", 3, &pool).await;
            for sql in BEFORE_0004 {
                sqlx::query(sqlx::AssertSqlSafe(*sql)).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        let store = PgStore::connect(&url, Some(&schema)).await.unwrap();
        check_after_0004(&store).await;
        PgStore::drop_schema(&url, &schema).await.unwrap();
    }
}
