-- OpenID4VCI: credential offers with pre-authorized codes, access tokens and nonces.
CREATE TABLE offers (
    id                TEXT PRIMARY KEY,
    slug              TEXT NOT NULL REFERENCES institutions (slug),
    achievement_id    TEXT,
    record            TEXT NOT NULL,
    configuration_id  TEXT NOT NULL,
    pre_auth_code     TEXT UNIQUE,
    tx_code_hash      TEXT,
    tx_attempts       INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    code_used_at      TEXT,
    token_hash        TEXT UNIQUE,
    token_expires_at  TEXT,
    public_id         TEXT
);

CREATE TABLE nonces (
    nonce       TEXT PRIMARY KEY,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
