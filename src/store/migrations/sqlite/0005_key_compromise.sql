-- A key reported compromised: signatures dated from this instant on are refused; the key
-- stays in the DID document so that earlier credentials keep verifying.
ALTER TABLE issuer_keys ADD COLUMN compromised_since TEXT;
