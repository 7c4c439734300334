package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// getJSON sends GET url with an optional bearer token.
func getJSON(t *testing.T, url, bearer string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res, readJSON(t, res)
}

func sendJSON(t *testing.T, method, url, bearer, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res, readJSON(t, res)
}

func wantStatus(t *testing.T, what string, res *http.Response, body map[string]any, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s = %d %v, want %d", what, res.StatusCode, body, want)
	}
}

// serveWithAlice runs `bizy serve` (see startServe) with a verified user
// alice, password Tr1cky!Horse, made with `bizy user create`.
func serveWithAlice(t *testing.T) (authBase, apiBase string) {
	t.Helper()
	dir := dataDir(t)
	authBase, apiBase = startServe(t, "--data-dir", dir, "--bcrypt-cost", "10")
	if _, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10",
		"--username", "alice", "--email", "alice@example.com", "--password", "Tr1cky!Horse", "--verified"); err != nil {
		t.Fatal(err)
	}
	return authBase, apiBase
}

// TestManualWalkThrough is the original system's manual check, through the
// API on :8000: health on both, auth-server-health, login, profile,
// verify-token, for a user made with `bizy user create --verified`.
func TestManualWalkThrough(t *testing.T) {
	share(t)
	authBase, apiBase := serveWithAlice(t)
	for _, base := range []string{authBase, apiBase} {
		res, body := getJSON(t, base+"/health", "")
		wantStatus(t, base+"/health", res, body, 200)
		if body["status"] != "ok" {
			t.Fatalf("%s/health = %v", base, body)
		}
	}
	res, body := getJSON(t, apiBase+"/api/auth/auth-server-health", "")
	wantStatus(t, "auth-server-health", res, body, 200)

	res, body = sendJSON(t, "POST", apiBase+"/api/auth/login", "", `{"username":"alice","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
	tok := body["token"].(string)

	res, body = getJSON(t, apiBase+"/api/auth/profile", tok)
	wantStatus(t, "profile", res, body, 200)
	if body["user"].(map[string]any)["username"] != "alice" {
		t.Fatalf("profile = %v", body)
	}
	res, body = getJSON(t, apiBase+"/api/auth/verify-token", tok)
	wantStatus(t, "verify-token", res, body, 200)
	if body["valid"] != true || body["user"].(map[string]any)["username"] != "alice" || body["expires_at"] == nil {
		t.Fatalf("verify-token = %v", body)
	}

	for base, wants := range map[string][]string{
		authBase: {`bizy_http_requests_total{method="POST",route="POST /login",status="200"} 1`, "bizy_mail_outbox_pending 0"},
		apiBase:  {`bizy_http_requests_total{method="GET",route="GET /api/auth/verify-token",status="200"} 1`},
	} {
		res, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, want := range wants {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s/metrics lacks %q", base, want)
			}
		}
	}
}

// TestRegisterLoginTasks walks a new user from registration to their tasks,
// all through the API.
func TestRegisterLoginTasks(t *testing.T) {
	share(t)
	_, api := startServe(t, "--data-dir", dataDir(t), "--bcrypt-cost", "10", "--require-email-verification=false")
	res, body := sendJSON(t, "POST", api+"/api/auth/register", "", `{"username":"bob","email":"bob@example.com","password":"Tr1cky!Horse"}`)
	wantStatus(t, "register", res, body, 201)
	res, body = sendJSON(t, "POST", api+"/api/auth/register", "", `{"username":"BOB","email":"other@example.com","password":"Tr1cky!Horse"}`)
	wantStatus(t, "duplicate register", res, body, 409)
	res, body = sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"bob@example.com","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
	tok := body["token"].(string)

	res, body = sendJSON(t, "POST", api+"/api/goals", tok, `{"title":"Ship Bizy"}`)
	wantStatus(t, "create goal", res, body, 201)
	goalID := body["id"].(string)
	res, body = sendJSON(t, "POST", api+"/api/tasks", tok, `{"title":"Write the README","priority":"high","due_date":"2026-12-01","goal_id":"`+goalID+`"}`)
	wantStatus(t, "create task", res, body, 201)
	taskID := body["id"].(string)
	res, body = sendJSON(t, "PATCH", api+"/api/tasks/"+taskID, tok, `{"status":"done"}`)
	wantStatus(t, "patch task", res, body, 200)
	if body["status"] != "done" || body["title"] != "Write the README" || body["goal_id"] != goalID {
		t.Fatalf("patched task = %v", body)
	}
	res, body = getJSON(t, api+"/api/tasks?status=done", tok)
	wantStatus(t, "list tasks", res, body, 200)
	if items := body["items"].([]any); len(items) != 1 {
		t.Fatalf("tasks = %v", body)
	}
	res, body = getJSON(t, api+"/api/tasks", "")
	wantStatus(t, "tasks without a token", res, body, 401)
}

// TestAuthServiceDown: with the auth service stopped, tokens it issued keep
// working at the API while proxied auth calls fail fast with 503.
func TestAuthServiceDown(t *testing.T) {
	share(t)
	dir := dataDir(t)
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	common := []string{"--data-dir", dir, "--bcrypt-cost", "10"}
	stopAuth := startCmd(t, "http://"+authAddr+"/health", append([]string{"auth", "--auth-addr", authAddr}, common...)...)
	startCmd(t, "http://"+apiAddr+"/health", append([]string{"api", "--api-addr", apiAddr, "--auth-server-url", "http://" + authAddr}, common...)...)
	api := "http://" + apiAddr
	if _, err := runCmd(t, "", append([]string{"user", "create", "--username", "carol", "--email", "carol@example.com",
		"--password", "Tr1cky!Horse", "--verified"}, common...)...); err != nil {
		t.Fatal(err)
	}
	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"carol","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
	tok := body["token"].(string)
	res, body = getJSON(t, api+"/api/tasks", tok) // the API fetches the JWKS now
	wantStatus(t, "tasks while auth is up", res, body, 200)

	stopAuth()

	res, body = sendJSON(t, "POST", api+"/api/tasks", tok, `{"title":"still works"}`)
	wantStatus(t, "create task with auth down", res, body, 201)
	start := time.Now()
	res, body = sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"carol","password":"Tr1cky!Horse"}`)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("proxied login with auth down took %v, want under 5s", took)
	}
	wantStatus(t, "login with auth down", res, body, 503)
	// Health checks are cached for a second (internal/health), so the
	// outage shows within about that; the bound is generous for a loaded CI.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		res, body = getJSON(t, api+"/health", "")
		wantStatus(t, "health with auth down", res, body, 200)
		if body["status"] == "degraded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health with auth down = %v, want degraded", body)
		}
	}
	res, body = getJSON(t, api+"/api/auth/auth-server-health", "")
	wantStatus(t, "auth-server-health with auth down", res, body, 503)
}

func TestHealthCommand(t *testing.T) {
	share(t)
	authBase, apiBase := startServe(t, "--data-dir", dataDir(t), "--bcrypt-cost", "10")
	for _, u := range []string{authBase + "/health", apiBase + "/health"} {
		if out, err := runCmd(t, "", "health", u); err != nil || !strings.Contains(out, `"status":"ok"`) {
			t.Fatalf("health %s: %v %s", u, err, out)
		}
	}
	if _, err := runCmd(t, "", "health", authBase+"/nowhere"); err == nil {
		t.Fatal("health of a 404 succeeded")
	}
	if _, err := runCmd(t, "", "health", "http://"+freeAddr(t)+"/health"); err == nil {
		t.Fatal("health of a closed port succeeded")
	}
}

// TestTokensSurviveRestart: signing keys and sessions are stored, so a token
// issued before a restart is still good after it, at both services.
func TestTokensSurviveRestart(t *testing.T) {
	share(t)
	dir := dataDir(t)
	args := []string{"--data-dir", dir, "--bcrypt-cost", "10"}
	if _, err := runCmd(t, "", append([]string{"user", "create", "--username", "rita", "--email", "rita@example.com",
		"--password", "Tr1cky!Horse", "--verified"}, args...)...); err != nil {
		t.Fatal(err)
	}
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	serve := append([]string{"serve", "--auth-addr", authAddr, "--api-addr", apiAddr}, args...)
	stop := startCmd(t, "http://"+apiAddr+"/health", serve...)
	res, body := sendJSON(t, "POST", "http://"+apiAddr+"/api/auth/login", "", `{"username":"rita","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
	tok := body["token"].(string)
	stop()

	startCmd(t, "http://"+apiAddr+"/health", serve...)
	res, body = getJSON(t, "http://"+authAddr+"/profile", tok)
	wantStatus(t, "profile after restart", res, body, 200)
	res, body = getJSON(t, "http://"+apiAddr+"/api/tasks", tok)
	wantStatus(t, "tasks after restart", res, body, 200)
}
