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
	share(t)
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
	login := func() string {
		res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"pat","password":"Tr1cky!Horse"}`)
		wantStatus(t, "login", res, body, 200)
		return body["token"].(string)
	}
	login()
	tok := login()
	res, body := getJSON(t, api+"/api/auth/sessions", tok)
	wantStatus(t, "sessions", res, body, 200)
	ours := map[string]bool{} // pat's sessions → published yet
	for _, it := range body["items"].([]any) {
		ours[it.(map[string]any)["id"].(string)] = false
	}
	if len(ours) != 2 {
		t.Fatalf("sessions = %v, want two", body)
	}
	req, _ := http.NewRequest("POST", api+"/api/auth/logout?all=true", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout all: %v %v", res, err)
	}

	// Other test runs may share the Redis server, and so the channel: only
	// pat's sessions count.
	timeout := time.After(e2eBound)
	for missing := len(ours); missing > 0; {
		select {
		case m := <-sub.Channel():
			var msg struct {
				SID       string    `json:"sid"`
				ExpiresAt time.Time `json:"expires_at"`
			}
			if json.Unmarshal([]byte(m.Payload), &msg) != nil {
				continue // not one of ours, which parse
			}
			if seen, ok := ours[msg.SID]; ok && !seen {
				if msg.ExpiresAt.IsZero() {
					t.Fatalf("message %q has no expires_at", m.Payload)
				}
				ours[msg.SID] = true
				missing--
			}
		case <-timeout:
			t.Fatalf("%v after logout ?all=true, Redis carried these of pat's sessions: %v; want both", e2eBound, ours)
		}
	}
}
