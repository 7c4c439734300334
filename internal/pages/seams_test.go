package pages

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// budgetLimiter is a Limiter that refuses the budgets named in refuse and
// remembers every budget and key it was asked about.
type budgetLimiter struct {
	mu     sync.Mutex
	refuse map[string]bool
	asked  []string
	err    error
}

func (l *budgetLimiter) Allow(_ http.ResponseWriter, _ *http.Request, budget, key string) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, budget+" "+key)
	if l.err != nil {
		return false, 0, l.err
	}
	return !l.refuse[budget], 90 * time.Second, nil
}

// TestRateLimitSeam: each page POST that SPEC's Protection table limits
// spends its budget for the client IP before anything else, and a refusal
// is a 429 page with Retry-After.
func TestRateLimitSeam(t *testing.T) {
	lim := &budgetLimiter{refuse: map[string]bool{}}
	f := newFixture(t, Config{Limiter: lim})
	f.user("lia", false)
	for path, budget := range map[string]string{
		"/ui/login":               BudgetLogin,
		"/ui/register":            BudgetRegister,
		"/ui/verify-email":        BudgetVerify,
		"/ui/reset-password":      BudgetVerify,
		"/ui/unlock":              BudgetVerify,
		"/ui/forgot-password":     BudgetEmail,
		"/ui/resend-verification": BudgetEmail,
	} {
		b := f.browser()
		b.get("/ui/login")
		lim.asked = nil
		b.post(path, url.Values{"login": {"lia"}, "password": {"x"}})
		if len(lim.asked) != 1 || lim.asked[0] != budget+" 127.0.0.1" {
			t.Errorf("POST %s asked %v, want [%s 127.0.0.1]", path, lim.asked, budget)
		}
		lim.refuse[budget] = true
		a := b.post(path, url.Values{"login": {"lia"}, "password": {goodPassword}})
		want(t, "POST "+path+" past its budget", a, http.StatusTooManyRequests, "Too many attempts")
		if a.header.Get("Retry-After") != "90" {
			t.Errorf("Retry-After = %q, want 90", a.header.Get("Retry-After"))
		}
		lim.refuse[budget] = false
	}
	// Nothing ran past the limit: the refused sign-in opened no session.
	if n, _ := f.svc.Sessions(context.Background(), mustUserID(t, f, "lia")); len(n) != 0 {
		t.Errorf("%d sessions opened past the limit", len(n))
	}
	// A limiter that fails lets the request through.
	lim.err = errors.New("redis gone")
	b := f.browser()
	b.get("/ui/login")
	if a := b.post("/ui/login", url.Values{"login": {"lia"}, "password": {goodPassword}}); a.status != http.StatusSeeOther {
		t.Fatalf("sign-in with a failing limiter = %d", a.status)
	}
}

func mustUserID(t *testing.T, f *fixture, name string) string {
	u, err := f.svc.UserByLogin(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestUnlockPage: the link's page only shows a button; without an unlock
// flow the POST says so plainly, and with one it spends the token.
func TestUnlockPage(t *testing.T) {
	f := newFixture(t, Config{})
	b := f.browser()
	want(t, "unlock link", b.get("/ui/unlock?token=tok-1"), http.StatusOK, "Unlock my account", `value="tok-1"`)
	want(t, "unlock without a flow", b.post("/ui/unlock", url.Values{"token": {"tok-1"}}), http.StatusNotImplemented,
		"Unlocking by link is not available")

	var got []string
	f = newFixture(t, Config{Unlock: func(_ context.Context, token string, c auth.Client) error {
		got = append(got, token+" "+c.IP)
		if token != "good" {
			return auth.ErrInvalidToken
		}
		return nil
	}})
	b = f.browser()
	b.get("/ui/unlock?token=good")
	want(t, "unlock", b.post("/ui/unlock", url.Values{"token": {"good"}}), http.StatusOK, "Account unlocked")
	want(t, "bad unlock", b.post("/ui/unlock", url.Values{"token": {"bad"}}), http.StatusBadRequest, "This link does not work")
	if len(got) != 2 || got[0] != "good 127.0.0.1" {
		t.Errorf("Unlock calls = %v", got)
	}
}
