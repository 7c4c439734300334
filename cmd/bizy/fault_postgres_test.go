package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
)

// Bounds of the PostgreSQL outage test, generous for a loaded machine.
const (
	// failFast is the longest a request may take while the database is
	// down: it must be refused, not left hanging.
	failFast = 10 * time.Second
	// resumeBound is how soon after PostgreSQL answers again writes must
	// succeed, with no restart of bizy.
	resumeBound = 30 * time.Second
)

// outcome is one request of the load and what came of it.
type outcome struct {
	status     int
	code       string // the problem's code, for a failure
	retryAfter string // the Retry-After header
	took       time.Duration
	at         time.Time
}

// loadClient has a timeout, so a hanging request shows up as a failure
// rather than hanging the test.
var loadClient = &http.Client{Timeout: 2 * failFast}

// send makes one JSON request and returns its outcome, status 0 when the
// request did not complete.
func send(method, url, bearer, body string) outcome {
	start := time.Now()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	o := outcome{at: start}
	res, err := loadClient.Do(req)
	o.took = time.Since(start)
	if err != nil {
		o.code = err.Error()
		return o
	}
	defer res.Body.Close()
	o.status, o.retryAfter = res.StatusCode, res.Header.Get("Retry-After")
	if res.StatusCode >= 400 {
		var p struct{ Code string }
		b, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(b, &p)
		o.code = p.Code
	}
	return o
}

// TestPostgresStoppedUnderLoad stops a PostgreSQL of the test's own under
// a steady stream of task writes and registrations through `bizy serve`:
// while it is down, requests are refused at once with 503 and a problem
// (never hang, never 500) and both /health answer 503; once it answers
// again, writes succeed within seconds with no restart of bizy; and every
// write that was acknowledged (201) is in the database afterwards.
func TestPostgresStoppedUnderLoad(t *testing.T) {
	alone(t)
	pg, authBase, api, tok := serveOwnPostgres(t)

	var (
		mu       sync.Mutex
		results  []outcome
		tasks    []string // titles acknowledged with 201
		users    []string // usernames acknowledged with 201
		seq      atomic.Int64
		stopLoad = make(chan struct{})
		wg       sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stopLoad:
					return
				default:
				}
				n := seq.Add(1)
				var o outcome
				if w == 0 && i%2 == 0 { // registrations hash a password: fewer of them
					name := fmt.Sprintf("load%d", n)
					o = send("POST", api+"/api/auth/register", "",
						fmt.Sprintf(`{"username":%q,"email":"%s@example.com","password":"Tr1cky!Horse"}`, name, name))
					if o.status == http.StatusCreated {
						mu.Lock()
						users = append(users, name)
						mu.Unlock()
					}
				} else {
					title := fmt.Sprintf("task %d", n)
					o = send("POST", api+"/api/tasks", tok, fmt.Sprintf(`{"title":%q}`, title))
					if o.status == http.StatusCreated {
						mu.Lock()
						tasks = append(tasks, title)
						mu.Unlock()
					}
				}
				mu.Lock()
				results = append(results, o)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond) // a steady stream, not a flood
			}
		}()
	}
	defer func() {
		select {
		case <-stopLoad:
		default:
			close(stopLoad)
		}
		wg.Wait()
	}()

	time.Sleep(2 * time.Second) // the load runs on the real clock of real servers
	pg.Stop()
	down := time.Now()
	time.Sleep(2 * time.Second)
	for _, base := range []string{authBase, api} {
		res, body := getJSON(t, base+"/health", "")
		checks, _ := body["checks"].(map[string]any)
		if res.StatusCode != http.StatusServiceUnavailable || checks["database"] != "unreachable" {
			t.Errorf("%s/health with PostgreSQL down = %d %v, want 503 database unreachable", base, res.StatusCode, body)
		}
	}
	time.Sleep(time.Second)
	pg.Start()
	up := time.Now()
	var resumed time.Duration
	for resumed == 0 {
		if time.Since(up) > resumeBound {
			t.Fatalf("no write succeeded within %v of PostgreSQL answering again", resumeBound)
		}
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		for _, o := range results {
			if o.status == http.StatusCreated && o.at.After(up) {
				resumed = time.Since(up)
			}
		}
		mu.Unlock()
	}
	time.Sleep(time.Second)
	close(stopLoad)
	wg.Wait()
	t.Logf("writes resumed %v after PostgreSQL answered again", resumed.Round(time.Millisecond))
	for _, base := range []string{authBase, api} {
		res, body := getJSON(t, base+"/health", "")
		wantStatus(t, base+"/health after the outage", res, body, 200)
	}

	refused, slowest := 0, time.Duration(0)
	for _, o := range results {
		switch {
		case o.status == http.StatusServiceUnavailable:
			refused++
			if o.code == "" {
				t.Errorf("a 503 without a problem code")
			}
			slowest = max(slowest, o.took)
		case o.status == 0 || o.status >= 500:
			t.Errorf("a request %v after PostgreSQL stopped = %d %s, want 201 or 503", o.at.Sub(down).Round(time.Millisecond), o.status, o.code)
		case o.status != http.StatusCreated:
			t.Errorf("a request = %d %s, want 201 or 503", o.status, o.code)
		}
	}
	if refused == 0 {
		t.Error("no request was refused with 503 while PostgreSQL was down")
	}
	if slowest > failFast {
		t.Errorf("the slowest 503 took %v, want under %v", slowest, failFast)
	}
	t.Logf("%d requests, %d refused with 503 (the slowest in %v), %d tasks and %d users acknowledged",
		len(results), refused, slowest.Round(time.Millisecond), len(tasks), len(users))
	wantAcknowledged(t, pg.URL(), tasks, users)
}

// patLogin is the login of the user serveOwnPostgres makes.
const patLogin = `{"username":"pat","password":"Tr1cky!Horse"}`

// serveOwnPostgres starts a PostgreSQL of the test's own, migrates it,
// makes the verified user pat and runs `bizy serve` on it with extra
// flags; it returns the server, both services' bases and pat's token.
func serveOwnPostgres(t *testing.T, extra ...string) (pg *pgtest.Server, authBase, api, tok string) {
	t.Helper()
	pg = pgtest.StartServer(t)
	common := []string{"--database-url", pg.URL(), "--data-dir", dataDir(t), "--bcrypt-cost", "10"}
	if out, err := runCmd(t, "", append([]string{"migrate"}, common...)...); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if _, err := runCmd(t, "", append([]string{"user", "create", "--username", "pat", "--email", "pat@example.com",
		"--password", "Tr1cky!Horse", "--verified"}, common...)...); err != nil {
		t.Fatal(err)
	}
	authBase, api = startServe(t, append(common, extra...)...)
	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", patLogin)
	wantStatus(t, "login", res, body, 200)
	return pg, authBase, api, body["token"].(string)
}

// wantAcknowledged checks in the database that every task title and every
// username acknowledged with a 201 is there, each user with its
// verification mail in the outbox.
func wantAcknowledged(t *testing.T, url string, tasks, users []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, `SELECT count(DISTINCT title) FROM tasks WHERE title = ANY($1)`, tasks).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(tasks) {
		t.Errorf("%d of the %d acknowledged tasks are in the database", n, len(tasks))
	}
	if err := c.QueryRow(ctx, `SELECT count(*) FROM users u WHERE u.username = ANY($1)
		AND EXISTS (SELECT 1 FROM outbox o WHERE o.recipient = u.email)`, users).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(users) {
		t.Errorf("%d of the %d acknowledged users are in the database with their verification mail", n, len(users))
	}
}
