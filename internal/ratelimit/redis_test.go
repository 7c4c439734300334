package ratelimit

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestMain(m *testing.M) {
	// go-redis logs each failed dial to standard error; the fallback tests
	// kill their server on purpose.
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// testRedisURL returns BIZY_TEST_REDIS_URL, skipping the test when it is
// unset and failing it when the server does not answer.
func testRedisURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("BIZY_TEST_REDIS_URL")
	if url == "" {
		t.Skip("BIZY_TEST_REDIS_URL not set; skipping the Redis tests")
	}
	c := newClient(t, url, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("BIZY_TEST_REDIS_URL is set but: %v", err)
	}
	return url
}

// newClient opens a client of its own on url, closed when the test ends.
// tune, when set, adjusts its options first.
func newClient(t testing.TB, url string, tune func(*redis.Options)) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redis.ParseURL: %v", err)
	}
	if tune != nil {
		tune(opt)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// testPrefix returns a key prefix of this run's own, so runs sharing one
// Redis never meet, and deletes its keys when the test ends.
func testPrefix(t testing.TB, url string) string {
	t.Helper()
	prefix := "bizy:test:ratelimit:" + rand.Text() + ":"
	t.Cleanup(func() {
		c := newClient(t, url, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		keys, err := keysUnder(ctx, c, prefix)
		if err == nil && len(keys) > 0 {
			err = c.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Logf("cleaning up %s: %v", prefix, err)
		}
	})
	return prefix
}

// keysUnder lists every key the limiter wrote under prefix (redis_rate
// adds "rate:" in front), with SCAN rather than KEYS, as the Redis is shared.
func keysUnder(ctx context.Context, c *redis.Client, prefix string) ([]string, error) {
	var keys []string
	it := c.Scan(ctx, 0, "rate:"+prefix+"*", 100).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	return keys, it.Err()
}

// sharedRates are short budgets for the Redis tests.
var sharedRates = Rates{Login: Rate{5, time.Hour}, Register: Rate{5, time.Hour}, Refresh: Rate{2, 2 * time.Second}}

// newRedis returns a limiter on a client of its own, as one copy of the
// service has. Its timeout is generous: these tests are about sharing, and
// a loaded machine must not push them into fallback.
func newRedis(t testing.TB, url, prefix string, rates Rates) *Redis {
	t.Helper()
	return NewRedis(newClient(t, url, nil), rates, RedisOptions{Prefix: prefix, Timeout: 5 * time.Second})
}

func TestRedisCopiesShareBudgets(t *testing.T) {
	url := testRedisURL(t)
	prefix := testPrefix(t, url)
	a, b := newRedis(t, url, prefix, sharedRates), newRedis(t, url, prefix, sharedRates)
	ctx := context.Background()

	for i := range 5 {
		lim := []*Redis{a, b}[i%2]
		d := lim.Allow(ctx, Login, "192.0.2.1")
		if !d.Allowed || d.Remaining != 4-i {
			t.Fatalf("login %d (copy %d): %+v, want allowed with %d remaining", i+1, i%2, d, 4-i)
		}
	}
	for i, lim := range []*Redis{a, b} {
		d := lim.Allow(ctx, Login, "192.0.2.1")
		// 5 per hour refill one every 12 min.
		if d.Allowed || d.RetryAfter <= 11*time.Minute || d.RetryAfter > 12*time.Minute {
			t.Fatalf("6th login on copy %d: %+v, want refused for about 12 min", i, d)
		}
		if d.ResetAfter <= 59*time.Minute || d.ResetAfter > time.Hour || d.Rate != sharedRates.Login {
			t.Errorf("6th login on copy %d: %+v", i, d)
		}
	}
	if !b.Allow(ctx, Login, "192.0.2.2").Allowed {
		t.Error("another IP was refused")
	}
	if !a.Allow(ctx, Register, "192.0.2.1").Allowed {
		t.Error("another budget of the same IP was refused")
	}
	if d := a.Allow(ctx, Verify, "192.0.2.1"); !d.Allowed || !d.Rate.Off() {
		t.Errorf("an off budget: %+v", d)
	}
	for i, lim := range []*Redis{a, b} {
		st := lim.Stats()
		if !st.UsingRedis || st.Fallbacks != 0 || st.Denied[Login] != 1 || st.Keys != 0 {
			t.Errorf("copy %d: Stats = %+v, want Redis in use, one login refused, no memory keys", i, st)
		}
	}
}

func TestRedisRefillsOnItsClock(t *testing.T) {
	url := testRedisURL(t)
	lim := newRedis(t, url, testPrefix(t, url), sharedRates)
	ctx := context.Background()
	// 2 per 2 s: one more every second.
	for i := range 2 {
		if d := lim.Allow(ctx, Refresh, "k"); !d.Allowed {
			t.Fatalf("refresh %d refused: %+v", i+1, d)
		}
	}
	d := lim.Allow(ctx, Refresh, "k")
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > time.Second {
		t.Fatalf("3rd refresh: %+v, want refused for at most 1 s", d)
	}
	deadline := time.Now().Add(15 * time.Second) // the refill takes 1 s; a loaded machine gets room
	for !lim.Allow(ctx, Refresh, "k").Allowed {
		if time.Now().After(deadline) {
			t.Fatal("no refill within 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRedisStoresHashedKeysThatExpire(t *testing.T) {
	url := testRedisURL(t)
	prefix := testPrefix(t, url)
	lim := newRedis(t, url, prefix, sharedRates)
	ctx := context.Background()
	lim.Allow(ctx, Login, "192.0.2.77")
	lim.Allow(ctx, Register, "bob@example.com")

	c := newClient(t, url, nil)
	keys, err := keysUnder(ctx, c, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("keys %q, want 2", keys)
	}
	for _, k := range keys {
		if strings.Contains(k, "192.0.2.77") || strings.Contains(k, "bob") {
			t.Errorf("key %q holds the client's IP or address in the clear", k)
		}
		if !strings.HasPrefix(k, "rate:"+prefix+"login:") && !strings.HasPrefix(k, "rate:"+prefix+"register:") {
			t.Errorf("key %q does not name its budget", k)
		}
		if ttl := c.TTL(ctx, k).Val(); ttl <= 0 || ttl > time.Hour {
			t.Errorf("key %q has TTL %s, want one within the window", k, ttl)
		}
	}
}

// countHook counts the commands a client sends.
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
