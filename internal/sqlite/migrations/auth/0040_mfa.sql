-- Second factors. A user's TOTP secret is sealed with DB_ENCRYPTION_KEY
-- when one is set (seal's text form), plaintext otherwise; last_step is the
-- last 30-second step a code was accepted for, so no code works twice.
CREATE TABLE mfa_totp (
    user_id      TEXT    PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       BLOB    NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);

-- Recovery codes, kept as SHA-256 hashes; each works once.
CREATE TABLE mfa_recovery_codes (
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       BLOB    NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, hash)
);

-- Passkeys (WebAuthn credentials).
CREATE TABLE passkeys (
    id              TEXT    PRIMARY KEY,
    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    credential_id   BLOB    NOT NULL UNIQUE,
    public_key      BLOB    NOT NULL,
    attestation     TEXT    NOT NULL DEFAULT '',
    aaguid          BLOB    NOT NULL,
    sign_count      INTEGER NOT NULL DEFAULT 0,
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backup_state    INTEGER NOT NULL DEFAULT 0,
    transports      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- Short-lived steps of a sign-in or enrolment: the mfa_token between the
-- password and the code, and the WebAuthn ceremonies' state, named by the
-- SHA-256 of the secret the client holds.
CREATE TABLE mfa_flows (
    hash       BLOB    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    user_id    TEXT    NOT NULL DEFAULT '',
    login_name TEXT    NOT NULL DEFAULT '',
    data       BLOB    NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX mfa_flows_expires_at ON mfa_flows (expires_at);

-- How each session was signed in (the amr of its tokens), so a refresh
-- keeps the assurance level. A session without a row was opened with a
-- password alone.
CREATE TABLE session_amr (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    amr        TEXT NOT NULL
);
