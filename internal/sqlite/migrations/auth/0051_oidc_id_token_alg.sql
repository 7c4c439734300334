-- The algorithm a client's ID tokens are signed with: RS256 (the default,
-- which every relying party accepts) or EdDSA.
ALTER TABLE oidc_clients ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256';
