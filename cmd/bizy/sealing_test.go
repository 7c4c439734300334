package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/seal"
)

// TestSecretsSealedAtRest runs the binary with DB_ENCRYPTION_KEY on each
// engine: the signing key and a pending mail are sealed in the database,
// a wrong or missing key stops start-up with a message saying what to set,
// `bizy keys reseal` moves everything to a new key, and the service then
// signs with the key it reads back under that new key alone.
func TestSecretsSealedAtRest(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		share(t)
		dir := dataDir(t)
		testSecretsSealed(t, []string{"--data-dir", dir}, func(q string) []string {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "bizy.db")+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, err := db.QueryContext(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			return scanStrings(t, rows)
		})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		share(t)
		if os.Getenv(pgtest.EnvURL) == "" {
			t.Skip(pgtest.EnvURL + " not set")
		}
		u := pgtest.SchemaURL(t)
		testSecretsSealed(t, []string{"--database-url", u, "--data-dir", dataDir(t)}, func(q string) []string {
			q = strings.ReplaceAll(q, "AS BLOB", "AS bytea")
			conn, err := pgx.Connect(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			rows, err := conn.Query(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			return scanStrings(t, rows)
		})
	})
}

// scanStrings reads the one column of rows (database/sql's or pgx's) as
// strings.
func scanStrings(t *testing.T, rows interface {
	Next() bool
	Scan(...any) error
}) []string {
	t.Helper()
	var out []string
	for rows.Next() {
		var v []byte
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(v))
	}
	return out
}

func newHexKey(t *testing.T) string {
	t.Helper()
	k := make([]byte, seal.KeySize)
	rand.Read(k)
	return hex.EncodeToString(k)
}

// testSecretsSealed is TestSecretsSealedAtRest on one database, named by
// db (flags); raw returns the values of a one-column query, read around
// bizy.
func testSecretsSealed(t *testing.T, db []string, raw func(q string) []string) {
	k1, k2 := newHexKey(t), newHexKey(t)
	with := func(args ...string) []string { return append(append(args, db...), "--bcrypt-cost", "10") }
	if _, err := runCmd(t, "", with("user", "create", "--db-encryption-key", k1, "--username", "alice",
		"--email", "alice@example.com", "--password", "Tr1cky!Horse", "--verified")...); err != nil {
		t.Fatal(err)
	}
	// Bob is not verified: his verification mail waits in the outbox (a
	// command has no mail worker), link and token included.
	if _, err := runCmd(t, "", with("user", "create", "--db-encryption-key", k1, "--username", "bob",
		"--email", "bob@example.com", "--password", "Tr1cky!Horse")...); err != nil {
		t.Fatal(err)
	}
	const secretsQuery = `SELECT private_key FROM signing_keys UNION ALL SELECT CAST(text_body AS BLOB) FROM outbox UNION ALL SELECT CAST(html_body AS BLOB) FROM outbox`
	wantSealedUnder := func(key string) {
		t.Helper()
		vals := raw(secretsQuery)
		if len(vals) != 4 {
			t.Fatalf("%d secrets stored, want 4 (the Ed25519 and the OpenID RSA private keys, a text and an HTML body)", len(vals))
		}
		kb, _ := hex.DecodeString(key)
		for _, v := range vals {
			if kid, ok := seal.SealedKeyID([]byte(v)); !ok || kid != seal.KeyID(kb) || strings.Contains(v, "token=") {
				t.Fatalf("secret at rest %.60q…: not sealed under key %s", v, seal.KeyID(kb))
			}
		}
	}
	wantSealedUnder(k1)

	_, err := runCmd(t, "", with("keys", "rotate", "--db-encryption-key", k2)...)
	if err == nil || !strings.Contains(err.Error(), "DB_ENCRYPTION_OLD_KEYS") {
		t.Fatalf("start with a wrong key: %v, want a refusal naming DB_ENCRYPTION_OLD_KEYS", err)
	}
	_, err = runCmd(t, "", with("keys", "rotate")...)
	if err == nil || !strings.Contains(err.Error(), "none is set") {
		t.Fatalf("start without a key: %v, want a refusal saying no key is set", err)
	}

	out, err := runCmd(t, "", with("keys", "reseal", "--db-encryption-key", k2, "--db-encryption-old-keys", k1)...)
	if err != nil || !strings.HasPrefix(out, "4 secrets encrypted again") {
		t.Fatalf("keys reseal: %v %s", err, out)
	}
	wantSealedUnder(k2)

	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	startCmd(t, "http://"+apiAddr+"/health", with("serve", "--auth-addr", authAddr, "--api-addr", apiAddr,
		"--db-encryption-key", k2)...)
	res, body := sendJSON(t, "POST", "http://"+apiAddr+"/api/auth/login", "", `{"username":"alice","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login signed with the resealed key", res, body, 200)
	res, body = getJSON(t, "http://"+apiAddr+"/api/tasks", body["token"].(string))
	wantStatus(t, "API accepts the token", res, body, 200)
}
