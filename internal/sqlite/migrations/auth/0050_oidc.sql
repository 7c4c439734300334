-- OpenID Connect provider: the apps that sign in with Bizy (clients), the
-- authorization requests between /oauth/authorize and the code exchange,
-- the grants that tie a session to the client it was opened for, and the
-- consents users gave to third-party clients. Times are unix microseconds.

CREATE TABLE oidc_clients (
    id            TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    secret_hash   BLOB,             -- NULL for a public client
    redirect_uris TEXT    NOT NULL, -- one per line
    public        INTEGER NOT NULL DEFAULT 0,
    first_party   INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE oidc_auth_requests (
    id           TEXT    PRIMARY KEY,
    client_id    TEXT    NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    data         BLOB    NOT NULL,
    code_hash    BLOB    UNIQUE,
    created_at   INTEGER NOT NULL,
    code_at      INTEGER,
    code_used_at INTEGER,
    code_reused  INTEGER NOT NULL DEFAULT 0,
    issued_sid   TEXT
);
CREATE INDEX oidc_auth_requests_created_at ON oidc_auth_requests (created_at);

CREATE TABLE oidc_grants (
    session_id TEXT    PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    client_id  TEXT    NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id    TEXT    NOT NULL,
    scopes     TEXT    NOT NULL,
    auth_time  INTEGER NOT NULL,
    amr        TEXT    NOT NULL
);
CREATE INDEX oidc_grants_user_client ON oidc_grants (user_id, client_id);
CREATE INDEX oidc_grants_client ON oidc_grants (client_id);

CREATE TABLE oidc_consents (
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT    NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scopes     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
