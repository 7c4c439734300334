package main

import (
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/redis/redistest"
)

// Every run of these tests keeps its rate limits under a Redis prefix of
// its own: the Redis of BIZY_TEST_REDIS_URL is shared with other runs,
// whose clients are on 127.0.0.1 too.
func init() { rateLimitPrefix = "bizy:test:" + rand.Text() + ":ratelimit:" }

// loginFrom sends a login through the API for the client ip, which the
// API believes as it trusts loopback under serve (TRUSTED_PROXIES).
func loginFrom(t *testing.T, apiBase, ip, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", apiBase+"/api/auth/login", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// metric returns the value of the sample of GET base/metrics whose line
// starts with series (name and labels), failing t when there is none.
func metric(t *testing.T, base, series string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s/metrics has no %s", base, series)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSixtyRapidLoginsMeet429: with the default budgets (login 30/5m), 60
// rapid logins from one client through the API meet 429 with Retry-After
// and the RateLimit fields after the 30th; another client of the same API
// still signs in, as the API passes each client's IP on; /metrics counts
// the refusals.
func TestSixtyRapidLoginsMeet429(t *testing.T) {
	share(t)
	authBase, apiBase := serveWithAlice(t)
	// Guesses at a name no account has: 401, then 423 from the lockout,
	// then 429 from the budget, which is checked first.
	const guess = `{"username":"mallory","password":"Wr0ng!Guess"}`
	limited := 0
	for i := range 60 {
		res := loginFrom(t, apiBase, "203.0.113.5", guess)
		switch {
		case res.StatusCode != http.StatusTooManyRequests:
			// The budget refills one login every 10 s, so a slow run lets
			// a few more in; the count below bounds them.
		case i < 30:
			t.Fatalf("login #%d = 429 within the budget of 30", i+1)
		default:
			limited++
			ra, err := strconv.Atoi(res.Header.Get("Retry-After"))
			if err != nil || ra < 1 || ra > 10 {
				t.Errorf("login #%d: Retry-After %q, want 1 to 10 s (one login refills every 10 s)", i+1, res.Header.Get("Retry-After"))
			}
			if res.Header.Get("RateLimit-Policy") != `"login";q=30;w=300` || !strings.HasPrefix(res.Header.Get("RateLimit"), `"login";r=0;t=`) {
				t.Errorf("login #%d: RateLimit-Policy %q, RateLimit %q", i+1, res.Header.Get("RateLimit-Policy"), res.Header.Get("RateLimit"))
			}
		}
	}
	if limited < 24 {
		t.Fatalf("%d of 60 rapid logins refused, want 30 (a few less on a slow run)", limited)
	}
	// A 503 is the API's proxy giving up on a loaded machine (the login
	// hashes with -race); it spends a unit, so a few tries stay in budget.
	code := http.StatusServiceUnavailable
	for try := 0; try < 3 && code == http.StatusServiceUnavailable; try++ {
		code = loginFrom(t, apiBase, "203.0.113.6", `{"username":"alice","password":"Tr1cky!Horse"}`).StatusCode
	}
	if code != http.StatusOK {
		t.Fatalf("login from another client = %d, want 200: the API must pass the client's IP on", code)
	}
	if n := metric(t, authBase, `bizy_ratelimit_denied_total{budget="login"}`); int(n) != limited {
		t.Errorf("bizy_ratelimit_denied_total{budget=\"login\"} = %v, want %d", n, limited)
	}
	if n := metric(t, authBase, "bizy_ratelimit_redis_in_use"); n != 0 {
		t.Errorf("bizy_ratelimit_redis_in_use = %v without REDIS_URL", n)
	}
}

// TestRedisOutageFallsBackAndReturns: `bizy auth` on a Redis of the test's
// own keeps its budgets there; when Redis dies it enforces them in its own
// memory, logs that once and counts it in /metrics; when Redis answers
// again it goes back to it (a probe every 5 s), logged once too.
func TestRedisOutageFallsBackAndReturns(t *testing.T) {
	share(t)
	if os.Getenv("BIZY_TEST_REDIS_URL") == "" {
		t.Skip("BIZY_TEST_REDIS_URL not set; skipping the Redis tests")
	}
	srv := redistest.Start(t)
	addr := freeAddr(t)
	base := "http://" + addr
	_, logs := startCmdLogs(t, base+"/health", "auth", "--auth-addr", addr, "--data-dir", dataDir(t),
		"--bcrypt-cost", "10", "--redis-url", srv.URL(), "--rate-limit-login", "2/1h")
	guess := map[string]string{"username": "mallory", "password": "Wr0ng!Guess"}
	login := func() int {
		t.Helper()
		res, _ := postJSON(t, base+"/login", guess)
		return res.StatusCode
	}
	spend := func(when string) {
		t.Helper()
		for i := range 2 {
			if code := login(); code == http.StatusTooManyRequests {
				t.Fatalf("%s: login #%d within the budget of 2 = 429", when, i+1)
			}
		}
		if code := login(); code != http.StatusTooManyRequests {
			t.Fatalf("%s: 3rd login = %d, want 429", when, code)
		}
	}
	spend("with Redis")
	if metric(t, base, "bizy_ratelimit_redis_in_use") != 1 {
		t.Fatal("bizy_ratelimit_redis_in_use is not 1 with Redis answering")
	}

	srv.Kill()
	spend("Redis down") // a whole budget again, in this copy's memory, and still enforced
	for range 3 {
		login()
	}
	if in, falls := metric(t, base, "bizy_ratelimit_redis_in_use"), metric(t, base, "bizy_ratelimit_redis_fallbacks_total"); in != 0 || falls != 1 {
		t.Errorf("Redis down: redis_in_use %v, fallbacks_total %v; want 0 and 1", in, falls)
	}
	if n := strings.Count(logs.String(), "Redis does not answer"); n != 1 {
		t.Errorf("the fallback was logged %d times over 6 requests, want once; logs:\n%s", n, logs)
	}

	srv.Restart() // empty, on the same port
	for deadline := time.Now().Add(30 * time.Second); metric(t, base, "bizy_ratelimit_redis_in_use") != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("not back on Redis 30 s after it answered again; logs:\n%s", logs)
		}
		login()                            // a request past the probe interval tries Redis
		time.Sleep(250 * time.Millisecond) // the probe runs on the real clock of a real process
	}
	if n := strings.Count(logs.String(), "Redis answers again"); n != 1 {
		t.Errorf("the return was logged %d times, want once", n)
	}
	if falls := metric(t, base, "bizy_ratelimit_redis_fallbacks_total"); falls != 1 {
		t.Errorf("fallbacks_total %v after the return, want 1", falls)
	}
}
