-- OpenID Connect provider: the apps that sign in with Bizy (clients), the
-- authorization requests between /oauth/authorize and the code exchange,
-- the grants that tie a session to the client it was opened for, and the
-- consents users gave to third-party clients.

CREATE TABLE oidc_clients (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    name          text        NOT NULL,
    secret_hash   bytea,                -- NULL for a public client
    redirect_uris text        NOT NULL, -- one per line
    public        boolean     NOT NULL DEFAULT false,
    first_party   boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);

CREATE TABLE oidc_auth_requests (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    client_id    text COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    data         bytea       NOT NULL,
    code_hash    bytea       UNIQUE,
    created_at   timestamptz NOT NULL,
    code_at      timestamptz,
    code_used_at timestamptz,
    code_reused  boolean     NOT NULL DEFAULT false,
    issued_sid   text
);
CREATE INDEX oidc_auth_requests_created_at ON oidc_auth_requests (created_at);

CREATE TABLE oidc_grants (
    session_id text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    client_id  text COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id    text COLLATE "C" NOT NULL,
    scopes     text        NOT NULL,
    auth_time  timestamptz NOT NULL,
    amr        text        NOT NULL
);
CREATE INDEX oidc_grants_user_client ON oidc_grants (user_id, client_id);
CREATE INDEX oidc_grants_client ON oidc_grants (client_id);

CREATE TABLE oidc_consents (
    user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  text COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scopes     text        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
