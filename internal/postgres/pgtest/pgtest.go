// Package pgtest gives tests a PostgreSQL database in a schema of their own,
// so that packages and runs sharing one server never see each other's rows.
//
// Tests use the server named by BIZY_TEST_POSTGRES_URL. When the variable is
// unset they are skipped; when it is set but the server cannot be reached
// they fail, so a broken CI database is never mistaken for a pass.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/postgres"
)

// EnvURL names the environment variable holding the test server's URL.
const EnvURL = "BIZY_TEST_POSTGRES_URL"

// reach remembers, per URL, whether the server answered, so that a test
// binary with many subtests tries to connect once and fails fast after that.
var reach sync.Map // url -> error (nil when reachable)

// URL returns the test server's URL from BIZY_TEST_POSTGRES_URL. It skips t
// when the variable is not set and fails t when the server does not answer.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Skipf("%s not set; skipping PostgreSQL tests (e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvURL, EnvURL)
	}
	v, ok := reach.Load(u)
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		if conn, cerr := pgx.Connect(ctx, u); cerr != nil {
			err = cerr
		} else {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		v, _ = reach.LoadOrStore(u, errBox{err})
	}
	if err := v.(errBox).err; err != nil {
		t.Fatalf("pgtest: %s is set but the server cannot be reached: %v", EnvURL, err)
	}
	return u
}

// errBox lets a nil error be stored in a sync.Map.
type errBox struct{ err error }

// SchemaURL creates a schema named bizy_test_<random hex> on the test
// server and returns a URL whose connections use it as their search_path. The
// schema is dropped, with everything in it, when t ends; close pools opened
// on the URL before then (a t.Cleanup registered later runs earlier). It
// skips t as URL does and fails t when the server cannot be reached.
func SchemaURL(t testing.TB) string {
	t.Helper()
	base := URL(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "bizy_test_" + hex.EncodeToString(b)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: %s is set but the server cannot be reached: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return WithParam(base, "search_path", schema)
}

// Open returns a DB on a fresh schema made by SchemaURL, closed when t ends.
// It does not migrate: call MigrateAuth (or another component's Migrate).
func Open(t testing.TB) *postgres.DB {
	t.Helper()
	u := SchemaURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// WithParam returns the connection string dsn, in URL or key=value form,
// with the setting key (a pgx pool setting such as pool_max_conns or a
// runtime parameter such as search_path) set to value. value must need no
// quoting in key=value form.
func WithParam(dsn, key, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			q := u.Query()
			q.Set(key, value)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " " + key + "=" + value
}
