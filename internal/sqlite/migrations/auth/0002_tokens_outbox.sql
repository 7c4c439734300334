-- Single-use tokens mailed to users, and the mail outbox. Times are INTEGER
-- unix microseconds (UTC), as in 0001.

-- Only the SHA-256 hash of a token is stored.
CREATE TABLE user_tokens (
    hash       BLOB    PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX user_tokens_user_id_purpose ON user_tokens (user_id, purpose);

-- A message is pending while sent_at and parked_at are both NULL. A worker
-- holds a pending message while lease_owner names it; the lease has expired
-- once lease_until is at or before the worker's clock.
CREATE TABLE outbox (
    id              TEXT    PRIMARY KEY,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    sent_at         INTEGER,
    parked_at       INTEGER,
    last_error      TEXT    NOT NULL DEFAULT ''
);
-- Claims scan only pending messages; sent ones pile up outside the index.
CREATE INDEX outbox_pending ON outbox (next_attempt_at, created_at)
    WHERE sent_at IS NULL AND parked_at IS NULL;
-- Stats counts parked messages without reading the sent ones.
CREATE INDEX outbox_parked ON outbox (parked_at) WHERE parked_at IS NOT NULL;
