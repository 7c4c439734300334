package redis

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// driverLogEvery limits go-redis's own lines, which repeat every few
// hundred milliseconds while the server is unreachable.
const driverLogEvery = 10 * time.Second

// SetLogger sends go-redis's own log lines (failed dials, dropped
// connections) to log as warnings, at most one per 10 s with a count of
// those left out, instead of to standard error. go-redis has one logger
// per process, so this is process-wide; cmd calls it once at start-up.
func SetLogger(log *slog.Logger) {
	redis.SetLogger(&driverLogger{log: log.With("component", "redis")})
}

// driverLogger adapts slog to go-redis's logging interface.
type driverLogger struct {
	log *slog.Logger

	mu      sync.Mutex
	last    time.Time
	skipped int
}

func (d *driverLogger) Printf(ctx context.Context, format string, v ...any) {
	d.mu.Lock()
	now := time.Now()
	if now.Sub(d.last) < driverLogEvery {
		d.skipped++
		d.mu.Unlock()
		return
	}
	skipped := d.skipped
	d.last, d.skipped = now, 0
	d.mu.Unlock()
	d.log.WarnContext(ctx, fmt.Sprintf(format, v...), slog.Int("similar_skipped", skipped))
}
