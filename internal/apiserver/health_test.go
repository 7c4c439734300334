package apiserver

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

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

// TestHealthFloodReachesAuthOncePerSecond: a flood of unauthenticated
// health probes (both /health and auth-server-health) reaches the auth
// service once per second of the API's clock, not once per probe, and a
// database that goes down shows within that second.
func TestHealthFloodReachesAuthOncePerSecond(t *testing.T) {
	f := newFixture(t, options{})
	var wg sync.WaitGroup
	flood := func() {
		for i := range 100 {
			path := "/health"
			if i%2 == 1 {
				path = "/api/auth/auth-server-health"
			}
			wg.Go(func() {
				if rec := f.do("GET", path, nil, ""); rec.Code != http.StatusOK {
					t.Errorf("%s = %d %s", path, rec.Code, rec.Body)
				}
			})
		}
		wg.Wait()
	}
	flood()
	if n := f.authRec.count("/health"); n != 1 {
		t.Fatalf("100 probes reached the auth service's /health %d times, want 1", n)
	}
	f.clock.Advance(time.Second)
	flood()
	if n := f.authRec.count("/health"); n != 2 {
		t.Fatalf("after a second, the auth service's /health was reached %d times in all, want 2", n)
	}

	f.tasksDB.Close()
	if rec := f.do("GET", "/health", nil, ""); rec.Code != http.StatusOK {
		t.Fatalf("health within the cached second = %d, want the cached 200", rec.Code)
	}
	f.clock.Advance(time.Second)
	if rec := f.do("GET", "/health", nil, ""); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("health a second after the database closed = %d %s, want 503", rec.Code, rec.Body)
	}
}
