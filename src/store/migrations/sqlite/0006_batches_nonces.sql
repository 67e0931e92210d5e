-- Batches commit as a whole: their credentials are stored chunk by chunk under a batch
-- that stays 'pending' (its credentials invisible: no share page, no API, no status
-- change) until one UPDATE marks it 'committed'. A pending batch whose node stopped
-- sending heartbeats (crash, kill -9) is removed with its credentials by the janitor.
CREATE TABLE batches (
    id             TEXT PRIMARY KEY,
    slug           TEXT NOT NULL REFERENCES institutions (slug),
    state          TEXT NOT NULL CHECK (state IN ('pending', 'committed')),
    format         TEXT NOT NULL,
    achievement_id TEXT,
    item_count     INTEGER NOT NULL,
    warning_count  INTEGER NOT NULL DEFAULT 0,
    idem_key       TEXT,
    request_hash   TEXT,
    created_at     TEXT NOT NULL,
    heartbeat_at   TEXT NOT NULL,
    committed_at   TEXT,
    UNIQUE (slug, idem_key)
);
CREATE INDEX batches_pending ON batches (state, heartbeat_at);

ALTER TABLE credentials ADD COLUMN batch_id TEXT REFERENCES batches (id);
ALTER TABLE credentials ADD COLUMN batch_index INTEGER;
CREATE INDEX credentials_by_batch ON credentials (batch_id, batch_index);

-- Nonces are self-validating (MAC and expiry, see service::oid4vci): handing one out
-- stores nothing. A nonce is recorded only when a credential request uses it, until it
-- expires, so that it cannot be used twice.
DROP TABLE nonces;
CREATE TABLE used_nonces (
    nonce       TEXT PRIMARY KEY,
    expires_at  TEXT NOT NULL
);
CREATE INDEX used_nonces_by_expiry ON used_nonces (expires_at);

-- Secrets the service creates for itself, shared by every node (the nonce MAC key).
CREATE TABLE service_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX offers_by_expiry ON offers (expires_at);
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);
