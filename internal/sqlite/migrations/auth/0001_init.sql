-- Auth component: accounts, sessions, signing keys, lockout counters and the
-- security event log. Times are INTEGER unix microseconds (UTC).

CREATE TABLE users (
    id             TEXT    PRIMARY KEY,
    username       TEXT    NOT NULL,
    -- Kept beside username so uniqueness and lookups ignore case with a plain
    -- index; the adapter fills it with strings.ToLower(username).
    username_lower TEXT    NOT NULL UNIQUE,
    email          TEXT    NOT NULL UNIQUE,
    email_verified INTEGER NOT NULL DEFAULT 0,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    password_hash  BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    refresh_hash BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    refreshed_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE signing_keys (
    id          TEXT    PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    private_key BLOB    NOT NULL,
    public_key  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);

CREATE TABLE login_failures (
    name         TEXT    PRIMARY KEY,
    count        INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER
);

-- user_id has no foreign key: the log must outlive the accounts it names.
CREATE TABLE events (
    id         TEXT    PRIMARY KEY,
    type       TEXT    NOT NULL,
    user_id    TEXT,
    login_name TEXT    NOT NULL DEFAULT '',
    ip         TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX events_created_at_id ON events (created_at, id);
CREATE INDEX events_user_id_created_at ON events (user_id, created_at, id);
CREATE INDEX events_type_created_at ON events (type, created_at, id);
