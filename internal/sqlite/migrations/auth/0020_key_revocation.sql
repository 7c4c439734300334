-- `bizy keys revoke KID`: a revoked key is withdrawn from the JWKS at once,
-- refused by every verifier, and its private key erased. Its row stays, so
-- the revocation feed can keep telling API copies that cached it.
ALTER TABLE signing_keys ADD COLUMN revoked_at INTEGER;
