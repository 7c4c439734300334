package ratelimit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/redis/redistest"
	"github.com/redis/go-redis/v9"
)

// startTestServer runs a redis-server of the test's own
// (redistest.Start), never the shared Redis. It runs with the Redis suites
// (BIZY_TEST_REDIS_URL), and a missing redis-server binary then fails the
// test.
func startTestServer(t *testing.T) *redistest.Server {
	t.Helper()
	testRedisURL(t)
	return redistest.Start(t)
}

// logCounter is a slog.Handler that keeps the message of each record.
type logCounter struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logCounter) WithGroup(string) slog.Handler            { return l }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}

// count returns how many records' messages contain sub.
func (l *logCounter) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, sub) {
			n++
		}
	}
	return n
}

func (l *logCounter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.msgs, "\n")
}

const (
	logDown = "Redis does not answer"
	logUp   = "Redis answers again"
)

// serviceCopy is one copy of the auth service's limiter, with its own
// client, a count of the commands it sends and its log.
type serviceCopy struct {
	lim  *Redis
	sent *countHook
	log  *logCounter
}

func newServiceCopy(t *testing.T, url string, rates Rates, clock *clocktest.Clock) serviceCopy {
	c := newClient(t, url, nil)
	sent := &countHook{}
	c.AddHook(sent)
	log := &logCounter{}
	// A second is far above a loopback call's time, even on a loaded
	// machine, and bounds each failed call while go-redis retries its dials.
	lim := NewRedis(c, rates, RedisOptions{Timeout: time.Second, Now: clock.Now,
		Log: slog.New(log)})
	return serviceCopy{lim, sent, log}
}

// waitForRedis moves the clock a probe interval at a time until a request
// of lim finds Redis again; the restarted server may refuse the first try
// on a stale connection, so it may take a few probes.
func waitForRedis(t *testing.T, lim *Redis, clock *clocktest.Clock) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !lim.Stats().UsingRedis {
		if time.Now().After(deadline) {
			t.Fatalf("the limiter did not return to Redis within 15 s: %+v", lim.Stats())
		}
		clock.Advance(DefaultProbeEvery)
		lim.Allow(context.Background(), Login, "probe")
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRedisFallsBackToMemoryAndReturns(t *testing.T) {
	srv := startTestServer(t)
	clock := clocktest.New(t0)
	rates := Rates{Login: Rate{3, time.Hour}}
	a, b := newServiceCopy(t, srv.URL(), rates, clock), newServiceCopy(t, srv.URL(), rates, clock)
	ctx := context.Background()

	spend(t, a.lim, Login, "ip", 2)
	spend(t, b.lim, Login, "ip", 1)
	if b.lim.Allow(ctx, Login, "ip").Allowed {
		t.Fatal("a 4th login was allowed while Redis answers: the copies do not share")
	}

	srv.Kill()
	// Each copy now counts on its own, from a whole budget, and still refuses.
	for i, cp := range []serviceCopy{a, b} {
		spend(t, cp.lim, Login, "ip", 3)
		for range 5 {
			if cp.lim.Allow(ctx, Login, "ip").Allowed {
				t.Fatalf("copy %d: a 4th login allowed in fallback: the limits lapsed", i)
			}
		}
		st := cp.lim.Stats()
		if st.UsingRedis || st.Fallbacks != 1 || st.Keys != 1 {
			t.Errorf("copy %d in fallback: Stats = %+v", i, st)
		}
		if n := cp.log.count(logDown); n != 1 {
			t.Errorf("copy %d logged the fallback %d times over 9 requests, want once", i, n)
		}
	}

	// In fallback no request tries Redis until a probe is due, then one does.
	sent := a.sent.n.Load()
	for range 20 {
		a.lim.Allow(ctx, Login, "other")
	}
	if n := a.sent.n.Load() - sent; n != 0 {
		t.Errorf("%d Redis calls before a probe was due, want 0", n)
	}
	clock.Advance(DefaultProbeEvery)
	for range 20 {
		a.lim.Allow(ctx, Login, "other")
	}
	if n := a.sent.n.Load() - sent; n != 1 {
		t.Errorf("%d Redis calls in one probe interval, want 1", n)
	}
	if a.lim.Stats().UsingRedis || a.log.count(logDown) != 1 {
		t.Errorf("a failed probe changed the state or logged again: %+v", a.lim.Stats())
	}

	srv.Restart() // same port, empty
	sent = a.sent.n.Load()
	a.lim.Allow(ctx, Login, "other")
	if a.lim.Stats().UsingRedis || a.sent.n.Load() != sent {
		t.Error("the copy returned to Redis before a probe was due")
	}
	waitForRedis(t, a.lim, clock)
	waitForRedis(t, b.lim, clock)
	for i, cp := range []serviceCopy{a, b} {
		if st := cp.lim.Stats(); st.Fallbacks != 1 || cp.log.count(logDown) != 1 || cp.log.count(logUp) != 1 {
			t.Errorf("copy %d after the return: Stats = %+v, log:\n%s", i, st, cp.log)
		}
	}
	// Shared again.
	spend(t, b.lim, Login, "again", 2)
	spend(t, a.lim, Login, "again", 1)
	if a.lim.Allow(ctx, Login, "again").Allowed || b.lim.Allow(ctx, Login, "again").Allowed {
		t.Error("after the return a 4th login was allowed: the copies do not share again")
	}
}

func TestRedisHangingServerCannotStallRequests(t *testing.T) {
	srv := startTestServer(t)
	// The client's own time-outs are a minute: only the limiter's bound
	// can answer in time.
	c := newClient(t, srv.URL(), func(o *redis.Options) {
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = time.Minute, time.Minute, time.Minute
	})
	clock := clocktest.New(t0)
	lim := NewRedis(c, Rates{Login: Rate{3, time.Hour}}, RedisOptions{Timeout: 300 * time.Millisecond, Now: clock.Now})
	// A first call opens the connection; should a loaded machine push it
	// past 300 ms, probe until Redis is in use.
	lim.Allow(context.Background(), Login, "k")
	waitForRedis(t, lim, clock)
	fallbacks := lim.Stats().Fallbacks

	srv.Freeze()
	start := time.Now()
	d := lim.Allow(context.Background(), Login, "k")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Allow took %s against a frozen Redis; the bound is 300 ms", took)
	}
	if !d.Allowed || lim.Stats().UsingRedis || lim.Stats().Fallbacks != fallbacks+1 {
		t.Errorf("against a frozen Redis: %+v, Stats %+v; want an answer from memory", d, lim.Stats())
	}
}
