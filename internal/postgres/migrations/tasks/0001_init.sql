-- Tasks component: the Bizy API's tasks and goals. It owns these tables and
-- may live in another database than the auth component, so user_id is a
-- plain column with no foreign key to users. Ids are text compared byte-wise
-- (COLLATE "C") so that UUIDv7 order is creation order, as on SQLite.

CREATE TABLE goals (
    id          text COLLATE "C" NOT NULL,
    user_id     text COLLATE "C" NOT NULL,
    title       text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    status      text        NOT NULL,
    target_date date,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT goals_pkey PRIMARY KEY (id),
    CONSTRAINT goals_status_check CHECK (status IN ('active', 'achieved', 'abandoned'))
);
CREATE INDEX goals_user_id ON goals (user_id, id);

CREATE TABLE tasks (
    id          text COLLATE "C" NOT NULL,
    user_id     text COLLATE "C" NOT NULL,
    title       text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    status      text        NOT NULL,
    priority    text        NOT NULL,
    due_date    date,
    goal_id     text COLLATE "C",
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT tasks_pkey PRIMARY KEY (id),
    CONSTRAINT tasks_status_check CHECK (status IN ('todo', 'in_progress', 'done')),
    CONSTRAINT tasks_priority_check CHECK (priority IN ('low', 'medium', 'high')),
    -- The adapter unlinks a user's tasks itself when their goal is deleted;
    -- SET NULL is the backstop.
    CONSTRAINT tasks_goal_id_fkey FOREIGN KEY (goal_id) REFERENCES goals (id) ON DELETE SET NULL
);
CREATE INDEX tasks_user_id ON tasks (user_id, id);
CREATE INDEX tasks_user_status ON tasks (user_id, status, id);
CREATE INDEX tasks_user_goal ON tasks (user_id, goal_id, id);
-- Lets deleting a goal find its tasks for the foreign key action without
-- scanning every task.
CREATE INDEX tasks_goal_id ON tasks (goal_id) WHERE goal_id IS NOT NULL;
