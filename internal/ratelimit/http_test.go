package ratelimit_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/web"
)

func TestSetHeaders(t *testing.T) {
	login := ratelimit.Rate{N: 30, Window: 5 * time.Minute}
	tests := []struct {
		name                      string
		d                         ratelimit.Decision
		policy, limit, retryAfter string
	}{
		{"allowed", ratelimit.Decision{Budget: ratelimit.Login, Rate: login, Allowed: true, Remaining: 29, ResetAfter: 10 * time.Second},
			`"login";q=30;w=300`, `"login";r=29;t=10`, ""},
		{"allowed, reset rounded up", ratelimit.Decision{Budget: ratelimit.Login, Rate: login, Allowed: true, Remaining: 3, ResetAfter: 269*time.Second + time.Millisecond},
			`"login";q=30;w=300`, `"login";r=3;t=270`, ""},
		{"refused", ratelimit.Decision{Budget: ratelimit.Register, Rate: ratelimit.Rate{N: 30, Window: time.Hour}, RetryAfter: 119*time.Second + 999*time.Millisecond, ResetAfter: time.Hour},
			`"register";q=30;w=3600`, `"register";r=0;t=120`, "120"},
		{"refused, wait under a second", ratelimit.Decision{Budget: ratelimit.Email, Rate: ratelimit.Rate{N: 10, Window: time.Hour}, RetryAfter: time.Millisecond},
			`"email";q=10;w=3600`, `"email";r=0;t=1`, "1"},
		{"refused, no wait computed", ratelimit.Decision{Budget: ratelimit.Verify, Rate: login},
			`"verify";q=30;w=300`, `"verify";r=0;t=1`, "1"},
		{"off", ratelimit.Decision{Budget: ratelimit.Refresh, Allowed: true}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			ratelimit.SetHeaders(rec, tt.d)
			h := rec.Header()
			if got := h.Get("RateLimit-Policy"); got != tt.policy {
				t.Errorf("RateLimit-Policy = %q, want %q", got, tt.policy)
			}
			if got := h.Get("RateLimit"); got != tt.limit {
				t.Errorf("RateLimit = %q, want %q", got, tt.limit)
			}
			if got := h.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
		})
	}
}

func TestWriteLimitedIsAWebProblem(t *testing.T) {
	rec := httptest.NewRecorder()
	ratelimit.WriteLimited(rec, ratelimit.Decision{Budget: ratelimit.Login,
		Rate: ratelimit.Rate{N: 30, Window: 5 * time.Minute}, RetryAfter: 9500 * time.Millisecond, ResetAfter: 5 * time.Minute})

	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", rec.Code)
	}
	for k, want := range map[string]string{
		"Content-Type":     "application/problem+json",
		"Cache-Control":    "no-store",
		"Retry-After":      "10",
		"RateLimit-Policy": `"login";q=30;w=300`,
		"RateLimit":        `"login";r=0;t=10`,
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// The body decodes into web.Problem with no field to spare, and reads
	// as web.WriteProblem would write the same problem.
	var p web.Problem
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("body %s: %v", rec.Body, err)
	}
	if p.Type != "about:blank" || p.Title != "Too Many Requests" || p.Status != 429 ||
		p.Code != "rate_limited" || !strings.Contains(p.Detail, "10 s") {
		t.Errorf("problem = %+v", p)
	}
	want := httptest.NewRecorder()
	web.WriteProblem(want, p)
	if rec.Body.String() != want.Body.String() {
		t.Errorf("body\n%s\nweb.WriteProblem writes\n%s", rec.Body, want.Body)
	}
}

func TestLimitMiddleware(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	lim := ratelimit.NewMemory(ratelimit.DefaultRates(), clock.Now)
	served := 0
	var refusals []ratelimit.Decision
	h := ratelimit.Limit(lim, ratelimit.Register, func(r *http.Request) string { return r.Header.Get("X-Test-IP") },
		func(_ *http.Request, d ratelimit.Decision) { refusals = append(refusals, d) },
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served++
		w.WriteHeader(http.StatusCreated)
	}))
	do := func(ip string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/register", nil)
		req.Header.Set("X-Test-IP", ip)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 30 {
		rec := do("192.0.2.1")
		if rec.Code != http.StatusCreated || rec.Header().Get("RateLimit-Policy") != `"register";q=30;w=3600` ||
			!strings.HasPrefix(rec.Header().Get("RateLimit"), `"register";r=`) {
			t.Fatalf("request %d: %d %v", i+1, rec.Code, rec.Header())
		}
	}
	rec := do("192.0.2.1")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "120" {
		t.Fatalf("31st: %d %v", rec.Code, rec.Header())
	}
	if served != 30 || len(refusals) != 1 || refusals[0].Budget != ratelimit.Register {
		t.Errorf("served %d, refusals %+v; want 30 and one", served, refusals)
	}
	if rec := do("192.0.2.2"); rec.Code != http.StatusCreated {
		t.Errorf("another IP got %d", rec.Code)
	}
	clock.Advance(2 * time.Minute)
	if rec := do("192.0.2.1"); rec.Code != http.StatusCreated {
		t.Errorf("after Retry-After: %d", rec.Code)
	}
}
