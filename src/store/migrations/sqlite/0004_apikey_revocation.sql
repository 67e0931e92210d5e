-- API keys can be revoked (when, by whom); credential ids are unique per institution
-- (a VC-API caller chooses its credentials' ids: one institution must not be able to
-- block or probe another's).
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
ALTER TABLE api_keys ADD COLUMN revoked_by TEXT;

-- SQLite cannot drop a column's UNIQUE constraint, so the table is rebuilt. The
-- idempotency keys refer to it: their foreign key is checked at commit instead, when
-- every credential is back (the copy goes through a scratch table so that re-inserting
-- the rows into the new `credentials` settles the check).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE credentials_copy AS SELECT * FROM credentials;
DROP TABLE credentials;
CREATE TABLE credentials (
    public_id          TEXT PRIMARY KEY,
    credential_id      TEXT NOT NULL,
    slug               TEXT NOT NULL REFERENCES institutions (slug),
    achievement_id     TEXT,
    format             TEXT NOT NULL,
    ldp                TEXT NOT NULL,
    jwt                TEXT NOT NULL,
    issued_at          TEXT NOT NULL,
    status_list        INTEGER,
    status_index       INTEGER,
    suspendable        INTEGER NOT NULL DEFAULT 0,
    status             TEXT NOT NULL DEFAULT 'active',
    status_changed_at  TEXT,
    status_reason      TEXT,
    UNIQUE (slug, credential_id)
);
INSERT INTO credentials (public_id, credential_id, slug, achievement_id, format, ldp, jwt, issued_at,
                         status_list, status_index, suspendable, status, status_changed_at, status_reason)
SELECT public_id, credential_id, slug, achievement_id, format, ldp, jwt, issued_at,
       status_list, status_index, suspendable, status, status_changed_at, status_reason
FROM credentials_copy;
DROP TABLE credentials_copy;
CREATE INDEX credentials_by_slug ON credentials (slug, issued_at);
CREATE UNIQUE INDEX credentials_status_slot ON credentials (slug, status_list, status_index);
CREATE INDEX credentials_by_achievement ON credentials (slug, achievement_id, issued_at);
