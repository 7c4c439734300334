-- The lockout counts failed logins per account and client IP, and per
-- account from all IPs together (ip = ''), within a window (auth.Lockout).
-- A subject is 'user:<id>' for an account, 'name:<login name>' for a name
-- no account has. The old per-name counts say nothing about IPs: they go.
DROP TABLE login_failures;

CREATE TABLE login_attempts (
    subject       text COLLATE "C" NOT NULL,
    ip            text COLLATE "C" NOT NULL,
    failures      integer     NOT NULL DEFAULT 0,
    window_start  timestamptz,
    locked_until  timestamptz,
    pending       integer     NOT NULL DEFAULT 0,
    pending_until timestamptz,
    -- when the row holds nothing any more; Prune deletes it after that
    expires_at    timestamptz NOT NULL DEFAULT 'epoch',
    CONSTRAINT login_attempts_pkey PRIMARY KEY (subject, ip)
);
CREATE INDEX login_attempts_expires_at ON login_attempts (expires_at);
