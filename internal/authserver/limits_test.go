package authserver

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// twoPerMinute gives every budget but the per-address one 2 requests a
// minute: one more every 30 s.
var twoPerMinute = ratelimit.Rates{
	Login: ratelimit.Rate{N: 2, Window: time.Minute}, Refresh: ratelimit.Rate{N: 2, Window: time.Minute},
	Register: ratelimit.Rate{N: 2, Window: time.Minute}, Verify: ratelimit.Rate{N: 2, Window: time.Minute},
	Email: ratelimit.Rate{N: 2, Window: time.Minute},
}

// budgetRoute is a route that spends a budget, with a body it accepts.
type budgetRoute struct {
	path string
	body any
}

// jsonBudgets lists, per budget, every JSON route that spends it.
var jsonBudgets = []struct {
	budget ratelimit.Budget
	routes []budgetRoute
}{
	{ratelimit.Login, []budgetRoute{{"/login", map[string]string{"username": "nobody", "password": "wrong"}}}},
	{ratelimit.Refresh, []budgetRoute{{"/refresh", map[string]string{"refresh_token": "stale"}}}},
	{ratelimit.Register, []budgetRoute{{"/register", map[string]string{"username": "x"}}}},
	{ratelimit.Verify, []budgetRoute{
		{"/verify-email", map[string]string{"token": "bad"}},
		{"/reset-password", map[string]string{"token": "bad", "password": goodPassword}},
	}},
	{ratelimit.Email, []budgetRoute{
		{"/forgot-password", map[string]string{"email": "who@example.com"}},
		{"/resend-verification", map[string]string{"email": "who@example.com"}},
	}},
}

// doFrom is do from the client address ip.
func (f *fixture) doFrom(ip, path string, body any) *httptest.ResponseRecorder {
	f.t.Helper()
	req := webtest.NewRequest(f.t, "POST", path, body, "")
	req.RemoteAddr = net.JoinHostPort(ip, "40000")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// wantPolicy checks the RateLimit-Policy field of an answer of budget b
// under twoPerMinute.
func wantPolicy(t *testing.T, what string, h http.Header, b ratelimit.Budget) {
	t.Helper()
	if got, want := h.Get("RateLimit-Policy"), `"`+string(b)+`";q=2;w=60`; got != want {
		t.Errorf("%s: RateLimit-Policy = %q, want %q", what, got, want)
	}
	if !strings.HasPrefix(h.Get("RateLimit"), `"`+string(b)+`";r=`) {
		t.Errorf("%s: RateLimit = %q", what, h.Get("RateLimit"))
	}
}

// wantLimited checks a 429 of budget b with 30 s to wait.
func wantLimited(t *testing.T, what string, status int, h http.Header, b ratelimit.Budget) {
	t.Helper()
	if status != http.StatusTooManyRequests {
		t.Fatalf("%s past the budget: %d, want 429", what, status)
	}
	wantPolicy(t, what, h, b)
	if h.Get("Retry-After") != "30" || h.Get("RateLimit") != `"`+string(b)+`";r=0;t=30` {
		t.Errorf("%s: Retry-After %q, RateLimit %q; want 30 and r=0;t=30", what, h.Get("Retry-After"), h.Get("RateLimit"))
	}
}

// TestEveryBudgetAnswers429: each JSON route spends its budget per client
// IP (routes of one budget share it); past it the answer is the 429
// problem rate_limited with Retry-After and the RateLimit fields, each
// refusal is a rate_limited event naming the budget and the client, and
// the budget refills with time. Another IP has its own budgets.
func TestEveryBudgetAnswers429(t *testing.T) {
	f := newFixture(t, options{rates: &twoPerMinute})
	const ip = "198.51.100.7"
	for _, g := range jsonBudgets {
		first := g.routes[0]
		for i := range 2 {
			rec := f.doFrom(ip, first.path, first.body)
			if rec.Code == http.StatusTooManyRequests {
				t.Fatalf("%s #%d within the budget of 2: 429", first.path, i+1)
			}
			wantPolicy(t, first.path, rec.Header(), g.budget)
		}
		for _, r := range g.routes {
			rec := f.doFrom(ip, r.path, r.body)
			wantLimited(t, r.path, rec.Code, rec.Header(), g.budget)
			var p struct {
				Status int
				Code   string
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil ||
				rec.Header().Get("Content-Type") != "application/problem+json" || p.Status != 429 || p.Code != "rate_limited" {
				t.Errorf("%s: %s %s, want a problem coded rate_limited", r.path, rec.Header().Get("Content-Type"), rec.Body)
			}
		}
		if rec := f.doFrom("198.51.100.8", first.path, first.body); rec.Code == http.StatusTooManyRequests {
			t.Errorf("%s from another IP: 429", first.path)
		}
	}
	f.svc.Wait()
	evs := f.events(auth.EventRateLimited, "")
	if len(evs) != 7 {
		t.Fatalf("%d rate_limited events, want one per refusal (7): %+v", len(evs), evs)
	}
	per := map[string]int{}
	for _, e := range evs {
		per[e.Detail]++
		if e.IP != ip || e.UserID != "" || e.LoginName != "" {
			t.Errorf("event %+v: want the client IP and nothing else about who", e)
		}
	}
	for _, g := range jsonBudgets {
		if per["budget "+string(g.budget)] != len(g.routes) {
			t.Errorf("events per budget %v", per)
		}
	}
	if d := f.limits.Stats().Denied; d[ratelimit.Verify] != 2 || d[ratelimit.Login] != 1 {
		t.Errorf("refusals counted %v", d)
	}
	f.clock.Advance(30 * time.Second)
	if rec := f.doFrom(ip, "/login", jsonBudgets[0].routes[0].body); rec.Code != http.StatusUnauthorized {
		t.Errorf("login once the budget refilled by one: %d, want 401", rec.Code)
	}
}

// TestRateLimitsOff: with every budget off (RATE_LIMIT_ENABLED=false) no
// route answers 429 nor carries the RateLimit fields.
func TestRateLimitsOff(t *testing.T) {
	f := newFixture(t, options{rates: &ratelimit.Rates{}})
	for range 5 {
		rec := f.doFrom("198.51.100.7", "/login", map[string]string{"username": "nobody", "password": "wrong"})
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("RateLimit-Policy") != "" {
			t.Fatalf("login with every budget off: %d %v", rec.Code, rec.Header())
		}
	}
}

// pageBudgets lists, per budget, every page POST that spends it.
var pageBudgets = []struct {
	budget ratelimit.Budget
	paths  []string
}{
	{ratelimit.Login, []string{"/ui/login"}},
	{ratelimit.Register, []string{"/ui/register"}},
	{ratelimit.Verify, []string{"/ui/verify-email", "/ui/reset-password"}},
	{ratelimit.Email, []string{"/ui/forgot-password", "/ui/resend-verification"}},
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestPagesSpendTheSameBudgets: the page POSTs spend the budgets of the
// JSON routes, for the same client IP; past them the answer is a page
// with status 429, Retry-After and the RateLimit fields, and a refusal is
// a rate_limited event.
func TestPagesSpendTheSameBudgets(t *testing.T) {
	f := newFixture(t, options{rates: &twoPerMinute})
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(srv.URL + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no csrf field on /ui/login:\n%s", b)
	}
	form := url.Values{"csrf": {string(m[1])}, "login": {"nobody"}, "password": {"wrong"}, "email": {"who@example.com"},
		"username": {"x"}, "token": {"bad"}, "new_password": {goodPassword}, "confirm": {goodPassword}}
	post := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := c.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	for _, g := range pageBudgets {
		for i := range 2 {
			res, body := post(g.paths[0])
			if res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusForbidden {
				t.Fatalf("POST %s #%d within the budget: %d\n%s", g.paths[0], i+1, res.StatusCode, body)
			}
			wantPolicy(t, g.paths[0], res.Header, g.budget)
		}
		for _, p := range g.paths {
			res, body := post(p)
			wantLimited(t, p, res.StatusCode, res.Header, g.budget)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "Too many attempts") {
				t.Errorf("POST %s past its budget: %s, want the page that says so:\n%s", p, res.Header.Get("Content-Type"), body)
			}
		}
	}
	// The JSON login of the same client IP finds the budget the page spent.
	res, err = http.Post(srv.URL+"/login", "application/json", strings.NewReader(`{"username":"nobody","password":"wrong"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	wantLimited(t, "JSON /login after the page", res.StatusCode, res.Header, ratelimit.Login)
	f.svc.Wait()
	if evs := f.events(auth.EventRateLimited, ""); len(evs) != 7 || evs[0].IP != "127.0.0.1" {
		t.Errorf("%d rate_limited events, want 7 from 127.0.0.1: %+v", len(evs), evs)
	}
}

// TestMailBudgetPerAddressOverHTTP: past the per-address budget
// forgot-password still answers 202, queues nothing, and records
// mail_suppressed; a new client IP does not help.
func TestMailBudgetPerAddressOverHTTP(t *testing.T) {
	rates := ratelimit.Rates{EmailAddress: ratelimit.Rate{N: 1, Window: time.Hour}}
	f := newFixture(t, options{rates: &rates})
	u := f.mustRegister("ana", "ana@example.com", goodPassword, true)
	for i, ip := range []string{"198.51.100.7", "198.51.100.8", "2001:db8::1"} {
		rec := f.doFrom(ip, "/forgot-password", map[string]string{"email": "ana@example.com"})
		if rec.Code != http.StatusAccepted {
			t.Fatalf("forgot-password #%d: %d %s", i+1, rec.Code, rec.Body)
		}
		f.svc.Wait()
	}
	wantPending(t, f, 1)
	evs := wantEvents(t, f, auth.EventMailSuppressed, u.ID, 2)
	if evs[0].IP != "2001:db8::1" || evs[0].Detail != "password reset" {
		t.Errorf("event %+v", evs[0])
	}
	if n := f.limits.Stats().Denied[ratelimit.EmailAddress]; n != 2 {
		t.Errorf("%d email_address refusals counted, want 2", n)
	}
}
