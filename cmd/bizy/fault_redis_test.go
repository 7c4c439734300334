package main

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/redis/redistest"
)

// waitMetric polls base/metrics until series has the value want, failing t
// after e2eBound.
func waitMetric(t *testing.T, base, series string, want float64, logs *syncBuffer) {
	t.Helper()
	for deadline := time.Now().Add(e2eBound); metric(t, base, series) != want; {
		if time.Now().After(deadline) {
			t.Fatalf("%s is not %v after %v; logs:\n%s", series, want, e2eBound, logs)
		}
		time.Sleep(100 * time.Millisecond) // real processes on the real clock
	}
}

// TestRedisOutageRevocationFallsBackToPolling: the API on a Redis of the
// test's own notices when Redis dies, logs it once and counts it in
// /metrics; a logout still reaches it, by polling the auth service; when
// Redis answers again it subscribes again (logged once) and revocations
// arrive through Redis once more.
func TestRedisOutageRevocationFallsBackToPolling(t *testing.T) {
	share(t)
	if os.Getenv("BIZY_TEST_REDIS_URL") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BIZY_TEST_REDIS_URL not set under CI: the Redis fault test must run")
		}
		t.Skip("BIZY_TEST_REDIS_URL not set; skipping the Redis fault test")
	}
	srv := redistest.Start(t)
	dir := dataDir(t)
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	api := "http://" + apiAddr
	_, logs := startCmdLogs(t, api+"/health", "serve", "--auth-addr", authAddr, "--api-addr", apiAddr,
		"--data-dir", dir, "--bcrypt-cost", "10", "--redis-url", srv.URL())
	if _, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10",
		"--username", "alice", "--email", "alice@example.com", "--password", "Tr1cky!Horse", "--verified"); err != nil {
		t.Fatal(err)
	}
	login := func() string {
		t.Helper()
		res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"alice","password":"Tr1cky!Horse"}`)
		wantStatus(t, "login", res, body, 200)
		return body["token"].(string)
	}
	waitMetric(t, api, "bizy_revocation_redis_subscribed", 1, logs)

	srv.Kill()
	waitMetric(t, api, "bizy_revocation_redis_subscribed", 0, logs)
	if n := metric(t, api, "bizy_revocation_redis_fallbacks_total"); n != 1 {
		t.Errorf("bizy_revocation_redis_fallbacks_total = %v with Redis down, want 1", n)
	}
	tok := login()
	if o := send("POST", api+"/api/auth/logout", tok, ""); o.status != http.StatusNoContent {
		t.Fatalf("logout with Redis down = %d %s, want 204", o.status, o.code)
	}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		res, body := getJSON(t, api+"/api/auth/verify-token", tok)
		if res.StatusCode == http.StatusUnauthorized {
			t.Logf("with Redis down, the logout reached the API by polling in %v", time.Since(start))
			break
		}
		if time.Since(start) > e2eBound {
			t.Fatalf("with Redis down, a logout did not reach the API within %v: %d %v", e2eBound, res.StatusCode, body)
		}
	}
	if n := strings.Count(logs.String(), "revocations reach this copy by polling"); n != 1 {
		t.Errorf("the fall back to polling was logged %d times, want once; logs:\n%s", n, logs)
	}

	srv.Restart() // empty, on the same port
	waitMetric(t, api, "bizy_revocation_redis_subscribed", 1, logs)
	if n := strings.Count(logs.String(), "revocations subscription restored"); n != 1 {
		t.Errorf("the return to Redis was logged %d times, want once", n)
	}
	wantRedisRevocationReachesAPI(t, srv.URL(), api, login())
	if n := metric(t, api, "bizy_revocation_redis_fallbacks_total"); n != 1 {
		t.Errorf("bizy_revocation_redis_fallbacks_total = %v after the return, want 1", n)
	}
}
