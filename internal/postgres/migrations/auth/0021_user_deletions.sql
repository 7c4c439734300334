-- Deleted users, by id, for the deletions feed (GET /deletions) from which
-- the API learns whose tasks and goals to erase. Written in the transaction
-- that deletes the user.
CREATE TABLE user_deletions (
    user_id    text        PRIMARY KEY,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX user_deletions_deleted_at ON user_deletions (deleted_at, user_id);
