-- Deleting a user deletes their sessions (ON DELETE CASCADE), but the
-- revocations feed must keep naming the ones revoked on the way out until
-- their access tokens have expired, or API copies that only poll would
-- accept those tokens until then. DeleteUser copies them here first. Times
-- are INTEGER unix microseconds (UTC), as in 0001; the columns are those of
-- sessions, without its foreign key.
CREATE TABLE session_tombstones (
    id           TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL,
    refresh_hash BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    refreshed_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER NOT NULL,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX session_tombstones_revoked_at_id ON session_tombstones (revoked_at, id);
