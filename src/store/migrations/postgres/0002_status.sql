-- Bitstring Status Lists (revocation, suspension), slot allocation and the audit log.
CREATE TABLE status_slots (
    slug       TEXT NOT NULL REFERENCES institutions (slug),
    list_no    BIGINT NOT NULL,
    size       BIGINT NOT NULL,
    allocated  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (slug, list_no)
);

CREATE TABLE status_allocations (
    slug     TEXT NOT NULL,
    list_no  BIGINT NOT NULL,
    idx      BIGINT NOT NULL,
    PRIMARY KEY (slug, list_no, idx)
);

CREATE TABLE status_lists (
    slug            TEXT NOT NULL REFERENCES institutions (slug),
    list_no         BIGINT NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    bits            TEXT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 0,
    signed          TEXT,
    signed_version  BIGINT,
    signed_until    TEXT,
    PRIMARY KEY (slug, list_no, purpose)
);

ALTER TABLE credentials ADD COLUMN status_list BIGINT;
ALTER TABLE credentials ADD COLUMN status_index BIGINT;
ALTER TABLE credentials ADD COLUMN suspendable BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE credentials ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE credentials ADD COLUMN status_changed_at TEXT;
ALTER TABLE credentials ADD COLUMN status_reason TEXT;
CREATE UNIQUE INDEX credentials_status_slot ON credentials (slug, status_list, status_index);
CREATE INDEX credentials_by_achievement ON credentials (slug, achievement_id, issued_at);

CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    slug       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    public_id  TEXT NOT NULL,
    reason     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX audit_log_by_slug ON audit_log (slug, id);

-- The audit log is append-only.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
