package main

import (
	"log/slog"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bizy-auth/bizy/internal/config"
	"github.com/bizy-auth/bizy/internal/ratelimit"
)

// rateLimitPrefix starts every key the rate limits write in Redis. The
// tests of this package give each run a prefix of its own, as they share
// one Redis with other runs.
var rateLimitPrefix = ratelimit.DefaultPrefix

// newLimiter returns the auth service's rate limiter with the budgets of
// cfg (all off under RATE_LIMIT_ENABLED=false) and its Stats for
// /metrics: in Redis, shared by every copy, when rc is set (REDIS_URL),
// falling back to this process's memory while Redis does not answer;
// otherwise in memory, bounded (see ratelimit.Memory).
func newLimiter(log *slog.Logger, cfg config.Config, rc *goredis.Client) (ratelimit.Limiter, func() ratelimit.Stats) {
	if rc == nil {
		m := ratelimit.NewMemory(cfg.RateLimits, nil)
		return m, m.Stats
	}
	r := ratelimit.NewRedis(rc, cfg.RateLimits, ratelimit.RedisOptions{Prefix: rateLimitPrefix, Log: log.With("component", "ratelimit")})
	return r, r.Stats
}
