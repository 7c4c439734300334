package authserver

import (
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/ratelimit"
)

// redisPrefix returns BIZY_TEST_REDIS_URL and a key prefix of this test's
// own (the Redis is shared), whose keys are deleted when the test ends;
// it skips the test when the variable is unset.
func redisPrefix(t *testing.T) (string, string) {
	t.Helper()
	url := os.Getenv("BIZY_TEST_REDIS_URL")
	if url == "" {
		t.Skip("BIZY_TEST_REDIS_URL not set; skipping the Redis tests")
	}
	prefix := "bizy:test:" + rand.Text() + ":ratelimit:"
	t.Cleanup(func() {
		c := redisClient(t, url)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		it := c.Scan(ctx, 0, "rate:"+prefix+"*", 100).Iterator() // redis_rate puts "rate:" first
		for it.Next(ctx) {
			c.Del(ctx, it.Val())
		}
	})
	return url, prefix
}

// redisClient opens a client of its own on url, closed when t ends.
func redisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestCopiesShareBudgetsThroughRedis: two copies of the auth service over
// one database, each with its own Redis client and limiter on the real
// Redis, spend one budget per client IP and one mail budget per address.
func TestCopiesShareBudgetsThroughRedis(t *testing.T) {
	url, prefix := redisPrefix(t)
	db, _ := openSQLiteDB(t)
	rates := ratelimit.Rates{Login: ratelimit.Rate{N: 3, Window: time.Hour}, EmailAddress: ratelimit.Rate{N: 1, Window: time.Hour}}
	newCopy := func() *fixture {
		// A generous timeout: this test is about sharing, and a loaded
		// machine must not push a copy into its memory fallback.
		lim := ratelimit.NewRedis(redisClient(t, url), rates, ratelimit.RedisOptions{Prefix: prefix, Timeout: 5 * time.Second})
		return newFixture(t, options{store: func(*testing.T) auth.Store { return db.AuthStore() },
			limiter: lim, mailBudget: ratelimit.NewMailBudget(lim)})
	}
	a, b := newCopy(), newCopy()
	guess := map[string]string{"username": "nobody", "password": "wrong"}
	const ip = "198.51.100.7"
	for i, f := range []*fixture{a, a, b} {
		if rec := f.doFrom(ip, "/login", guess); rec.Code != http.StatusUnauthorized {
			t.Fatalf("login #%d within the shared budget of 3: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	for name, f := range map[string]*fixture{"a": a, "b": b} {
		rec := f.doFrom(ip, "/login", guess)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("RateLimit-Policy") != `"login";q=3;w=3600` ||
			rec.Header().Get("Retry-After") == "" {
			t.Errorf("4th login on copy %s: %d %v, want 429 with its fields: the copies do not share", name, rec.Code, rec.Header())
		}
	}
	if rec := b.doFrom("198.51.100.8", "/login", guess); rec.Code != http.StatusUnauthorized {
		t.Errorf("another IP on copy b: %d, want its own budget", rec.Code)
	}

	u := a.mustRegister("ana", "ana@example.com", goodPassword, true)
	for _, f := range []*fixture{a, b} {
		if rec := f.doFrom(ip, "/forgot-password", map[string]string{"email": "ana@example.com"}); rec.Code != http.StatusAccepted {
			t.Fatalf("forgot-password: %d", rec.Code)
		}
		f.svc.Wait()
	}
	if evs := a.events(auth.EventMailSuppressed, u.ID); len(evs) != 1 {
		t.Errorf("%d mail_suppressed events after one mail from each copy with a shared budget of 1, want 1", len(evs))
	}
	if evs := a.events(auth.EventResetRequested, u.ID); len(evs) != 1 {
		t.Errorf("%d reset mails queued, want 1", len(evs))
	}
}
