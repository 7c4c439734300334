-- The lockout counts failed logins per account and client IP, and per
-- account from all IPs together (ip = ''), within a window (auth.Lockout).
-- A subject is 'user:<id>' for an account, 'name:<login name>' for a name
-- no account has. Times are INTEGER unix microseconds (UTC), as in 0001.
-- The old per-name counts say nothing about IPs: they go.
DROP TABLE login_failures;

CREATE TABLE login_attempts (
    subject       TEXT    NOT NULL,
    ip            TEXT    NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    window_start  INTEGER,
    locked_until  INTEGER,
    pending       INTEGER NOT NULL DEFAULT 0,
    pending_until INTEGER,
    -- when the row holds nothing any more; Prune deletes it after that
    expires_at    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (subject, ip)
);
CREATE INDEX login_attempts_expires_at ON login_attempts (expires_at);
