package main

import (
	"os"
	"testing"

	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
)

// TestServeOnPostgres runs the whole binary on PostgreSQL: both services'
// migrations in one database, a CLI-made user, login, tasks through the
// API, and a restart on the same database.
func TestServeOnPostgres(t *testing.T) {
	share(t)
	if os.Getenv(pgtest.EnvURL) == "" {
		t.Skip(pgtest.EnvURL + " not set")
	}
	db := pgtest.SchemaURL(t)
	common := []string{"--database-url", db, "--data-dir", dataDir(t), "--bcrypt-cost", "10"}
	if out, err := runCmd(t, "", append([]string{"migrate"}, common...)...); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if _, err := runCmd(t, "", append([]string{"user", "create", "--username", "pgwen", "--email", "pgwen@example.com",
		"--password", "Tr1cky!Horse", "--verified"}, common...)...); err != nil {
		t.Fatal(err)
	}
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	serve := append([]string{"serve", "--auth-addr", authAddr, "--api-addr", apiAddr}, common...)
	stop := startCmd(t, "http://"+apiAddr+"/health", serve...)
	api := "http://" + apiAddr

	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"pgwen@example.com","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
	tok := body["token"].(string)
	res, body = sendJSON(t, "POST", api+"/api/tasks", tok, `{"title":"on postgres"}`)
	wantStatus(t, "create task", res, body, 201)
	stop()

	startCmd(t, "http://"+apiAddr+"/health", serve...)
	res, body = getJSON(t, api+"/api/tasks", tok)
	wantStatus(t, "tasks after restart", res, body, 200)
	if items := body["items"].([]any); len(items) != 1 {
		t.Fatalf("tasks after restart = %v", body)
	}
	res, body = getJSON(t, "http://"+authAddr+"/health", "")
	wantStatus(t, "auth health", res, body, 200)
}
