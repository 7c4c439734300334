package postgres_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/storetest"
	"github.com/bizy-auth/bizy/internal/tasks"
)

// openMigrated opens a migrated DB on a fresh schema of url's server. The
// pool is large enough for the contract suite's twenty concurrent writers to
// reach the server at once rather than queue for connections.
func openMigrated(t *testing.T) *postgres.DB {
	t.Helper()
	return openMigratedURL(t, pgtest.WithParam(pgtest.SchemaURL(t), "pool_max_conns", "24"))
}

// openMigratedURL opens a DB on u, closed when t ends, and migrates the
// auth component.
func openMigratedURL(t *testing.T, u string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateAuth(t.Context()); err != nil {
		t.Fatalf("MigrateAuth: %v", err)
	}
	return db
}

// TestAuthStore runs the contract suite on a fresh schema per subtest.
func TestAuthStore(t *testing.T) {
	pgtest.URL(t)
	storetest.AuthStore(t, func(t *testing.T) storetest.Engine {
		db := openMigrated(t)
		return storetest.Engine{
			Store:  db.AuthStore(),
			Outbox: db.Outbox(),
			OutboxRowsHolding: func(ctx context.Context, s string) (int, error) {
				return db.CountRows(ctx, `SELECT count(*) FROM outbox
					WHERE strpos(text_body, $1) > 0 OR strpos(html_body, $1) > 0`, s)
			},
			UserRowLocked: db.UserRowLocked,
		}
	})
}

// TestOutboxSuite runs the mail package's contract suite on the outbox,
// enqueueing through the auth store as requests do.
func TestOutboxSuite(t *testing.T) {
	pgtest.URL(t)
	mailtest.OutboxSuite(t, func(t *testing.T) (auth.Outbox, func(context.Context, auth.OutboxEmail) error) {
		db := openMigrated(t)
		return db.Outbox(), db.AuthStore().EnqueueEmail
	})
}

// wantAllApplied fails t unless every embedded auth migration is recorded
// exactly once.
func wantAllApplied(t *testing.T, db *postgres.DB) {
	t.Helper()
	got, err := db.AppliedVersions(t.Context(), "auth")
	if err != nil {
		t.Fatalf("AppliedVersions: %v", err)
	}
	want, err := postgres.EmbeddedVersions("auth")
	if err != nil {
		t.Fatalf("EmbeddedVersions: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("applied versions %v, want %v", got, want)
	}
}

func TestMigrateAuthIdempotent(t *testing.T) {
	db := pgtest.Open(t)
	for range 3 {
		if err := db.MigrateAuth(t.Context()); err != nil {
			t.Fatalf("MigrateAuth: %v", err)
		}
	}
	wantAllApplied(t, db)
}

// TestMigrateAuthConcurrent migrates one fresh schema from two pools at once,
// as two replicas starting together would.
func TestMigrateAuthConcurrent(t *testing.T) {
	u := pgtest.SchemaURL(t)
	var dbs []*postgres.DB
	for range 2 {
		db, err := postgres.Open(t.Context(), u)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2*len(dbs))
	for i := range errs {
		wg.Go(func() { errs[i] = dbs[i%len(dbs)].MigrateAuth(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("MigrateAuth %d: %v", i, err)
		}
	}
	wantAllApplied(t, dbs[0])
}

// TestOpenUnreachable needs no server: it checks that a failed Open reports
// an error without echoing the password.
func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, "postgres://bizy:s3cr3t-pw@127.0.0.1:1/bizy?connect_timeout=2")
	if err == nil {
		db.Close()
		t.Fatal("Open of a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Fatalf("error leaks the password: %v", err)
	}
	if _, err := postgres.Open(ctx, "postgres://bizy:s3cr3t-pw@[bad"); err == nil || strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Fatalf("Open of a malformed URL: err = %v, want an error without the password", err)
	}
}

func TestTasksStore(t *testing.T) {
	pgtest.URL(t)
	storetest.TasksStore(t, func(t *testing.T) tasks.Store {
		// Only the tasks component: it must not need the auth tables.
		db := pgtest.Open(t)
		if err := db.MigrateTasks(t.Context()); err != nil {
			t.Fatalf("MigrateTasks: %v", err)
		}
		return db.TasksStore()
	})
}

// TestMigrateTasksBesideAuth migrates both components into one schema, in
// either order and twice, as a shared database would be.
func TestMigrateTasksBesideAuth(t *testing.T) {
	db := pgtest.Open(t)
	for range 2 {
		if err := db.MigrateTasks(t.Context()); err != nil {
			t.Fatalf("MigrateTasks: %v", err)
		}
		if err := db.MigrateAuth(t.Context()); err != nil {
			t.Fatalf("MigrateAuth: %v", err)
		}
	}
	wantAllApplied(t, db)
	got, err := db.AppliedVersions(t.Context(), "tasks")
	if err != nil {
		t.Fatalf("AppliedVersions: %v", err)
	}
	want, err := postgres.EmbeddedVersions("tasks")
	if err != nil {
		t.Fatalf("EmbeddedVersions: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("tasks: applied versions %v, want %v", got, want)
	}
}

// TestOIDCStore runs the OpenID contract suite in a fresh schema per subtest.
func TestOIDCStore(t *testing.T) {
	pgtest.URL(t)
	storetest.OIDCStore(t, func(t *testing.T) storetest.OIDCEngine {
		db := openMigrated(t)
		return storetest.OIDCEngine{Auth: db.AuthStore(), OIDC: db.OIDCStore()}
	})
}

// TestTaskPageDecodedRaw checks that a page of tasks comes in the columns
// collectTasks decodes itself: were pgx to send them otherwise, pages would
// still be right (each row left to Scan), only slower, and no other test
// would notice.
func TestTaskPageDecodedRaw(t *testing.T) {
	pgtest.URL(t)
	db := openMigrated(t)
	if err := db.MigrateTasks(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := db.TasksStore().CreateTask(t.Context(), tasks.Task{ID: "01a241f2-0000-7000-8000-000000000001",
		UserID: "u1", Title: "t", Status: tasks.StatusTodo, Priority: tasks.PriorityLow, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	ok, err := db.TaskPageDecodedRaw(t.Context(), "u1")
	if err != nil || !ok {
		t.Fatalf("TaskPageDecodedRaw = %v, %v; want true", ok, err)
	}
}
