-- Institutions (issuer profiles), their keys, API keys, achievements and credentials.
CREATE TABLE institutions (
    slug            TEXT PRIMARY KEY,
    institution_id  TEXT,
    name            TEXT NOT NULL,
    url             TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE issuer_keys (
    kid         TEXT PRIMARY KEY,
    slug        TEXT NOT NULL REFERENCES institutions (slug),
    alg         TEXT NOT NULL,
    public_jwk  TEXT NOT NULL,
    secret      TEXT,
    key_file    TEXT,
    status      TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);
CREATE INDEX issuer_keys_by_slug ON issuer_keys (slug, created_at);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    slug        TEXT REFERENCES institutions (slug),
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE achievements (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL REFERENCES institutions (slug),
    definition  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX achievements_by_slug ON achievements (slug, created_at);

CREATE TABLE credentials (
    public_id       TEXT PRIMARY KEY,
    credential_id   TEXT NOT NULL UNIQUE,
    slug            TEXT NOT NULL REFERENCES institutions (slug),
    achievement_id  TEXT,
    format          TEXT NOT NULL,
    ldp             TEXT NOT NULL,
    jwt             TEXT NOT NULL,
    issued_at       TEXT NOT NULL
);
CREATE INDEX credentials_by_slug ON credentials (slug, issued_at);

CREATE TABLE idempotency_keys (
    slug          TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    public_id     TEXT NOT NULL REFERENCES credentials (public_id),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (slug, idem_key)
);
