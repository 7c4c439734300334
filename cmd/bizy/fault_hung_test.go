package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Bounds of the frozen-PostgreSQL test, generous for a loaded machine.
const (
	// hungTimeout is the DATABASE_TIMEOUT the test serves with.
	hungTimeout = "2s"
	// hungBound is the longest a request may take while PostgreSQL does
	// not answer: the bound and then some, never a hang.
	hungBound = 15 * time.Second
)

// TestPostgresFrozen freezes a PostgreSQL of the test's own (SIGSTOP to
// every one of its processes: connections are accepted and never
// answered, as with a hung host or a network black hole) under `bizy
// serve` with DATABASE_TIMEOUT=2s: token-checked task writes and logins,
// through the API and on the auth service, answer 503 database_unavailable
// problems with Retry-After within the bound instead of hanging; both
// /health say the database is unreachable; and once the server is resumed
// (SIGCONT), writes and logins succeed again with no restart of bizy.
func TestPostgresFrozen(t *testing.T) {
	alone(t)
	pg, authBase, api, tok := serveOwnPostgres(t, "--database-timeout", hungTimeout)
	res, body := sendJSON(t, "POST", api+"/api/tasks", tok, `{"title":"before"}`)
	wantStatus(t, "task write before the freeze", res, body, 201)

	pg.Freeze()
	requests := []struct{ what, method, url, bearer, body string }{
		{"login through the API", "POST", api + "/api/auth/login", "", patLogin},
		{"login on the auth service", "POST", authBase + "/login", "", patLogin},
	}
	for i := range 4 {
		requests = append(requests, struct{ what, method, url, bearer, body string }{
			fmt.Sprintf("task write %d", i), "POST", api + "/api/tasks", tok, fmt.Sprintf(`{"title":"frozen %d"}`, i)})
	}
	outcomes := make([]outcome, len(requests))
	var wg sync.WaitGroup
	for i, r := range requests {
		wg.Go(func() { outcomes[i] = send(r.method, r.url, r.bearer, r.body) })
	}
	wg.Wait()
	for i, o := range outcomes {
		what := requests[i].what
		t.Logf("%s with PostgreSQL frozen: %d %s in %v", what, o.status, o.code, o.took.Round(time.Millisecond))
		switch {
		case o.status != http.StatusServiceUnavailable || o.code != "database_unavailable" || o.retryAfter == "":
			t.Errorf("%s with PostgreSQL frozen = %d %q, Retry-After %q; want 503 database_unavailable with Retry-After",
				what, o.status, o.code, o.retryAfter)
		case o.took > hungBound:
			t.Errorf("%s with PostgreSQL frozen took %v, want under %v", what, o.took, hungBound)
		}
	}
	for _, base := range []string{authBase, api} {
		start := time.Now()
		res, err := loadClient.Get(base + "/health") // loadClient gives up on a hang
		if err != nil {
			t.Fatalf("%s/health with PostgreSQL frozen: %v after %v", base, err, time.Since(start))
		}
		body := readJSON(t, res)
		checks, _ := body["checks"].(map[string]any)
		if took := time.Since(start); res.StatusCode != http.StatusServiceUnavailable || checks["database"] != "unreachable" || took > hungBound {
			t.Errorf("%s/health with PostgreSQL frozen = %d %v (in %v), want 503 database unreachable", base, res.StatusCode, body, took)
		}
	}

	pg.Thaw()
	thawed := time.Now()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if time.Since(thawed) > resumeBound {
				t.Fatalf("%s did not succeed within %v of PostgreSQL resuming", what, resumeBound)
			}
			time.Sleep(100 * time.Millisecond) // polling a server coming back
		}
	}
	waitFor("a task write", func() bool {
		return send("POST", api+"/api/tasks", tok, `{"title":"after"}`).status == http.StatusCreated
	})
	t.Logf("writes resumed %v after PostgreSQL did", time.Since(thawed).Round(time.Millisecond))
	res, body = sendJSON(t, "POST", api+"/api/auth/login", "", patLogin)
	wantStatus(t, "login after the freeze", res, body, 200)
	// Each /health caches its check for about a second, and one begun
	// while the server was frozen ends with its own time-out.
	for _, base := range []string{authBase, api} {
		waitFor(base+"/health", func() bool { return send("GET", base+"/health", "", "").status == http.StatusOK })
	}
}
