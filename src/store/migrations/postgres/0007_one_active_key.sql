-- An institution signs with exactly one active key. Two rotations at once could leave two
-- (each retired the keys it saw, then added its own); rotations now serialise on the
-- institution's row, and the database refuses a second active key. Keys left active by
-- such a race are retired now, all but the newest, which keeps signing.
UPDATE issuer_keys SET status = 'retired', retired_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
WHERE status = 'active' AND EXISTS (
    SELECT 1 FROM issuer_keys newer
    WHERE newer.slug = issuer_keys.slug AND newer.status = 'active'
      AND (newer.created_at > issuer_keys.created_at
           OR (newer.created_at = issuer_keys.created_at AND newer.kid > issuer_keys.kid))
);
CREATE UNIQUE INDEX issuer_keys_one_active ON issuer_keys (slug) WHERE status = 'active';

-- Key numbers (`#key-N`) come from a counter on the institution, taken in one statement,
-- so two rotations at once never pick the same number (the second one's key file
-- overwrote the first one's, leaving an active key whose secret did not match its
-- published public key).
ALTER TABLE institutions ADD COLUMN key_seq BIGINT NOT NULL DEFAULT 0;
UPDATE institutions SET key_seq = (SELECT COUNT(*) FROM issuer_keys WHERE issuer_keys.slug = institutions.slug);
