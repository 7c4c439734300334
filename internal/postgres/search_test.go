package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/storetest"
)

// TestUserSearchThroughTrigramIndexes runs the contract's search checks
// (any case, username or email, wildcards literal, pages) with the store
// sending every term with a trigram to its trigram statement and with
// sequential and plain index scans priced out, so the planner answers
// through the trigram indexes: their lossy matches, rechecked, must give
// the same users as the walk of users_pkey that small tables get.
func TestUserSearchThroughTrigramIndexes(t *testing.T) {
	pgtest.URL(t)
	storetest.UserSearch(t, func(t *testing.T) auth.Store {
		u := pgtest.WithParam(pgtest.SchemaURL(t), "enable_seqscan", "off")
		db := openMigratedURL(t, pgtest.WithParam(u, "enable_indexscan", "off"))
		db.ForceTrigramSearch() // the tables are small: it would walk
		return db.AuthStore()
	})
}

// TestMigrateWithoutTrigramExtension migrates fresh databases as a role
// that cannot use pg_trgm, as on a managed service that refuses it: one
// where the role may not create extensions (no CREATE on the database),
// one where pg_trgm lives in a schema the role may not use. Start-up must
// go on, without the trigram indexes, and the search answer as with them.
func TestMigrateWithoutTrigramExtension(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup []string // run as the test server's superuser
		exts  int      // pg_trgm installations left
	}{
		{"may not create it", nil, 0},
		{"in a schema out of reach", []string{"CREATE SCHEMA hidden", "CREATE EXTENSION pg_trgm SCHEMA hidden"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openAsPlainRole(t, tc.setup...)
			testMigrateWithoutTrigrams(t, db, tc.exts)
		})
	}
}

// openAsPlainRole creates a role without CREATE on a fresh database, runs
// setup there as the superuser, and opens the database as the role, in a
// schema of its own.
func openAsPlainRole(t *testing.T, setup ...string) *postgres.DB {
	t.Helper()
	base := pgtest.URL(t)
	b := make([]byte, 8)
	rand.Read(b)
	role := "bizy_test_" + hex.EncodeToString(b)
	exec := func(dbURL string, sqls ...string) {
		t.Helper()
		conn, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		for _, q := range sqls {
			if _, err := conn.Exec(context.Background(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	exec(base, "CREATE ROLE "+role+" LOGIN")
	// Registered before pgtest.Database's cleanup, so it runs after the
	// database, whose schema the role owns, is dropped.
	t.Cleanup(func() { exec(base, "DROP ROLE "+role) })
	dbURL := pgtest.Database(t)
	exec(dbURL, append([]string{"CREATE SCHEMA app AUTHORIZATION " + role}, setup...)...)

	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	db, err := postgres.Open(t.Context(), pgtest.WithParam(u.String(), "search_path", "app"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testMigrateWithoutTrigrams migrates db, twice, and checks that there are
// exts installations of pg_trgm, no trigram index, and a working search.
func testMigrateWithoutTrigrams(t *testing.T, db *postgres.DB, exts int) {
	ctx := t.Context()
	for range 2 {
		if err := db.MigrateAuth(ctx); err != nil {
			t.Fatalf("MigrateAuth without pg_trgm: %v", err)
		}
	}
	n, err := db.CountRows(ctx, `SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'`)
	if err != nil || n != exts {
		t.Fatalf("pg_trgm installed %d times (%v), want %d", n, err, exts)
	}
	n, err = db.CountRows(ctx, `SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%trgm'`)
	if err != nil || n != 0 {
		t.Fatalf("%d trigram indexes (%v), want none", n, err)
	}

	s := db.AuthStore()
	var want []string
	for _, name := range []string{"Ann_Lee", "bob", "Dana_Ann"} {
		usr := auth.User{ID: "0000000" + name, Username: name, Email: name + "@example.com",
			PasswordHash: []byte("x")}
		if err := s.CreateUser(ctx, usr); err != nil {
			t.Fatal(err)
		}
		if name != "bob" {
			want = append([]string{usr.ID}, want...)
		}
	}
	got, _, err := s.ListUsers(ctx, auth.UserFilter{Query: "ANN", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, usr := range got {
		ids = append(ids, usr.ID)
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("ListUsers(ANN) = %v, want %v", ids, want)
	}
}

// TestUserSearchPlansOnce checks what the search's two statements are
// written for: on a connection, after the first five searches of each
// (PostgreSQL's custom plans), the next run the plan it keeps instead of
// planning again, for a rare term (the trigram statement) and a common one
// (the walk). pg_prepared_statements counts the plans of each statement.
func TestUserSearchPlansOnce(t *testing.T) {
	u := pgtest.SchemaURL(t)
	ctx := t.Context()
	db := openMigratedURL(t, pgtest.WithParam(u, "pool_max_conns", "1"))
	connectFilled(t, u, fillUsersSQL(3000), `ANALYZE users`)
	s := db.AuthStore()
	for range 10 {
		for _, term := range []string{"User1234", "user"} {
			if _, _, err := s.ListUsers(ctx, auth.UserFilter{Query: term, Limit: 20}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct{ name, marker string }{
		{"trigram statement", "OFFSET 0) matches"},
		{"walk", `username_lower COLLATE "C" LIKE`},
	} {
		n, err := db.CountRows(ctx, `SELECT coalesce(sum(generic_plans), 0)::int FROM pg_prepared_statements
			WHERE strpos(statement, $1) > 0 AND custom_plans <= 5`, tc.marker)
		if err != nil {
			t.Fatal(err)
		}
		if n != 5 {
			t.Errorf("%s: %d runs of a kept (generic) plan out of 10, want 5", tc.name, n)
		}
	}
}
