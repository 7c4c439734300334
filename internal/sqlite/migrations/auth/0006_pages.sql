-- The pages (/ui/): a browser signed in at /ui/login holds a cookie whose
-- secret names its row of sessions by SHA-256, so a page session is listed,
-- signed out and revoked like any other. Sessions opened through the JSON
-- API have none.
ALTER TABLE sessions ADD COLUMN cookie_hash BLOB;
CREATE UNIQUE INDEX sessions_cookie_hash ON sessions (cookie_hash) WHERE cookie_hash IS NOT NULL;

-- The admin console filters the event log by client IP.
CREATE INDEX events_ip_created_at ON events (ip, created_at, id);
