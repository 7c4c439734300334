-- Second factors. A user's TOTP secret is sealed with DB_ENCRYPTION_KEY
-- when one is set (seal's text form), plaintext otherwise; last_step is the
-- last 30-second step a code was accepted for, so no code works twice.
CREATE TABLE mfa_totp (
    user_id      text COLLATE "C" NOT NULL,
    secret       bytea       NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    CONSTRAINT mfa_totp_pkey PRIMARY KEY (user_id),
    CONSTRAINT mfa_totp_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- Recovery codes, kept as SHA-256 hashes; each works once.
CREATE TABLE mfa_recovery_codes (
    user_id    text COLLATE "C" NOT NULL,
    hash       bytea       NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL,
    CONSTRAINT mfa_recovery_codes_pkey PRIMARY KEY (user_id, hash),
    CONSTRAINT mfa_recovery_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- Passkeys (WebAuthn credentials).
CREATE TABLE passkeys (
    id              text COLLATE "C" NOT NULL,
    user_id         text COLLATE "C" NOT NULL,
    name            text        NOT NULL,
    credential_id   bytea       NOT NULL,
    public_key      bytea       NOT NULL,
    attestation     text        NOT NULL DEFAULT '',
    aaguid          bytea       NOT NULL,
    sign_count      bigint      NOT NULL DEFAULT 0,
    backup_eligible boolean     NOT NULL DEFAULT false,
    backup_state    boolean     NOT NULL DEFAULT false,
    transports      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    CONSTRAINT passkeys_pkey PRIMARY KEY (id),
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id),
    CONSTRAINT passkeys_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- Short-lived steps of a sign-in or enrolment: the mfa_token between the
-- password and the code, and the WebAuthn ceremonies' state, named by the
-- SHA-256 of the secret the client holds.
CREATE TABLE mfa_flows (
    hash       bytea       NOT NULL,
    kind       text        NOT NULL,
    user_id    text        NOT NULL DEFAULT '',
    login_name text        NOT NULL DEFAULT '',
    data       bytea       NOT NULL,
    failures   integer     NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    CONSTRAINT mfa_flows_pkey PRIMARY KEY (hash)
);
CREATE INDEX mfa_flows_expires_at ON mfa_flows (expires_at);

-- How each session was signed in (the amr of its tokens), so a refresh
-- keeps the assurance level. A session without a row was opened with a
-- password alone.
CREATE TABLE session_amr (
    session_id text COLLATE "C" NOT NULL,
    amr        text NOT NULL,
    CONSTRAINT session_amr_pkey PRIMARY KEY (session_id),
    CONSTRAINT session_amr_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
);
