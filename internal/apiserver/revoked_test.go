package apiserver

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/revocation"
	"github.com/bizy-auth/bizy/internal/webtest"
	"github.com/bizy-auth/bizy/token"
)

// sessionOf returns the sid claim of tok, read without verifying it.
func sessionOf(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c token.Claims
	if err := json.Unmarshal(b, &c); err != nil || c.SessionID == "" {
		t.Fatalf("token claims %s: sid %q, %v", b, c.SessionID, err)
	}
	return c.SessionID
}

// TestRevokedSessionRefused: once a session is in Config.Revoked, every
// Bearer route refuses its still-valid token with 401 session_revoked,
// without asking the auth service; other sessions, and a new login of the
// same user, are unaffected.
func TestRevokedSessionRefused(t *testing.T) {
	list := revocation.NewList(revocation.ListConfig{})
	f := newFixture(t, options{revoked: list})
	_, alice := f.mustUser("alice", true)
	_, bob := f.mustUser("bob", false)
	if rec := f.do("GET", "/api/auth/verify-token", nil, alice); rec.Code != http.StatusOK {
		t.Fatalf("before revocation: verify-token = %d %s", rec.Code, rec.Body)
	}
	list.Add(sessionOf(t, alice), f.clock.Now().Add(15*time.Minute))

	calls := f.authRec.len()
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/auth/verify-token"},
		{"GET", "/api/auth/profile"},
		{"POST", "/api/auth/logout"},
		{"GET", "/api/tasks"},
		{"POST", "/api/goals"},
		{"GET", "/api/admin/stats"},
	} {
		rec := f.do(r.method, r.path, nil, alice)
		p := webtest.WantProblem(t, rec, http.StatusUnauthorized)
		if p.Code != "session_revoked" || p.Detail != "the session has been revoked; log in again" {
			t.Errorf("%s %s: problem %+v", r.method, r.path, p)
		}
		if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
			t.Errorf("%s %s: WWW-Authenticate %q", r.method, r.path, got)
		}
	}
	if n := f.authRec.len() - calls; n != 0 {
		t.Errorf("the auth service got %d requests for a revoked session, want 0", n)
	}

	if rec := f.do("GET", "/api/auth/verify-token", nil, bob); rec.Code != http.StatusOK {
		t.Errorf("another session: verify-token = %d %s", rec.Code, rec.Body)
	}
	again := f.mustLogin("alice", goodPassword)
	if rec := f.do("GET", "/api/tasks", nil, again); rec.Code != http.StatusOK {
		t.Errorf("alice's new session: GET /api/tasks = %d %s", rec.Code, rec.Body)
	}
}
