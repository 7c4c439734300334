-- REFRESH_REUSE_INTERVAL: a refresh token presented again shortly after its
-- rotation (concurrent tabs, a retry) is answered with its successor, the
-- session's current token, instead of counting as theft. Only hashes of
-- refresh tokens are stored, so the successor is kept sealed with a key
-- derived from the rotated-out token itself: only its holder can open it.
ALTER TABLE refresh_tokens ADD COLUMN successor BLOB;
