-- Deleting a user deletes their sessions (ON DELETE CASCADE), but the
-- revocations feed must keep naming the ones revoked on the way out until
-- their access tokens have expired, or API copies that only poll would
-- accept those tokens until then. DeleteUser copies them here first. The
-- columns are those of sessions, without its foreign key; ids compare
-- byte-wise (COLLATE "C"), as in 0001.
CREATE TABLE session_tombstones (
    id           text COLLATE "C" NOT NULL,
    user_id      text COLLATE "C" NOT NULL,
    refresh_hash bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    refreshed_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz NOT NULL,
    ip           text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT '',
    CONSTRAINT session_tombstones_pkey PRIMARY KEY (id)
);
CREATE INDEX session_tombstones_revoked_at_id ON session_tombstones (revoked_at, id);
