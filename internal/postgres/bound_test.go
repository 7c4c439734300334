package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/tasks"
)

// boundTestTimeout is the bound the tests open their DB with: short, so a
// test waits little for it to trip.
const boundTestTimeout = 500 * time.Millisecond

// hangBound is how long a bounded call may take before the test calls it
// a hang, and how long a call that should succeed again may keep failing:
// far past boundTestTimeout, for a loaded machine.
const hangBound = 15 * time.Second

// openMigratedTasks opens url with the default bound and migrates the
// tasks component: set-up that a loaded machine must not fail by taking
// longer than a test's short bound. The DB is closed when t ends.
func openMigratedTasks(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateTasks(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// eventually retries call until it succeeds, for at most hangBound: a
// call under a short bound may be cut by a slow moment of a loaded machine
// rather than by the fault a test made.
func eventually(t *testing.T, what string, call func() error) {
	t.Helper()
	deadline := time.Now().Add(hangBound)
	for {
		err := call()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a server catching up
	}
}

// boundFixture is a DB opened with boundTestTimeout on a migrated schema
// with one task, and a connection of its own that can lock what the DB's
// calls need.
type boundFixture struct {
	db     *postgres.DB
	store  tasks.Store
	task   tasks.Task
	url    string // the schema's URL, for raw connections
	app    string // application_name of db's connections
	holder *pgx.Conn
}

func newBoundFixture(t *testing.T) *boundFixture {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	f := &boundFixture{url: pgtest.SchemaURL(t), app: "bizy_bound_" + hex.EncodeToString(b)}
	setup := openMigratedTasks(t, f.url)
	now := time.Now().UTC().Truncate(time.Millisecond)
	f.task = tasks.Task{ID: "0190f5d2-0000-7000-8000-000000000001", UserID: "u1", Title: "locked",
		Status: "todo", Priority: "medium", CreatedAt: now, UpdatedAt: now}
	if err := setup.TasksStore().CreateTask(t.Context(), f.task); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.OpenTimeout(t.Context(), pgtest.WithParam(f.url, "application_name", f.app), boundTestTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db, f.store = db, db.TasksStore()
	f.holder = f.connect(t)
	return f
}

// connect opens a connection to the fixture's schema, closed when t ends.
func (f *boundFixture) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// hold begins a transaction on the holder connection and runs lock in it;
// the returned function rolls it back.
func (f *boundFixture) hold(t *testing.T, lock string, args ...any) func() {
	t.Helper()
	tx, err := f.holder.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), lock, args...); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback(context.Background()) }
}

// wantCut runs call, which must wait on the holder's lock, and checks that
// it ends with a *postgres.TimeoutError reporting SQLSTATE 57014 (which
// the HTTP layer answers 503) rather than hang, and that the server stops
// running the statement: pgx's cancel reaches it, so no backend of the DB
// is left waiting for the lock (and holding what its transaction locked).
func (f *boundFixture) wantCut(t *testing.T, name string, call func(context.Context) error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call(t.Context()) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(hangBound):
		t.Fatalf("%s blocked on a lock did not return within %v", name, hangBound)
	}
	var te *postgres.TimeoutError
	if !errors.As(err, &te) || te.Timeout != boundTestTimeout {
		t.Fatalf("%s blocked on a lock = %v, want a *postgres.TimeoutError of %v", name, err, boundTestTimeout)
	}
	var st interface{ SQLState() string }
	if !errors.As(err, &st) || st.SQLState() != "57014" {
		t.Errorf("%s: SQLSTATE of %v is not 57014", name, err)
	}
	// pgx sends the cancel from the background as it drops the connection.
	checker := f.connect(t)
	deadline := time.Now().Add(hangBound)
	for {
		var waiting int
		if err := checker.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = $1 AND wait_event_type = 'Lock'`, f.app).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d backends of the DB still wait for the lock %v after the call returned", name, waiting, hangBound)
		}
		time.Sleep(20 * time.Millisecond) // polling the server's view
	}
}

// TestBoundCutsCallsBlockedOnALock: a statement waiting on a lock that
// another connection holds (a write on a locked row, reads of a locked
// table, a transaction's second statement) returns a *TimeoutError within
// the bound instead of waiting for as long as the lock is held; the
// transaction is rolled back; and once the lock goes, the same DB works.
func TestBoundCutsCallsBlockedOnALock(t *testing.T) {
	f := newBoundFixture(t)
	ctx := t.Context()

	release := f.hold(t, `SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE`, f.task.ID)
	f.wantCut(t, "UpdateTask (Exec)", func(ctx context.Context) error {
		u := f.task
		u.Title = "changed"
		return f.store.UpdateTask(ctx, u)
	})
	// EraseUser inserts into erased_users, then waits to delete the task.
	f.wantCut(t, "EraseUser (a transaction's second statement)", func(ctx context.Context) error {
		_, err := f.store.EraseUser(ctx, f.task.UserID, time.Now())
		return err
	})
	var erased int
	if err := f.connect(t).QueryRow(ctx, `SELECT count(*) FROM erased_users`).Scan(&erased); err != nil {
		t.Fatal(err)
	}
	if erased != 0 {
		t.Errorf("the cut EraseUser left %d erased_users rows: its transaction was not rolled back", erased)
	}
	release()

	release = f.hold(t, `LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE`)
	f.wantCut(t, "Tasks (Query)", func(ctx context.Context) error {
		_, _, err := f.store.Tasks(ctx, f.task.UserID, tasks.TaskFilter{Limit: 10})
		return err
	})
	f.wantCut(t, "Task (QueryRow)", func(ctx context.Context) error {
		_, err := f.store.Task(ctx, f.task.UserID, f.task.ID)
		return err
	})
	release()

	u := f.task
	u.Title = "changed"
	eventually(t, "UpdateTask once the lock is gone", func() error { return f.store.UpdateTask(ctx, u) })
	eventually(t, "Tasks once the lock is gone", func() error {
		got, _, err := f.store.Tasks(ctx, f.task.UserID, tasks.TaskFilter{Limit: 10})
		if err == nil && (len(got) != 1 || got[0].Title != "changed") {
			t.Fatalf("Tasks once the lock is gone = %+v", got)
		}
		return err
	})
}

// TestBoundCutsTheWaitForAConnection: with every connection of the pool
// taken (here the only one, by a transaction whose function then calls the
// outer store, which needs another), a call waiting for one is cut by the
// bound too.
func TestBoundCutsTheWaitForAConnection(t *testing.T) {
	url := pgtest.SchemaURL(t)
	openMigratedTasks(t, url)
	db, err := postgres.OpenTimeout(t.Context(), pgtest.WithParam(url, "pool_max_conns", "1"), boundTestTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := db.TasksStore()
	done := make(chan error, 1)
	go func() {
		done <- s.Tx(t.Context(), func(tasks.Store) error {
			_, err := s.Task(t.Context(), "u1", "0190f5d2-0000-7000-8000-000000000001")
			return err
		})
	}()
	select {
	case err = <-done:
	case <-time.After(hangBound):
		t.Fatalf("a call waiting for a connection did not return within %v", hangBound)
	}
	var te *postgres.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("a call waiting for the pool's only connection = %v, want a *postgres.TimeoutError", err)
	}
	eventually(t, "Task once the connection is free", func() error {
		_, err := s.Task(t.Context(), "u1", "0190f5d2-0000-7000-8000-000000000001")
		if errors.Is(err, tasks.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("got %v, want tasks.ErrNotFound", err)
	})
}

// TestBoundLeavesTheCallersDeadline: a caller's context that ends first is
// the caller's error (context.DeadlineExceeded, which the HTTP layer treats
// as the client's), not a *TimeoutError.
func TestBoundLeavesTheCallersDeadline(t *testing.T) {
	f := newBoundFixture(t)
	defer f.hold(t, `LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE`)()
	ctx, cancel := context.WithTimeout(t.Context(), boundTestTimeout/3)
	defer cancel()
	_, err := f.store.Task(ctx, f.task.UserID, f.task.ID)
	var te *postgres.TimeoutError
	if err == nil || errors.As(err, &te) {
		t.Fatalf("Task with the caller's deadline first = %v, want the caller's error", err)
	}
}

// TestBoundLeavesOtherErrors: an error that is not the bound's (a server
// error read with the rows, after the query's deadline was released; no
// row) stays what it is, not a *TimeoutError that would be answered 503.
func TestBoundLeavesOtherErrors(t *testing.T) {
	db, err := postgres.OpenTimeout(t.Context(), pgtest.URL(t), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var te *postgres.TimeoutError
	_, err = db.QueryInts(t.Context(), `SELECT 1 / (g - 2) FROM generate_series(1, 3) g`)
	var st interface{ SQLState() string }
	if !errors.As(err, &st) || st.SQLState() != "22012" || errors.As(err, &te) {
		t.Errorf("a division by zero in the rows = %v, want the server's 22012 and no *TimeoutError", err)
	}
	if got, err := db.QueryInts(t.Context(), `SELECT g FROM generate_series(1, 3) g`); err != nil || len(got) != 3 {
		t.Errorf("QueryInts = %v, %v", got, err)
	}
	if _, err := db.CountRows(t.Context(), `SELECT 1 WHERE false`); !errors.Is(err, pgx.ErrNoRows) || errors.As(err, &te) {
		t.Errorf("no row = %v, want pgx.ErrNoRows", err)
	}
}

// TestServerDefaults: each connection has idle_in_transaction_session_timeout
// set to Bizy's default unless the URL sets it.
func TestServerDefaults(t *testing.T) {
	base := pgtest.SchemaURL(t)
	for _, tc := range []struct{ url, want string }{
		{base, "30s"},
		{pgtest.WithParam(base, "idle_in_transaction_session_timeout", "5min"), "5min"},
		// options as libpq takes it; WithParam would write the space as "+".
		{base + "&options=-c%20idle_in_transaction_session_timeout%3D7min", "7min"},
	} {
		db, err := postgres.Open(t.Context(), tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Setting(t.Context(), "idle_in_transaction_session_timeout")
		db.Close()
		if err != nil || got != tc.want {
			t.Errorf("idle_in_transaction_session_timeout with %s = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
}
