-- Auth component: accounts, sessions, signing keys, lockout counters and the
-- security event log. Ids are text compared byte-wise (COLLATE "C") so that
-- ordering matches the SQLite adapter and does not depend on the locale.

CREATE TABLE users (
    id             text COLLATE "C" NOT NULL,
    username       text        NOT NULL,
    -- Kept beside username so uniqueness and lookups ignore case with a plain
    -- index; the adapter fills it with strings.ToLower(username).
    username_lower text        NOT NULL,
    email          text        NOT NULL,
    email_verified boolean     NOT NULL DEFAULT false,
    is_admin       boolean     NOT NULL DEFAULT false,
    disabled       boolean     NOT NULL DEFAULT false,
    password_hash  bytea       NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    -- The adapter tells conflicts apart by these names.
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_lower_key UNIQUE (username_lower),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE sessions (
    id           text COLLATE "C" NOT NULL,
    user_id      text COLLATE "C" NOT NULL,
    refresh_hash bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    refreshed_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    ip           text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT '',
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_refresh_hash_key UNIQUE (refresh_hash),
    CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE signing_keys (
    id          text COLLATE "C" NOT NULL,
    algorithm   text        NOT NULL,
    private_key bytea       NOT NULL,
    public_key  bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    retired_at  timestamptz,
    CONSTRAINT signing_keys_pkey PRIMARY KEY (id)
);

CREATE TABLE login_failures (
    name         text    NOT NULL,
    count        integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    CONSTRAINT login_failures_pkey PRIMARY KEY (name)
);

-- user_id has no foreign key: the log must outlive the accounts it names.
CREATE TABLE events (
    id         text COLLATE "C" NOT NULL,
    type       text        NOT NULL,
    user_id    text COLLATE "C",
    login_name text        NOT NULL DEFAULT '',
    ip         text        NOT NULL DEFAULT '',
    user_agent text        NOT NULL DEFAULT '',
    detail     text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (id)
);
CREATE INDEX events_created_at_id ON events (created_at, id);
CREATE INDEX events_user_id_created_at ON events (user_id, created_at, id);
CREATE INDEX events_type_created_at ON events (type, created_at, id);
