package main

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/redis"
)

// TestLogoutIsPublishedOnRedis: with REDIS_URL set, the auth service
// announces a logout on the revocations channel at once.
func TestLogoutIsPublishedOnRedis(t *testing.T) {
	url := os.Getenv("BIZY_TEST_REDIS_URL")
	if url == "" {
		t.Skip("BIZY_TEST_REDIS_URL not set")
	}
	c, err := redis.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("BIZY_TEST_REDIS_URL is set but Redis is unreachable: %v", err)
	}
	defer c.Close()
	sub := c.Subscribe(t.Context(), redis.Channel)
	defer sub.Close()
	if _, err := sub.Receive(t.Context()); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}

	dir := dataDir(t)
	_, api := startServe(t, "--data-dir", dir, "--bcrypt-cost", "10", "--redis-url", url)
	if _, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10",
		"--username", "pat", "--email", "pat@example.com", "--password", "Tr1cky!Horse", "--verified"); err != nil {
		t.Fatal(err)
	}
	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"pat","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
	res, body = getJSON(t, api+"/api/auth/sessions", body["token"].(string))
	wantStatus(t, "sessions", res, body, 200)
	sid := body["items"].([]any)[0].(map[string]any)["id"].(string)

	res, body = sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"pat","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
	tok := body["token"].(string)
	req, _ := http.NewRequest("POST", api+"/api/auth/logout?all=true", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout all: %v %v", res, err)
	}

	seen := map[string]bool{}
	timeout := time.After(2 * time.Second)
	for len(seen) < 2 {
		select {
		case m := <-sub.Channel():
			var msg struct {
				SID       string    `json:"sid"`
				ExpiresAt time.Time `json:"expires_at"`
			}
			if err := json.Unmarshal([]byte(m.Payload), &msg); err != nil || msg.ExpiresAt.IsZero() {
				t.Fatalf("message %q: %v", m.Payload, err)
			}
			seen[msg.SID] = true
		case <-timeout:
			t.Fatalf("after logout ?all=true, Redis carried %v; want both sessions", seen)
		}
	}
	if !seen[sid] {
		t.Fatalf("published %v, want %s among them", seen, sid)
	}
}
