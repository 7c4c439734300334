package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/token"
)

func TestResolveClient(t *testing.T) {
	var got Client
	h := ResolveClient([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Handler(func(w http.ResponseWriter, r *http.Request) error {
			var err error
			got, err = ClientOf(r)
			return err
		}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	r.Header.Set("User-Agent", "curl\x00/8\xff"+strings.Repeat("x", 600))
	if rec := serve(h, r); rec.Code != http.StatusOK {
		t.Fatalf("answer = %d %s", rec.Code, rec.Body)
	}
	if got.IP != "198.51.100.7" {
		t.Errorf("IP = %q, want the forwarded address", got.IP)
	}
	if !strings.HasPrefix(got.UserAgent, "curl/8\uFFFDxxx") || len(got.UserAgent) != 512 {
		t.Errorf("UserAgent = %q (%d bytes), want it cleaned and cut to 512 bytes", got.UserAgent, len(got.UserAgent))
	}
}

// TestAccessorsFailClosed: a route wired without the middleware that
// resolves the client or the claims gets a problem, not a zero client, a
// nil user or a panic.
func TestAccessorsFailClosed(t *testing.T) {
	reached := false
	client := Handler(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := ClientOf(r); err != nil {
			return err
		}
		reached = true
		return nil
	})
	rec := serve(client, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError || reached {
		t.Errorf("no client: %d (handler went on: %v), want 500", rec.Code, reached)
	}

	claims := Handler(func(w http.ResponseWriter, r *http.Request) error {
		c, err := ClaimsOf(r)
		if err != nil {
			return err
		}
		return JSON(w, http.StatusOK, map[string]string{"user": c.UserID})
	})
	rec = serve(claims, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"code":"unauthenticated"`) {
		t.Errorf("no claims: %d %s, want a 401 problem coded unauthenticated", rec.Code, rec.Body)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(token.NewContext(r.Context(), &token.Claims{}))
	if rec = serve(claims, r); rec.Code != http.StatusUnauthorized {
		t.Errorf("claims without a user: %d, want 401", rec.Code)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(token.NewContext(r.Context(), &token.Claims{UserID: "u1"}))
	if rec = serve(claims, r); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"u1"`) {
		t.Errorf("with claims: %d %s", rec.Code, rec.Body)
	}
}

func TestJSONWritesNothingForAValueThatDoesNotEncode(t *testing.T) {
	rec := serve(Handler(func(w http.ResponseWriter, r *http.Request) error {
		return JSON(w, http.StatusOK, map[string]any{"f": func() {}})
	}), httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "internal_error") {
		t.Fatalf("answer = %d %s, want a clean 500 problem", rec.Code, rec.Body)
	}
}

// TestPassClaims: under RequestID the token middleware's claims are kept
// in the requestInfo without a copy of the request; without RequestID, or
// with the slot taken by an outer middleware, they go in a context of
// their own, and ClaimsOf reports the innermost.
func TestPassClaims(t *testing.T) {
	outer, inner := &token.Claims{UserID: "outer"}, &token.Claims{UserID: "inner"}
	var got *token.Claims
	read := Handler(func(w http.ResponseWriter, r *http.Request) error {
		var err error
		got, err = ClaimsOf(r)
		return err
	})
	pass := func(c *token.Claims, same bool, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r2 := passClaims(r, c)
			if (r2 == r) != same {
				t.Errorf("PassClaims(%s) returned the same request: %v, want %v", c.UserID, r2 == r, same)
			}
			next.ServeHTTP(w, r2)
		})
	}
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name string
		h    http.Handler
		want *token.Claims
	}{
		{"under RequestID", RequestID(log, pass(outer, true, read)), outer},
		{"without RequestID", pass(outer, false, read), outer},
		{"inner wins", RequestID(log, pass(outer, true, pass(inner, false, read))), inner},
	} {
		got = nil
		rec := httptest.NewRecorder()
		tc.h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != http.StatusOK || got != tc.want {
			t.Errorf("%s: %d, claims %+v, want %s", tc.name, rec.Code, got, tc.want.UserID)
		}
	}
}
