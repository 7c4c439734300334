-- Refresh token rotation and the revocations feed. Times are INTEGER unix
-- microseconds (UTC), as in 0001.

-- The refresh hashes a session has rotated out, so that a token presented
-- again after rotation is recognised (and its session revoked) rather than
-- taken for an unknown one. A session's current hash stays in sessions.
CREATE TABLE refresh_tokens (
    hash       BLOB    PRIMARY KEY,
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    rotated_at INTEGER NOT NULL
);
-- For the cascade when a session (or its user) is deleted.
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

-- The revocations feed reads revoked sessions in (revoked_at, id) order.
CREATE INDEX sessions_revoked_at_id ON sessions (revoked_at, id)
    WHERE revoked_at IS NOT NULL;

-- A user's sessions are listed newest first. This index also serves every
-- lookup by user_id alone, so it replaces sessions_user_id.
CREATE INDEX sessions_user_id_created_at ON sessions (user_id, created_at, id);
DROP INDEX sessions_user_id;
