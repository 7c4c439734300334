package token

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestMiddleware(t *testing.T) {
	v := mustVerifier(t, Config{Now: func() time.Time { return t0 }})
	good := mustSign(t, NewEdDSASigner("k1", testPriv), goodClaims())
	expired := goodClaims()
	expired.IssuedAt, expired.ExpiresAt = t0.Add(-2*time.Hour), t0.Add(-time.Hour)
	old := mustSign(t, NewEdDSASigner("k1", testPriv), expired)

	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := FromContext(r.Context())
		if !ok {
			t.Error("no claims in context")
			return
		}
		w.Write([]byte(c.Username))
	})
	h := v.Middleware(next)

	tests := []struct {
		name       string
		auth       string // Authorization header; "-" for none
		wantStatus int
		wantBody   string // for 200
		wantDetail string
		wantWWW    string
	}{
		{"Valid", "Bearer " + good, 200, "alice", "", ""},
		{"LowerCaseScheme", "bearer " + good, 200, "alice", "", ""},
		{"UpperCaseScheme", "BEARER  " + good, 200, "alice", "", ""},
		{"NoHeader", "-", 401, "", "missing bearer token", "Bearer"},
		{"BasicScheme", "Basic dXNlcjpwYXNz", 401, "", "missing bearer token", "Bearer"},
		{"EmptyToken", "Bearer ", 401, "", "missing bearer token", "Bearer"},
		{"SchemeOnly", "Bearer", 401, "", "missing bearer token", "Bearer"},
		{"Expired", "Bearer " + old, 401, "", "token expired",
			`Bearer error="invalid_token", error_description="token expired"`},
		{"Garbage", "Bearer abc", 401, "", "malformed token",
			`Bearer error="invalid_token", error_description="malformed token"`},
		{"Tampered", "Bearer " + tamper(t, good, claimsMap(t, func(m map[string]any) { m["is_admin"] = true })), 401, "", "invalid token signature",
			`Bearer error="invalid_token", error_description="invalid token signature"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/tasks", nil)
			if tt.auth != "-" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == 200 {
				if w.Body.String() != tt.wantBody {
					t.Errorf("body = %q, want %q", w.Body, tt.wantBody)
				}
				return
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tt.wantWWW {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantWWW)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var p map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"type": "about:blank", "title": "Unauthorized", "status": 401.0, "detail": tt.wantDetail}
			for k, wv := range want {
				if p[k] != wv {
					t.Errorf("problem[%s] = %v, want %v", k, p[k], wv)
				}
			}
		})
	}
}

func TestMiddlewareKeySourceDown(t *testing.T) {
	v := mustVerifier(t, Config{Keys: failingKeys{http.ErrServerClosed}, Now: func() time.Time { return t0 }})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+mustSign(t, NewEdDSASigner("k1", testPriv), goodClaims()))
	w := httptest.NewRecorder()
	v.Middleware(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("WWW-Authenticate") != "" {
		t.Fatalf("status = %d, WWW-Authenticate %q; want 503 without a challenge", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}

func TestContext(t *testing.T) {
	if _, ok := FromContext(t.Context()); ok {
		t.Error("FromContext found claims in an empty context")
	}
	if _, ok := FromContext(NewContext(t.Context(), nil)); ok {
		t.Error("FromContext reported nil claims")
	}
	c := goodClaims()
	if got, ok := FromContext(NewContext(t.Context(), &c)); !ok || got != &c {
		t.Errorf("FromContext = %p, %v; want %p", got, ok, &c)
	}
}

// TestMiddlewarePassClaims: with PassClaims, next gets the request pass
// returned and pass the verified claims; a rejected token never reaches
// pass.
func TestMiddlewarePassClaims(t *testing.T) {
	v := mustVerifier(t, Config{Now: func() time.Time { return t0 }})
	type key struct{}
	var passed *Claims
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(key{}) != passed || passed == nil {
			t.Error("next did not get the request pass returned")
		}
		w.Write([]byte(passed.Username))
	}), PassClaims(func(r *http.Request, c *Claims) *http.Request {
		passed = c
		return r.WithContext(context.WithValue(r.Context(), key{}, c))
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+mustSign(t, NewEdDSASigner("k1", testPriv), goodClaims()))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.String() != "alice" {
		t.Fatalf("answer = %d %q, want 200 alice", w.Code, w.Body)
	}
	passed = nil
	r.Header.Set("Authorization", "Bearer abc")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized || passed != nil {
		t.Fatalf("bad token: %d, passed %v; want 401 and pass not called", w.Code, passed)
	}
}
