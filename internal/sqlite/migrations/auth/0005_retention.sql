-- Indexes for retention (Store.Prune), which deletes finished rows by time
-- every hour; without them each run would scan tables that only grow.
-- Revoked sessions and tombstones are found through the (revoked_at, id)
-- indexes of 0003 and 0004. Times are INTEGER unix microseconds (UTC), as
-- in 0001.

-- Sessions never revoked go when they expire; revoked ones are not in it.
CREATE INDEX sessions_expires_at ON sessions (expires_at) WHERE revoked_at IS NULL;

-- Single-use tokens go once used or expired.
CREATE INDEX user_tokens_used_at ON user_tokens (used_at) WHERE used_at IS NOT NULL;
CREATE INDEX user_tokens_expires_at ON user_tokens (expires_at);

-- Sent messages pile up outside the pending and parked indexes of 0002.
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Ended locks (count 0 with a lock); failure counts under the threshold
-- stay out of it.
CREATE INDEX login_failures_locked_until ON login_failures (locked_until) WHERE count = 0;
