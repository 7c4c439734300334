package ratelimit

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/clocktest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newMemory returns a Memory with SPEC's default rates on a fake clock.
func newMemory(t *testing.T) (*Memory, *clocktest.Clock) {
	t.Helper()
	clock := clocktest.New(t0)
	return NewMemory(DefaultRates(), clock.Now), clock
}

// spend makes n requests of key that must all be allowed.
func spend(t *testing.T, lim Limiter, b Budget, key string, n int) {
	t.Helper()
	for i := range n {
		if d := lim.Allow(context.Background(), b, key); !d.Allowed {
			t.Fatalf("%s request %d of %d for %q refused: %+v", b, i+1, n, key, d)
		}
	}
}

func TestMemoryBurstThenRefusal(t *testing.T) {
	m, _ := newMemory(t)
	ctx := context.Background()
	for i := range 30 {
		d := m.Allow(ctx, Login, "192.0.2.1")
		if !d.Allowed || d.Remaining != 29-i {
			t.Fatalf("login %d: %+v, want allowed with %d remaining", i+1, d, 29-i)
		}
	}
	d := m.Allow(ctx, Login, "192.0.2.1")
	if d.Allowed || d.Remaining != 0 {
		t.Fatalf("31st login: %+v, want refused", d)
	}
	// 30 per 5 minutes refill one every 10 s.
	if !near(d.RetryAfter, 10*time.Second) {
		t.Errorf("RetryAfter = %s, want 10s", d.RetryAfter)
	}
	if !near(d.ResetAfter, 5*time.Minute) {
		t.Errorf("ResetAfter = %s, want 5m", d.ResetAfter)
	}
	if d.Budget != Login || d.Rate != (Rate{30, 5 * time.Minute}) {
		t.Errorf("decision names %s %v", d.Budget, d.Rate)
	}
}

func TestMemoryRefillsEvenly(t *testing.T) {
	m, clock := newMemory(t)
	ctx := context.Background()
	spend(t, m, Login, "k", 30)

	clock.Advance(9 * time.Second)
	// The bucket's float arithmetic may leave the wait a few ns short of
	// 1 s; Retry-After rounds it up.
	if d := m.Allow(ctx, Login, "k"); d.Allowed || !near(d.RetryAfter, time.Second) || RetryAfterSeconds(d) != 1 {
		t.Fatalf("after 9 s: %+v, want refused with 1s to wait", d)
	}
	clock.Advance(time.Second)
	if d := m.Allow(ctx, Login, "k"); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after 10 s: %+v, want one allowed", d)
	}
	if d := m.Allow(ctx, Login, "k"); d.Allowed {
		t.Fatalf("a second one after 10 s was allowed: %+v", d)
	}
	// A refused request spends nothing: 50 s later, five fit.
	clock.Advance(50 * time.Second)
	spend(t, m, Login, "k", 5)
	if d := m.Allow(ctx, Login, "k"); d.Allowed {
		t.Fatalf("a sixth after 50 s was allowed: %+v", d)
	}
	// A whole window later the whole burst is back, and no more.
	clock.Advance(time.Hour)
	spend(t, m, Login, "k", 30)
	if d := m.Allow(ctx, Login, "k"); d.Allowed {
		t.Fatal("the burst exceeded N after a long idle time")
	}
}

func TestMemoryKeysAndBudgetsAreSeparate(t *testing.T) {
	m, _ := newMemory(t)
	ctx := context.Background()
	spend(t, m, Register, "192.0.2.1", 30)
	if m.Allow(ctx, Register, "192.0.2.1").Allowed {
		t.Fatal("31st registration allowed")
	}
	if !m.Allow(ctx, Register, "192.0.2.2").Allowed {
		t.Error("another IP was refused")
	}
	if !m.Allow(ctx, Login, "192.0.2.1").Allowed {
		t.Error("another budget of the same IP was refused")
	}
}

func TestMemoryOffBudget(t *testing.T) {
	rates := DefaultRates()
	rates.Refresh = Rate{}
	m := NewMemory(rates, clocktest.New(t0).Now)
	for range 1000 {
		d := m.Allow(context.Background(), Refresh, "k")
		if !d.Allowed || !d.Rate.Off() {
			t.Fatalf("off budget: %+v", d)
		}
	}
	if got := m.Stats().Keys; got != 0 {
		t.Errorf("an off budget holds %d keys, want 0", got)
	}
	if !NewMemory(Rates{}, nil).Allow(context.Background(), Login, "k").Allowed {
		t.Error("all budgets off still refused")
	}
}

func TestMemoryUnknownBudgetPanics(t *testing.T) {
	m, _ := newMemory(t)
	defer func() {
		if recover() == nil {
			t.Error("Allow with an unknown budget did not panic")
		}
	}()
	m.Allow(context.Background(), Budget("logn"), "k")
}

func TestMemoryCountsRefusals(t *testing.T) {
	m, _ := newMemory(t)
	spend(t, m, Email, "k", 10)
	for range 3 {
		m.Allow(context.Background(), Email, "k")
	}
	st := m.Stats()
	if st.Denied[Email] != 3 || st.Denied[Login] != 0 || st.UsingRedis || st.Fallbacks != 0 {
		t.Errorf("Stats = %+v, want 3 email refusals only", st)
	}
}

func TestMemoryForgetsIdleKeys(t *testing.T) {
	m, clock := newMemory(t)
	ctx := context.Background()
	spend(t, m, Login, "busy", 30)  // whole again after 5 min
	spend(t, m, Email, "mailer", 1) // whole again after 6 min (one of 10/1h)
	if got := m.Stats().Keys; got != 2 {
		t.Fatalf("Keys = %d, want 2", got)
	}
	// Five and a half minutes on, login is whole and goes at the sweep;
	// the mail key still owes and stays.
	clock.Advance(5*time.Minute + 30*time.Second)
	m.Allow(ctx, Register, "trigger") // any call sweeps when due
	if got := m.Stats().Keys; got != 2 {
		t.Fatalf("after 5.5 min: Keys = %d, want 2 (mailer, trigger)", got)
	}
	if d := m.Allow(ctx, Email, "mailer"); d.Remaining != 8 {
		t.Errorf("the mail key lost its debt: %+v, want 8 remaining", d)
	}
	clock.Advance(2 * time.Hour)
	m.Allow(ctx, Login, "new")
	if got := m.Stats().Keys; got != 1 {
		t.Errorf("after 2 h: Keys = %d, want only the new key", got)
	}
}

func TestMemoryCapKeepsSpentBudgets(t *testing.T) {
	m, _ := newMemory(t)
	m.maxKeys = 80
	ctx := context.Background()
	// The victim key of an attacker, spent.
	spend(t, m, Login, "spent", 30)
	// A flood of fresh keys, many times the cap, at one instant (nothing
	// refills, so no sweep can help).
	for i := range 1000 {
		m.Allow(ctx, Login, "flood-"+strconv.Itoa(i))
		if n := m.Stats().Keys; n > m.maxKeys {
			t.Fatalf("after %d flood keys Memory holds %d keys, cap %d", i+1, n, m.maxKeys)
		}
	}
	if d := m.Allow(ctx, Login, "spent"); d.Allowed {
		t.Fatal("the flood reset the spent budget")
	}
	if st := m.Stats(); st.Evicted == 0 {
		t.Errorf("Stats = %+v, want evictions", st)
	}
}

func TestMemoryCapDropsWholeKeysFirst(t *testing.T) {
	m, clock := newMemory(t)
	m.maxKeys = 10
	ctx := context.Background()
	for i := range 10 {
		m.Allow(ctx, Login, "old-"+strconv.Itoa(i))
	}
	clock.Advance(10 * time.Second) // each old key is whole again, before any scheduled sweep
	m.Allow(ctx, Login, "new")
	if st := m.Stats(); st.Keys != 1 || st.Evicted != 0 {
		t.Errorf("Stats = %+v, want the whole keys swept, none evicted", st)
	}
	if MaxKeys != NewMemory(Rates{}, nil).maxKeys {
		t.Error("NewMemory does not cap at MaxKeys")
	}
}

func TestMemoryConcurrentCallersGetNoMoreThanN(t *testing.T) {
	m, _ := newMemory(t)
	const callers = 200
	var wg sync.WaitGroup
	start := make(chan struct{})
	allowed := make(chan bool, callers)
	for range callers {
		wg.Go(func() {
			<-start
			allowed <- m.Allow(context.Background(), Register, "k").Allowed
		})
	}
	close(start)
	wg.Wait()
	close(allowed)
	n := 0
	for ok := range allowed {
		if ok {
			n++
		}
	}
	if n != 30 {
		t.Errorf("%d of %d concurrent registrations allowed, want exactly 30", n, callers)
	}
}

func TestMailBudget(t *testing.T) {
	m, clock := newMemory(t)
	mb := NewMailBudget(m)
	ctx := context.Background()
	for i := range 3 {
		addr := []string{"bob@example.com", "Bob@Example.com", " bob@example.com "}[i]
		if !mb.TakeMail(ctx, addr) {
			t.Fatalf("mail %d to %q refused", i+1, addr)
		}
	}
	if mb.TakeMail(ctx, "BOB@example.com") {
		t.Fatal("a 4th mail within the hour was allowed")
	}
	if !mb.TakeMail(ctx, "alice@example.com") {
		t.Fatal("another address was refused")
	}
	clock.Advance(20 * time.Minute)
	if !mb.TakeMail(ctx, "bob@example.com") {
		t.Fatal("no mail after 20 min (3/1h refills one every 20 min)")
	}
	if !NewMailBudget(NewMemory(Rates{}, nil)).TakeMail(ctx, "bob@example.com") {
		t.Fatal("an off budget refused")
	}
}

// near reports whether d is within a microsecond of want: the token
// bucket computes in float64 seconds.
func near(d, want time.Duration) bool { return (d - want).Abs() < time.Microsecond }
