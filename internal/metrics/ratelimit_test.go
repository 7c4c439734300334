package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/ratelimit"
)

func TestRateLimitMetrics(t *testing.T) {
	lim := ratelimit.NewMemory(ratelimit.DefaultRates(), clocktest.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)).Now)
	reg := NewRegistry()
	RegisterRateLimit(reg, lim.Stats)
	ctx := context.Background()
	for range 12 { // 10 fit the email budget
		lim.Allow(ctx, ratelimit.Email, "192.0.2.1")
	}
	lim.Allow(ctx, ratelimit.Login, "192.0.2.1")

	out := scrape(t, Handler(reg))
	for _, want := range []string{
		`bizy_ratelimit_denied_total{budget="email"} 2`,
		`bizy_ratelimit_denied_total{budget="login"} 0`,
		`bizy_ratelimit_denied_total{budget="email_address"} 0`,
		"bizy_ratelimit_redis_fallbacks_total 0",
		"bizy_ratelimit_redis_in_use 0",
		"bizy_ratelimit_memory_keys 2",
		"bizy_ratelimit_memory_evicted_total 0",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestRateLimitMetricsShowRedisInUse(t *testing.T) {
	reg := NewRegistry()
	RegisterRateLimit(reg, func() ratelimit.Stats { return ratelimit.Stats{UsingRedis: true, Fallbacks: 2} })
	out := scrape(t, Handler(reg))
	for _, want := range []string{"bizy_ratelimit_redis_in_use 1\n", "bizy_ratelimit_redis_fallbacks_total 2\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
