-- API keys can be revoked (when, by whom); credential ids are unique per institution
-- (a VC-API caller chooses its credentials' ids: one institution must not be able to
-- block or probe another's).
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
ALTER TABLE api_keys ADD COLUMN revoked_by TEXT;

ALTER TABLE credentials DROP CONSTRAINT credentials_credential_id_key;
ALTER TABLE credentials ADD CONSTRAINT credentials_slug_credential_id_key UNIQUE (slug, credential_id);
