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
    };
    store.insert_api_key(&api).await.unwrap();
    assert_eq!(store.find_api_key("h1").await.unwrap(), Some(api));
    assert_eq!(store.find_api_key("h2").await.unwrap(), None);

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
