package apiserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/webtest"
	"github.com/bizy-auth/bizy/token"
)

func TestProxyRegisterAndLogin(t *testing.T) {
	f := newFixture(t, options{})
	reg := map[string]string{"username": "carol", "email": "carol@example.com", "password": goodPassword}
	rec := f.do("POST", "/api/auth/register", reg, "")
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"username":"carol"`) ||
		rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("register = %d %s", rec.Code, rec.Body)
	}
	p := webtest.WantProblem(t, f.do("POST", "/api/auth/register", reg, ""), http.StatusConflict)
	if p.Code != "conflict" {
		t.Errorf("duplicate code = %q", p.Code)
	}
	wantFields(t, f.do("POST", "/api/auth/register", map[string]string{"username": "x"}, ""), "email", "password", "username")

	// The new account is not verified yet: 403 from the auth service, passed on.
	p = webtest.WantProblem(t, f.do("POST", "/api/auth/login", map[string]string{"username": "carol", "password": goodPassword}, ""), http.StatusForbidden)
	if p.Code != "email_not_verified" {
		t.Errorf("unverified login code = %q", p.Code)
	}
	f.mustUser("dave", false)
	if tok := f.mustLogin("dave@example.com", goodPassword); tok == "" {
		t.Fatal("no token")
	}
}

// TestProxyBadLoginIdenticalToAuthService: the client gets the auth
// service's answer byte for byte.
func TestProxyBadLoginIdenticalToAuthService(t *testing.T) {
	f := newFixture(t, options{})
	f.mustUser("erin", false)
	bad := map[string]string{"username": "erin", "password": "Wrong!Pass1"}
	rec := f.do("POST", "/api/auth/login", bad, "")
	status, h, body := f.doAuth("POST", "/login", bad, "")
	if rec.Code != http.StatusUnauthorized || rec.Code != status || rec.Body.String() != body ||
		rec.Header().Get("Content-Type") != h.Get("Content-Type") || rec.Header().Get("Cache-Control") != h.Get("Cache-Control") {
		t.Fatalf("through the API: %d %q %v\nstraight:        %d %q %v", rec.Code, rec.Body, rec.Header(), status, body, h)
	}
}

// TestProxyPassesEveryAuthRouteThrough sends each proxied route through the
// API and straight to the auth service, and expects the same status and
// body.
func TestProxyPassesEveryAuthRouteThrough(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("frank", false)
	for _, tc := range []struct {
		method, path string
		body         any
		bearer       bool
		fresh        bool // the call ends its session: each side gets its own
	}{
		{"POST", "/refresh", map[string]string{"refresh_token": "nope"}, false, false},
		{"POST", "/verify-email", map[string]string{"token": "nope"}, false, false},
		{"POST", "/resend-verification", map[string]string{"email": "frank@example.com"}, false, false},
		{"POST", "/forgot-password", map[string]string{"email": "frank@example.com"}, false, false},
		{"POST", "/reset-password", map[string]string{"token": "nope", "password": goodPassword}, false, false},
		{"GET", "/profile", nil, true, false},
		{"POST", "/logout", nil, true, true},
		// A weak new password: the same 422 both times, and nothing changes.
		{"POST", "/change-password", map[string]string{"current_password": goodPassword, "new_password": "weak"}, true, false},
		{"GET", "/sessions", nil, true, false},
		{"DELETE", "/sessions/0190a0b0-0000-7000-8000-000000000000", nil, true, false},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			viaAPI, straight := "", ""
			if tc.bearer {
				viaAPI, straight = tok, tok
			}
			if tc.fresh {
				viaAPI, straight = f.mustLogin("frank", goodPassword), f.mustLogin("frank", goodPassword)
			}
			rec := f.do(tc.method, "/api/auth"+tc.path, tc.body, viaAPI)
			status, h, body := f.doAuth(tc.method, tc.path, tc.body, straight)
			if rec.Code != status || rec.Body.String() != body || rec.Header().Get("Content-Type") != h.Get("Content-Type") {
				t.Fatalf("through the API: %d %q\nstraight:        %d %q", rec.Code, rec.Body, status, body)
			}
			got := f.authRec.last(strings.SplitN(tc.path, "?", 2)[0])
			if got == nil {
				t.Fatal("the auth service saw no request")
			}
			if _, q, _ := strings.Cut(tc.path, "?"); got.URL.RawQuery != q {
				t.Errorf("query = %q, want %q", got.URL.RawQuery, q)
			}
		})
	}
}

func TestProxyForwardsHeaders(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("gina", false)
	req := f.request("GET", "/api/auth/profile?x=1", nil, tok)
	req.Header.Set("User-Agent", "bizy-test/1.0")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Request-ID", "trace-me-123")
	req.Header.Set("Cookie", "secret=1")
	req.Header.Set("X-Forwarded-For", "6.6.6.6") // from an untrusted peer: ignored
	rec := f.serve(req)
	if rec.Code != http.StatusOK {
		t.Fatalf("profile = %d %s", rec.Code, rec.Body)
	}
	got := f.authRec.last("/profile")
	for k, want := range map[string]string{
		"Authorization":   "Bearer " + tok,
		"User-Agent":      "bizy-test/1.0",
		"Accept":          "application/json",
		"X-Request-Id":    "trace-me-123",
		"X-Forwarded-For": "192.0.2.1", // httptest.NewRequest's RemoteAddr
		"Cookie":          "",
	} {
		if v := got.Header.Get(k); v != want {
			t.Errorf("auth service saw %s = %q, want %q", k, v, want)
		}
	}
	if got.URL.RawQuery != "x=1" {
		t.Errorf("query = %q", got.URL.RawQuery)
	}
}

// TestProxyClientIPReachesSecurityEvents checks the address the auth
// service records, as the API computes it behind its own trusted proxies.
func TestProxyClientIPReachesSecurityEvents(t *testing.T) {
	for _, tc := range []struct {
		name, remote, xff, wantIP string
	}{
		{"direct client", "203.0.113.7:5000", "", "203.0.113.7"},
		{"spoofed header from untrusted peer", "203.0.113.7:5000", "198.51.100.9", "203.0.113.7"},
		{"through a trusted proxy", "10.1.2.3:5000", "198.51.100.9", "198.51.100.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
			f.mustUser("hank", false) // one login_success from 192.0.2.1
			req := f.request("POST", "/api/auth/login", map[string]string{"username": "hank", "password": goodPassword}, "")
			req.RemoteAddr = tc.remote
			req.Header.Set("User-Agent", "hank-phone")
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			if rec := f.serve(req); rec.Code != http.StatusOK {
				t.Fatalf("login = %d %s", rec.Code, rec.Body)
			}
			evs, _, err := f.authSvc.Events(context.Background(), auth.EventFilter{Type: auth.EventLoginSuccess, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, e := range evs {
				if e.UserAgent == "hank-phone" {
					found = true
					if e.IP != tc.wantIP {
						t.Errorf("event IP = %q, want %q", e.IP, tc.wantIP)
					}
				}
			}
			if !found {
				t.Fatalf("no login event with the client's user agent in %+v", evs)
			}
		})
	}
}

// TestProxyPassesRetryAfter: the lockout's 423 keeps its Retry-After.
func TestProxyPassesRetryAfter(t *testing.T) {
	f := newFixture(t, options{})
	f.mustUser("ivy", false)
	bad := map[string]string{"username": "ivy", "password": "Wrong!Pass1"}
	for range 5 {
		webtest.WantProblem(t, f.do("POST", "/api/auth/login", bad, ""), http.StatusUnauthorized)
	}
	rec := f.do("POST", "/api/auth/login", map[string]string{"username": "ivy", "password": goodPassword}, "")
	webtest.WantProblem(t, rec, http.StatusLocked)
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("423 without Retry-After")
	}
}

// TestProxyPassesRateLimits: the API passes each client's IP on, so the
// auth service counts each client's budget apart, and its 429 comes back
// with Retry-After and the RateLimit fields, readable cross-origin.
func TestProxyPassesRateLimits(t *testing.T) {
	f := newFixture(t, options{rates: &ratelimit.Rates{Login: ratelimit.Rate{N: 2, Window: time.Minute}}})
	bad := map[string]string{"username": "nobody", "password": "Wrong!Pass1"}
	login := func(ip string) *httptest.ResponseRecorder {
		req := f.request("POST", "/api/auth/login", bad, "")
		req.RemoteAddr = ip + ":40000"
		req.Header.Set("Origin", allowedOrigin)
		return f.serve(req)
	}
	for range 2 {
		webtest.WantProblem(t, login("198.51.100.7"), http.StatusUnauthorized)
	}
	rec := login("198.51.100.7")
	if p := webtest.WantProblem(t, rec, http.StatusTooManyRequests); p.Code != "rate_limited" {
		t.Errorf("code = %q, want rate_limited", p.Code)
	}
	h := rec.Header()
	if h.Get("Retry-After") != "30" || h.Get("RateLimit-Policy") != `"login";q=2;w=60` || h.Get("RateLimit") != `"login";r=0;t=30` {
		t.Errorf("429 through the API: Retry-After %q, RateLimit-Policy %q, RateLimit %q",
			h.Get("Retry-After"), h.Get("RateLimit-Policy"), h.Get("RateLimit"))
	}
	if !strings.Contains(h.Get("Access-Control-Expose-Headers"), "RateLimit-Policy, RateLimit") {
		t.Errorf("Expose-Headers = %q", h.Get("Access-Control-Expose-Headers"))
	}
	// Another client of the same API has a budget of its own.
	webtest.WantProblem(t, login("198.51.100.8"), http.StatusUnauthorized)
}

func TestProxyBodyLimit(t *testing.T) {
	f := newFixture(t, options{})
	big := `{"username":"` + strings.Repeat("a", 1<<20) + `"}`
	webtest.WantProblem(t, f.do("POST", "/api/auth/register", big, ""), http.StatusRequestEntityTooLarge)
	if n := f.authRec.count("/register"); n != 0 {
		t.Fatalf("the auth service got %d oversized requests", n)
	}
}

// TestBearerProxyRoutesCheckTokenFirst: a bad token never reaches the auth
// service.
func TestBearerProxyRoutesCheckTokenFirst(t *testing.T) {
	f := newFixture(t, options{})
	for _, path := range []string{"/profile", "/sessions"} {
		for _, bearer := range []string{"", "garbage"} {
			rec := f.do("GET", "/api/auth"+path, nil, bearer)
			webtest.WantProblem(t, rec, http.StatusUnauthorized)
			if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
			}
		}
		if n := f.authRec.count(path); n != 0 {
			t.Errorf("%s: the auth service got %d requests with bad tokens", path, n)
		}
	}
}

// TestAuthServiceDown: with the auth service gone, tokens still work on
// the API's own routes, proxied calls fail fast with 503, and health says
// degraded.
func TestAuthServiceDown(t *testing.T) {
	for _, hs := range []bool{false, true} {
		f := newFixture(t, options{hs256: hs})
		_, tok := f.mustUser("jack", false)
		if rec := f.do("GET", "/api/tasks", nil, tok); rec.Code != http.StatusOK { // learns the keys
			t.Fatalf("tasks = %d %s", rec.Code, rec.Body)
		}
		f.authSrv.Close()

		if rec := f.do("POST", "/api/tasks", map[string]string{"title": "still works"}, tok); rec.Code != http.StatusCreated {
			t.Fatalf("hs256=%v: create task with auth down = %d %s", hs, rec.Code, rec.Body)
		}
		if rec := f.do("GET", "/api/auth/verify-token", nil, tok); rec.Code != http.StatusOK {
			t.Fatalf("hs256=%v: verify-token with auth down = %d %s", hs, rec.Code, rec.Body)
		}
		for _, tc := range []struct{ method, path, bearer string }{
			{"POST", "/api/auth/login", ""},
			{"GET", "/api/auth/profile", tok},
		} {
			start := time.Now()
			rec := f.do(tc.method, tc.path, map[string]string{"username": "jack", "password": goodPassword}, tc.bearer)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("%s took %v with the auth service down", tc.path, took)
			}
			p := webtest.WantProblem(t, rec, http.StatusServiceUnavailable)
			if p.Code != "auth_unavailable" || p.Detail != "the auth service is unavailable; try again shortly" {
				t.Errorf("%s: problem = %+v", tc.path, p)
			}
		}
		rec := f.do("GET", "/health", nil, "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"status":"degraded"`) ||
			!strings.Contains(rec.Body.String(), `"auth_server":"unreachable"`) || !strings.Contains(rec.Body.String(), `"database":"ok"`) {
			t.Fatalf("health with auth down = %d %s", rec.Code, rec.Body)
		}
		p := webtest.WantProblem(t, f.do("GET", "/api/auth/auth-server-health", nil, ""), http.StatusServiceUnavailable)
		if p.Code != "auth_unavailable" {
			t.Errorf("auth-server-health code = %q", p.Code)
		}
	}
}

// TestAuthServiceHung: an auth service that accepts the connection and
// never answers costs a proxied call the proxy timeout, no more.
func TestAuthServiceHung(t *testing.T) {
	const timeout = 300 * time.Millisecond
	release := make(chan struct{})
	f := newFixture(t, options{hs256: true, proxyTimeout: timeout, authHandler: func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
	}})
	// Runs before the fixture's server Close, which waits for handlers: a
	// server only notices a client hanging up on a request whose body it
	// has not read at its next read.
	t.Cleanup(func() { close(release) })
	for _, path := range []string{"/api/auth/login", "/api/auth/auth-server-health", "/health"} {
		method := "POST"
		if path != "/api/auth/login" {
			method = "GET"
		}
		start := time.Now()
		rec := f.do(method, path, map[string]string{"username": "a", "password": "b"}, "")
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s took %v against a hung auth service (timeout %v)", path, took, timeout)
		}
		if path == "/health" {
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"auth_server":"unreachable"`) {
				t.Errorf("health = %d %s", rec.Code, rec.Body)
			}
			continue
		}
		webtest.WantProblem(t, rec, http.StatusServiceUnavailable)
	}
}

func TestProxyBadAuthServerURL(t *testing.T) {
	v, err := token.NewVerifier(token.Config{Algorithm: token.HS256, Secret: testSecret, Issuer: "bizy-auth", Audience: "bizy"})
	if err != nil {
		t.Fatal(err)
	}
	h := NewServer(discard(), Config{AuthServerURL: "not a url"}, tasks.NewService(openSQLiteTasks(t), nil), v)
	req := httptest.NewRequest("POST", "/api/auth/login", strings.NewReader(`{}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	p := webtest.WantProblem(t, rec, http.StatusServiceUnavailable)
	if p.Code != "auth_unavailable" {
		t.Errorf("code = %q", p.Code)
	}
}

// TestProxyReturnsOnlyRelevantHeaders: a redirect is passed back, not
// followed, and headers outside returnHeaders stay behind.
func TestProxyReturnsOnlyRelevantHeaders(t *testing.T) {
	f := newFixture(t, options{authHandler: func(real http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/verify-email" {
				real.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Set("Location", "https://app.example.com/verified")
			h.Set("Cache-Control", "private, max-age=0")
			h.Set("Set-Cookie", "sid=1")
			h.Set("X-Internal", "secret")
			h.Set("X-Request-ID", "the-auth-service-own")
			w.WriteHeader(http.StatusSeeOther)
		})
	}})
	rec := f.do("GET", "/api/auth/verify-email?token=abc", nil, "")
	h := rec.Header()
	if rec.Code != http.StatusSeeOther || h.Get("Location") != "https://app.example.com/verified" ||
		h.Get("Cache-Control") != "private, max-age=0" || h.Get("Set-Cookie") != "" || h.Get("X-Internal") != "" ||
		h.Get("X-Request-ID") == "the-auth-service-own" {
		t.Fatalf("answer = %d %v", rec.Code, h)
	}
	if n := f.authRec.count("/verified"); n != 0 {
		t.Fatal("the API followed the redirect")
	}
}
