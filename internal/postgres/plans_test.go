package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/tasks"
)

// recorder is a pgx tracer keeping every query sent, with its arguments.
type recorder struct {
	mu      sync.Mutex
	queries []recorded
}

type recorded struct {
	sql  string
	args []any
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, recorded{d.SQL, d.Args})
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queries
	r.queries = nil
	return q
}

// trigramIndexes are the admin search's indexes (migration 0060), which
// the test server, shipping pg_trgm, must have.
var trigramIndexes = []string{"users_username_lower_trgm", "users_email_trgm"}

// bigTables are the tables that grow with the users: a sequential scan of
// one is a query whose cost grows with the data.
var bigTables = map[string]bool{"users": true, "tasks": true}

// TestHotQueriesUseIndexes runs the hot read paths (login, profile, a first
// and a deep page of tasks, a status filter, the admin user search) through
// the stores on tables of 30,000 users and 200,000 tasks, statistics
// analyzed, and EXPLAINs the very SQL and arguments they sent: no plan may
// scan users or tasks sequentially, and each must read them through an
// index. The admin search must read a rare term through the trigram
// indexes and a term every user matches by walking users_pkey, first page
// and next. The planner runs with its defaults (no enable_seqscan=off), so
// the indexes are chosen on their merits.
func TestHotQueriesUseIndexes(t *testing.T) {
	u := pgtest.SchemaURL(t)
	ctx := t.Context()
	rec := &recorder{}
	db, err := postgres.OpenTraced(ctx, pgtest.WithParam(u, "pool_max_conns", "2"), rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateTasks(ctx); err != nil {
		t.Fatal(err)
	}
	// User 1 owns 1 task in 2,000, the rest spread evenly.
	conn := connectFilled(t, u, fillUsersSQL(30000),
		`INSERT INTO tasks (id, user_id, title, status, priority, created_at, updated_at)
		 SELECT lpad(g::text, 12, '0'), lpad((g % 2000 + 1)::text, 12, '0'), 'task', (ARRAY['todo', 'in_progress', 'done'])[g % 3 + 1], 'low', now(), now()
		 FROM generate_series(1, 200000) g`,
		`ANALYZE users`, `ANALYZE tasks`)
	rec.take()

	as, ts := db.AuthStore(), db.TasksStore()
	user := "000000000001"
	// wantIndexes, when set, are indexes the plan must read: the admin
	// search must find a rare term through the trigram indexes (not by
	// walking users_pkey past every row) and a common one by walking
	// users_pkey (not by sorting every match).
	// noIndexes, when set, are indexes the plan must not read. generic
	// EXPLAINs the plan PostgreSQL keeps for the statement whatever its
	// arguments (plan_cache_mode = force_generic_plan): the search's
	// statements are written so that this plan is the right one and is
	// never replanned per request.
	paths := []struct {
		name        string
		call        func() error
		wantIndexes []string
		noIndexes   []string
		generic     bool
	}{
		{"login", func() error { _, err := as.UserByLogin(ctx, "user1"); return err }, nil, nil, false},
		{"login by email", func() error { _, err := as.UserByLogin(ctx, "user1@example.com"); return err }, nil, nil, false},
		{"profile", func() error { _, err := as.UserByID(ctx, user); return err }, nil, nil, false},
		{"tasks first page", func() error {
			_, _, err := ts.Tasks(ctx, user, tasks.TaskFilter{Limit: 21})
			return err
		}, nil, nil, false},
		{"tasks deep page", func() error {
			_, _, err := ts.Tasks(ctx, user, tasks.TaskFilter{Limit: 21, After: "000000004001"})
			return err
		}, nil, nil, false},
		{"tasks by status", func() error {
			_, _, err := ts.Tasks(ctx, user, tasks.TaskFilter{Limit: 21, Status: "done"})
			return err
		}, nil, nil, false},
		{"admin user search", func() error {
			_, _, err := as.ListUsers(ctx, auth.UserFilter{Query: "user29", Limit: 20})
			return err
		}, nil, nil, true},
		{"admin user search, rare term", func() error {
			_, _, err := as.ListUsers(ctx, auth.UserFilter{Query: "User12345", Limit: 20})
			return err
		}, trigramIndexes, nil, true},
		{"admin user search, rare term, next page", func() error {
			_, _, err := as.ListUsers(ctx, auth.UserFilter{Query: "r1234@", Limit: 20, After: "000000012000"})
			return err
		}, trigramIndexes, nil, true},
		{"admin user search, term in every user", func() error {
			_, _, err := as.ListUsers(ctx, auth.UserFilter{Query: "USER", Limit: 20})
			return err
		}, []string{"users_pkey"}, trigramIndexes, true},
		{"admin user search, term in every email, next page", func() error {
			_, _, err := as.ListUsers(ctx, auth.UserFilter{Query: "example.com", Limit: 20, After: "000000015000"})
			return err
		}, []string{"users_pkey"}, trigramIndexes, true},
		{"admin user search, rare term of two characters", func() error {
			_, _, err := as.ListUsers(ctx, auth.UserFilter{Query: "q9", Limit: 20})
			return err
		}, []string{"users_pkey"}, trigramIndexes, true},
		{"admin user list", func() error {
			_, _, err := as.ListUsers(ctx, auth.UserFilter{Limit: 20, After: "000000015000"})
			return err
		}, nil, nil, false},
	}
	for _, p := range paths {
		if err := p.call(); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		qs := rec.take()
		if len(qs) == 0 {
			t.Fatalf("%s sent no query", p.name)
		}
		for _, q := range qs {
			if strings.Contains(q.sql, "pg_stats") {
				continue // the search's statistics, read once a minute
			}
			mode := "auto"
			if p.generic {
				mode = "force_generic_plan"
			}
			if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
				t.Fatal(err)
			}
			var plan []struct{ Plan planNode }
			if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+q.sql, q.args...).Scan(&plan); err != nil {
				t.Fatalf("%s: EXPLAIN %s: %v", p.name, q.sql, err)
			}
			var nodes []string
			indexed := false
			read := map[string]bool{}
			plan[0].Plan.walk(func(n planNode) {
				nodes = append(nodes, n.NodeType+" "+n.RelationName+" "+n.IndexName)
				read[n.IndexName] = true
				if bigTables[n.RelationName] && n.NodeType == "Seq Scan" {
					t.Errorf("%s: sequential scan of %s in\n%s", p.name, n.RelationName, q.sql)
				}
				indexed = indexed || n.IndexName != ""
			})
			if !indexed {
				t.Errorf("%s: no index in the plan of\n%s\nnodes: %s", p.name, q.sql, strings.Join(nodes, "; "))
			}
			for _, idx := range p.wantIndexes {
				if !read[idx] {
					t.Errorf("%s: plan reads no %s: %s", p.name, idx, strings.Join(nodes, "; "))
				}
			}
			for _, idx := range p.noIndexes {
				if read[idx] {
					t.Errorf("%s: plan reads %s: %s", p.name, idx, strings.Join(nodes, "; "))
				}
			}
			t.Logf("%s: %s", p.name, strings.Join(nodes, "; "))
		}
	}
}

// fillUsersSQL inserts n users named user1…userN, with 12-digit ids that
// sort like the services' UUIDv7s, by creation.
func fillUsersSQL(n int) string {
	return fmt.Sprintf(`INSERT INTO users (id, username, username_lower, email, email_verified, password_hash, created_at, updated_at)
		SELECT lpad(g::text, 12, '0'), 'user' || g, 'user' || g, 'user' || g || '@example.com', true, '\x00', now(), now()
		FROM generate_series(1, %d) g`, n)
}

// connectFilled connects to u, runs sqls there and returns the connection,
// closed when t ends.
func connectFilled(t *testing.T, u string, sqls ...string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for _, q := range sqls {
		if _, err := conn.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

// planNode is the part of EXPLAIN (FORMAT JSON)'s plan tree the test reads.
type planNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	Plans        []planNode `json:"Plans"`
}

func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}
