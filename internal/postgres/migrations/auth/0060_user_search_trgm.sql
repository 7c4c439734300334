-- Trigram indexes for the admin user search, which matches a substring of
-- username_lower or email (LIKE '%q%'): a B-tree cannot serve that, a
-- pg_trgm GIN index can, for terms of three characters or more. With them
-- the planner reads a rare term's few rows through the indexes and sorts
-- them, and still walks users_pkey backwards for a common term, which finds
-- a page at once; without them every rare term walks the whole table.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension since
-- PostgreSQL 13, so a role with CREATE on the database (its owner) may
-- create it. Where it is missing or not allowed (some managed services list
-- the extensions they permit), this migration creates nothing, says why in
-- a WARNING (the server's log keeps those by default), and start-up goes
-- on: the search answers the same, only reading users in id order. The
-- README ("Admin user search") gives the statements to add the indexes
-- later; IF NOT EXISTS also lets an operator build them beforehand with
-- CREATE INDEX CONCURRENTLY, as this transaction blocks writes to users
-- while it builds them (about 20 s per million users).
DO $$
DECLARE
    ext_schema name;
BEGIN
    SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NULL THEN
        IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
            RAISE WARNING 'pg_trgm is not available: the admin user search is not indexed';
            RETURN;
        END IF;
        -- public when this role may create there, as most installs keep
        -- their extensions: an extension living in the application's schema
        -- would go, with every index using it, should that schema be dropped
        -- (as tests drop theirs while others share the database).
        ext_schema := current_schema();
        IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public')
                AND has_schema_privilege('public', 'CREATE') THEN
            ext_schema := 'public';
        END IF;
        BEGIN
            EXECUTE format('CREATE EXTENSION pg_trgm SCHEMA %I', ext_schema);
        EXCEPTION WHEN OTHERS THEN
            -- Whatever the refusal (privilege, an allow-list), the search
            -- works without the indexes; the subtransaction is rolled back.
            RAISE WARNING 'cannot create pg_trgm (%): the admin user search is not indexed', SQLERRM;
            RETURN;
        END;
    END IF;
    -- The operator class is named with its schema, which need not be on
    -- the search_path. fastupdate is off: searches then never scan a
    -- pending list of up to 4 MB, and the price, about 0.1 ms more per
    -- inserted user, is nothing beside a registration's password hash.
    BEGIN
        EXECUTE format('CREATE INDEX IF NOT EXISTS users_username_lower_trgm ON users
            USING gin (username_lower %I.gin_trgm_ops) WITH (fastupdate = off)', ext_schema);
        EXECUTE format('CREATE INDEX IF NOT EXISTS users_email_trgm ON users
            USING gin (email %I.gin_trgm_ops) WITH (fastupdate = off)', ext_schema);
    EXCEPTION WHEN insufficient_privilege OR undefined_object THEN
        -- pg_trgm installed by another role in a schema this one may not
        -- use. Other failures (disk, a cancelled build) fail the migration,
        -- to be retried, rather than being recorded as done.
        RAISE WARNING 'cannot use pg_trgm in schema % (%): the admin user search is not indexed', ext_schema, SQLERRM;
    END;
END
$$;
