-- Single-use tokens mailed to users, and the mail outbox. Ids are text
-- compared byte-wise (COLLATE "C"), as in 0001.

-- Only the SHA-256 hash of a token is stored.
CREATE TABLE user_tokens (
    hash       bytea       NOT NULL,
    user_id    text COLLATE "C" NOT NULL,
    purpose    text        NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT user_tokens_pkey PRIMARY KEY (hash),
    CONSTRAINT user_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX user_tokens_user_id_purpose ON user_tokens (user_id, purpose);

-- A message is pending while sent_at and parked_at are both NULL. A worker
-- holds a pending message while lease_owner names it; the lease has expired
-- once lease_until is at or before the worker's clock.
CREATE TABLE outbox (
    id              text COLLATE "C" NOT NULL,
    recipient       text        NOT NULL,
    subject         text        NOT NULL,
    text_body       text        NOT NULL,
    html_body       text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text,
    lease_until     timestamptz,
    sent_at         timestamptz,
    parked_at       timestamptz,
    last_error      text        NOT NULL DEFAULT '',
    CONSTRAINT outbox_pkey PRIMARY KEY (id)
);
-- Claims scan only pending messages; sent ones pile up outside the index.
CREATE INDEX outbox_pending ON outbox (next_attempt_at, created_at)
    WHERE sent_at IS NULL AND parked_at IS NULL;
-- Stats counts parked messages without reading the sent ones.
CREATE INDEX outbox_parked ON outbox (parked_at) WHERE parked_at IS NOT NULL;
