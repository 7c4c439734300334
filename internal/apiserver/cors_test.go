package apiserver

import (
	"net/http"
	"testing"
)

func TestCORS(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	for _, tc := range []struct {
		name, method, path, origin, reqMethod, bearer string
		wantStatus                                    int
		wantAllowed                                   bool
	}{
		{"preflight allowed", "OPTIONS", "/api/tasks", allowedOrigin, "POST", "", 204, true},
		{"preflight second allowed origin", "OPTIONS", "/api/tasks/x", "https://app.example.com", "PATCH", "", 204, true},
		{"preflight disallowed", "OPTIONS", "/api/tasks", "https://evil.example", "POST", "", 403, false},
		{"preflight origin differs by port", "OPTIONS", "/api/tasks", "http://localhost:3001", "GET", "", 403, false},
		{"preflight null origin", "OPTIONS", "/api/tasks", "null", "GET", "", 403, false},
		{"actual allowed", "GET", "/api/tasks", allowedOrigin, "", tok, 200, true},
		{"actual allowed, error answer", "GET", "/api/tasks", allowedOrigin, "", "", 401, true},
		{"actual disallowed", "GET", "/api/tasks", "https://evil.example", "", tok, 200, false},
		{"no origin", "GET", "/health", "", "", "", 200, false},
		{"OPTIONS without preflight headers", "OPTIONS", "/api/tasks", "", "", "", 405, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := f.request(tc.method, tc.path, nil, tc.bearer)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.reqMethod != "" {
				req.Header.Set("Access-Control-Request-Method", tc.reqMethod)
				req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			rec := f.serve(req)
			h := rec.Header()
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if h.Get("Vary") != "Origin" {
				t.Errorf("Vary = %q", h.Get("Vary"))
			}
			if h.Get("Access-Control-Allow-Credentials") != "" {
				t.Error("credentials allowed")
			}
			if !tc.wantAllowed {
				for k := range h {
					if len(k) > 15 && k[:15] == "Access-Control-" {
						t.Errorf("CORS header %s = %q for a disallowed origin", k, h.Get(k))
					}
				}
				return
			}
			if h.Get("Access-Control-Allow-Origin") != tc.origin {
				t.Errorf("Allow-Origin = %q, want %q", h.Get("Access-Control-Allow-Origin"), tc.origin)
			}
			if tc.method == "OPTIONS" {
				for k, want := range map[string]string{
					"Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
					"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Request-ID",
					"Access-Control-Max-Age":       "600",
				} {
					if h.Get(k) != want {
						t.Errorf("%s = %q, want %q", k, h.Get(k), want)
					}
				}
				if rec.Body.Len() != 0 {
					t.Errorf("preflight body = %q", rec.Body)
				}
				return
			}
			if h.Get("Access-Control-Expose-Headers") != "X-Request-ID, Retry-After, RateLimit-Policy, RateLimit" {
				t.Errorf("Expose-Headers = %q", h.Get("Access-Control-Expose-Headers"))
			}
		})
	}
}

// TestCORSOnProxiedAnswer: an allowed origin can read a proxied answer
// too, and the auth service's own CORS headers (none today) cannot leak.
func TestCORSOnProxiedAnswer(t *testing.T) {
	f := newFixture(t, options{authHandler: func(real http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			real.ServeHTTP(w, r)
		})
	}})
	req := f.request("POST", "/api/auth/login", map[string]string{"username": "x", "password": "y"}, "")
	req.Header.Set("Origin", allowedOrigin)
	rec := f.serve(req)
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("Access-Control-Allow-Origin") != allowedOrigin {
		t.Fatalf("login = %d, Allow-Origin %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
}
