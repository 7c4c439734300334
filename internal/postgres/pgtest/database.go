package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Database creates a database named bizy_test_<random hex> on the test
// server and returns its URL, for a test that runs whole services (several
// processes, each with its own pool) and wants nothing shared with other
// runs, not even a schema search path. The database is dropped when t ends,
// closing any connection still open to it. It skips t as URL does and
// fails t when the server cannot be reached. BIZY_TEST_POSTGRES_URL must
// be a postgres:// URL here, and its user allowed to create databases.
func Database(t testing.TB) string {
	t.Helper()
	base := URL(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s must be a postgres:// URL to create a database", EnvURL)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "bizy_test_" + hex.EncodeToString(b)
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE (PostgreSQL 13) ends the connections of pools still open.
		if err := exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
