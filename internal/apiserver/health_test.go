package apiserver

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/webtest"
)

func TestHealth(t *testing.T) {
	f := newFixture(t, options{})
	rec := f.do("GET", "/health", nil, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("health = %d %s", rec.Code, rec.Body)
	}
	var body struct {
		Status string
		Checks map[string]string
	}
	webtest.Decode(t, rec, &body)
	if body.Status != "ok" || body.Checks["database"] != "ok" || body.Checks["auth_server"] != "ok" {
		t.Fatalf("health = %s", rec.Body)
	}
}

func TestHealthDatabaseDown(t *testing.T) {
	f := newFixture(t, options{})
	f.tasksDB.Close()
	rec := f.do("GET", "/health", nil, "")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"database":"unreachable"`) ||
		!strings.Contains(rec.Body.String(), `"auth_server":"ok"`) {
		t.Fatalf("health with closed database = %d %s", rec.Code, rec.Body)
	}
}

func TestAuthServerHealth(t *testing.T) {
	f := newFixture(t, options{})
	rec := f.do("GET", "/api/auth/auth-server-health", nil, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("auth-server-health = %d %s", rec.Code, rec.Body)
	}
	var body struct {
		Status     string
		AuthServer struct {
			Status string
			Checks map[string]string
		} `json:"auth_server"`
		LatencyMS *float64 `json:"latency_ms"`
	}
	webtest.Decode(t, rec, &body)
	if body.Status != "ok" || body.AuthServer.Status != "ok" || body.AuthServer.Checks["database"] != "ok" ||
		body.LatencyMS == nil || *body.LatencyMS < 0 {
		t.Fatalf("auth-server-health = %s", rec.Body)
	}
}

// TestAuthServerUnhealthy: an auth service that answers 503 is reported as
// unhealthy, not as unreachable, and the API's own health is degraded.
func TestAuthServerUnhealthy(t *testing.T) {
	f := newFixture(t, options{authHandler: func(real http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/health" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"status":"unavailable","checks":{"database":"unreachable"}}`)
				return
			}
			real.ServeHTTP(w, r)
		})
	}})
	p := webtest.WantProblem(t, f.do("GET", "/api/auth/auth-server-health", nil, ""), http.StatusServiceUnavailable)
	if p.Code != "auth_unhealthy" {
		t.Errorf("code = %q", p.Code)
	}
	rec := f.do("GET", "/health", nil, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"status":"degraded"`) {
		t.Fatalf("health = %d %s", rec.Code, rec.Body)
	}
}
