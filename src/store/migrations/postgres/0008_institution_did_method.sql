-- How an institution names itself: 'web' (did:web under the base URL, the default and
-- what every existing institution is) or 'key' (the did:key of its one signing key).
ALTER TABLE institutions ADD COLUMN did_method TEXT NOT NULL DEFAULT 'web' CHECK (did_method IN ('web', 'key'));
