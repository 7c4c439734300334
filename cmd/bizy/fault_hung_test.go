package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
)

// Bounds of the frozen-PostgreSQL test, generous for a loaded machine.
const (
	// hungTimeout is the DATABASE_TIMEOUT the test serves with.
	hungTimeout = "2s"
	// hungBound is the longest a request may take while PostgreSQL does
	// not answer: the bound and then some, never a hang.
	hungBound = 15 * time.Second
)

// hungAnswer is one request's status, problem code, Retry-After and time.
type hungAnswer struct {
	what       string
	status     int
	code       string
	retryAfter string
	took       time.Duration
	err        error
}

// ask makes one JSON request with loadClient (which gives up on a hang).
func ask(what, method, url, bearer, body string) hungAnswer {
	a := hungAnswer{what: what}
	start := time.Now()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := loadClient.Do(req)
	a.took = time.Since(start)
	if err != nil {
		a.err = err
		return a
	}
	defer res.Body.Close()
	a.status, a.retryAfter = res.StatusCode, res.Header.Get("Retry-After")
	var p struct{ Code string }
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &p)
	a.code = p.Code
	return a
}

// TestPostgresFrozen freezes a PostgreSQL of the test's own (SIGSTOP to
// every one of its processes: connections are accepted and never
// answered, as with a hung host or a network black hole) under `bizy
// serve` with DATABASE_TIMEOUT=2s: token-checked task writes and logins,
// through the API and on the auth service, hungAnswer 503 database_unavailable
// problems with Retry-After within the bound instead of hanging; both
// /health say the database is unreachable; and once the server is resumed
// (SIGCONT), writes and logins succeed again with no restart of bizy.
func TestPostgresFrozen(t *testing.T) {
	alone(t)
	pg := pgtest.StartServer(t)
	common := []string{"--database-url", pg.URL(), "--data-dir", dataDir(t), "--bcrypt-cost", "10"}
	if out, err := runCmd(t, "", append([]string{"migrate"}, common...)...); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if _, err := runCmd(t, "", append([]string{"user", "create", "--username", "pat", "--email", "pat@example.com",
		"--password", "Tr1cky!Horse", "--verified"}, common...)...); err != nil {
		t.Fatal(err)
	}
	authBase, api := startServe(t, append(common, "--database-timeout", hungTimeout)...)
	const login = `{"username":"pat","password":"Tr1cky!Horse"}`
	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", login)
	wantStatus(t, "login", res, body, 200)
	tok := body["token"].(string)
	res, body = sendJSON(t, "POST", api+"/api/tasks", tok, `{"title":"before"}`)
	wantStatus(t, "task write before the freeze", res, body, 201)

	pg.Freeze()
	requests := []struct{ what, method, url, bearer, body string }{
		{"login through the API", "POST", api + "/api/auth/login", "", login},
		{"login on the auth service", "POST", authBase + "/login", "", login},
	}
	for i := range 4 {
		requests = append(requests, struct{ what, method, url, bearer, body string }{
			fmt.Sprintf("task write %d", i), "POST", api + "/api/tasks", tok, fmt.Sprintf(`{"title":"frozen %d"}`, i)})
	}
	answers := make([]hungAnswer, len(requests))
	var wg sync.WaitGroup
	for i, r := range requests {
		wg.Go(func() { answers[i] = ask(r.what, r.method, r.url, r.bearer, r.body) })
	}
	wg.Wait()
	for _, a := range answers {
		t.Logf("%s with PostgreSQL frozen: %d %s in %v", a.what, a.status, a.code, a.took.Round(time.Millisecond))
		switch {
		case a.err != nil:
			t.Errorf("%s with PostgreSQL frozen: %v after %v, want a 503 within %v", a.what, a.err, a.took, hungBound)
		case a.status != http.StatusServiceUnavailable || a.code != "database_unavailable" || a.retryAfter == "":
			t.Errorf("%s with PostgreSQL frozen = %d %q, Retry-After %q; want 503 database_unavailable with Retry-After",
				a.what, a.status, a.code, a.retryAfter)
		case a.took > hungBound:
			t.Errorf("%s with PostgreSQL frozen took %v, want under %v", a.what, a.took, hungBound)
		}
	}
	for _, base := range []string{authBase, api} {
		a := ask(base+"/health", "GET", base+"/health", "", "")
		res, body := getJSON(t, base+"/health", "")
		checks, _ := body["checks"].(map[string]any)
		if res.StatusCode != http.StatusServiceUnavailable || checks["database"] != "unreachable" || a.took > hungBound {
			t.Errorf("%s/health with PostgreSQL frozen = %d %v (in %v), want 503 database unreachable", base, res.StatusCode, body, a.took)
		}
	}

	pg.Thaw()
	thawed := time.Now()
	for {
		a := ask("task write", "POST", api+"/api/tasks", tok, `{"title":"after"}`)
		if a.status == http.StatusCreated {
			break
		}
		if time.Since(thawed) > resumeBound {
			t.Fatalf("no task write succeeded within %v of PostgreSQL resuming; the last: %d %s %v", resumeBound, a.status, a.code, a.err)
		}
		time.Sleep(100 * time.Millisecond) // polling a server coming back
	}
	t.Logf("writes resumed %v after PostgreSQL did", time.Since(thawed).Round(time.Millisecond))
	res, body = sendJSON(t, "POST", api+"/api/auth/login", "", login)
	wantStatus(t, "login after the freeze", res, body, 200)
	// Each /health caches its check for about a second, and one begun
	// while the server was frozen ends with its own time-out.
	for _, base := range []string{authBase, api} {
		for {
			a := ask(base+"/health", "GET", base+"/health", "", "")
			if a.status == http.StatusOK {
				break
			}
			if time.Since(thawed) > resumeBound {
				t.Fatalf("%s/health = %d %v %v after the freeze, want 200 within %v", base, a.status, a.code, a.err, resumeBound)
			}
			time.Sleep(100 * time.Millisecond) // polling a cache expiring
		}
	}
}
