-- Tasks component: the Bizy API's tasks and goals. It owns these tables and
-- may live in another database than the auth component, so user_id is a
-- plain column with no foreign key to users. Times are INTEGER unix
-- microseconds (UTC); dates are YYYY-MM-DD text, NULL when unset.

CREATE TABLE goals (
    id          TEXT    PRIMARY KEY,
    user_id     TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL CHECK (status IN ('active', 'achieved', 'abandoned')),
    target_date TEXT    CHECK (target_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX goals_user_id ON goals (user_id, id);

CREATE TABLE tasks (
    id          TEXT    PRIMARY KEY,
    user_id     TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    priority    TEXT    NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    due_date    TEXT    CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- The adapter unlinks a user's tasks itself when their goal is deleted;
    -- SET NULL is the backstop.
    goal_id     TEXT    REFERENCES goals (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX tasks_user_id ON tasks (user_id, id);
CREATE INDEX tasks_user_status ON tasks (user_id, status, id);
CREATE INDEX tasks_user_goal ON tasks (user_id, goal_id, id);
-- Lets deleting a goal find its tasks for the foreign key action without
-- scanning every task.
CREATE INDEX tasks_goal_id ON tasks (goal_id) WHERE goal_id IS NOT NULL;
