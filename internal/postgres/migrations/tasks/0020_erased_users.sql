-- Users deleted in the auth service whose tasks and goals the API has
-- erased: every API copy hears of a deletion, and this row makes the
-- erasure happen once, whichever copy gets there first.
CREATE TABLE erased_users (
    user_id   text        PRIMARY KEY,
    erased_at timestamptz NOT NULL
);
