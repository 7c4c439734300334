package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Defaults of RedisOptions.
const (
	// DefaultPrefix starts every key the Redis limiter writes; redis_rate
	// puts its own "rate:" before it.
	DefaultPrefix = "bizy:ratelimit:"
	// DefaultTimeout bounds one Redis call. A Redis on the same network
	// answers in about a millisecond; past this a request is answered from
	// memory instead of waiting.
	DefaultTimeout = 200 * time.Millisecond
	// DefaultProbeEvery is how often a copy in fallback tries Redis again:
	// at most one request per interval waits for Redis, the others use memory.
	DefaultProbeEvery = 5 * time.Second
)

// RedisOptions tunes a Redis limiter; each zero field takes its default.
type RedisOptions struct {
	Prefix     string           // key prefix; DefaultPrefix when empty
	Timeout    time.Duration    // bound on one Redis call; DefaultTimeout when 0
	ProbeEvery time.Duration    // interval between tries of Redis in fallback; DefaultProbeEvery when 0
	Log        *slog.Logger     // where the switches to and from fallback are logged; nil: nowhere
	Now        func() time.Time // clock of the fallback budgets and of the probes; time.Now when nil
}

// Redis is a Limiter whose budgets live in Redis, as redis_rate's GCRA
// (one key per budget and key, refilled on Redis's own clock), so every
// copy of the service that shares the Redis shares the budgets.
//
// When a Redis call fails or takes longer than the timeout, the copy falls
// back to its own Memory limiter with the same rates: it logs that once,
// counts it in Stats.Fallbacks, and answers every request from memory
// while it lasts. Once every ProbeEvery one request tries Redis again; the
// first that succeeds switches the copy back (and is logged once too). So
// the limits never lapse, but while Redis is away each copy enforces them
// on its own, and the budgets spent in memory are not carried into Redis.
//
// It is safe for concurrent use.
type Redis struct {
	rl      *redis_rate.Limiter
	rates   Rates
	opt     RedisOptions
	mem     *Memory
	denied  counters
	usingDB atomic.Bool
	falls   atomic.Uint64

	mu        sync.Mutex // guards nextProbe
	nextProbe time.Time
}

// NewRedis returns a Redis limiter enforcing rates through client, which
// the caller keeps and closes. It assumes Redis answers until a call shows
// otherwise.
func NewRedis(client redis.UniversalClient, rates Rates, opt RedisOptions) *Redis {
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.ProbeEvery <= 0 {
		opt.ProbeEvery = DefaultProbeEvery
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	r := &Redis{
		rl:     redis_rate.NewLimiter(client),
		rates:  rates,
		opt:    opt,
		mem:    NewMemory(rates, opt.Now),
		denied: newCounters(),
	}
	r.usingDB.Store(true)
	return r
}

// Allow decides whether one more request of key fits budget b, in Redis
// or, in fallback, in memory, and counts it when it does. It waits for
// Redis at most the timeout. It panics on an unknown budget (see Rates.Of).
func (r *Redis) Allow(ctx context.Context, b Budget, key string) Decision {
	d := r.allow(ctx, b, key)
	if !d.Allowed {
		r.denied.inc(b)
	}
	return d
}

func (r *Redis) allow(ctx context.Context, b Budget, key string) Decision {
	rt := r.rates.Of(b)
	if rt.Off() {
		return Decision{Budget: b, Rate: rt, Allowed: true}
	}
	probe := false
	if !r.usingDB.Load() {
		if probe = r.probeDue(); !probe {
			return r.mem.allow(b, key)
		}
	}
	d, err := r.call(ctx, b, rt, key)
	if err != nil {
		r.fellBack(err)
		return r.mem.allow(b, key)
	}
	// Only a probe switches back, so a Redis that answers some calls in
	// time and not others flips at most once per ProbeEvery.
	if probe && r.usingDB.CompareAndSwap(false, true) {
		r.opt.Log.Info("rate limits: Redis answers again; budgets are shared through it again")
	}
	return d
}

// probeDue reports whether this request should try Redis during a
// fallback, claiming the try so that at most one request per ProbeEvery
// makes it.
func (r *Redis) probeDue() bool {
	now := r.opt.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Before(r.nextProbe) {
		return false
	}
	r.nextProbe = now.Add(r.opt.ProbeEvery)
	return true
}

// fellBack records a failed call: the first one after Redis worked is
// logged and counted, and schedules the next probe.
func (r *Redis) fellBack(err error) {
	r.mu.Lock()
	r.nextProbe = r.opt.Now().Add(r.opt.ProbeEvery)
	r.mu.Unlock()
	if r.usingDB.CompareAndSwap(true, false) {
		r.falls.Add(1)
		r.opt.Log.Warn("rate limits: Redis does not answer; each copy enforces them in its own memory until it does",
			"err", err, "probe_every", r.opt.ProbeEvery)
	}
}

// errTimeout reports a Redis call that did not answer within the timeout.
var errTimeout = errors.New("ratelimit: Redis did not answer in time")

// call runs one GCRA step in Redis, bounded by the timeout whatever the
// client's own settings: go-redis ignores a context's deadline unless the
// client has ContextTimeoutEnabled, so the call runs aside and is given up
// on at the deadline (it ends on its own within the client's read timeout).
// The request's cancellation is not passed on: a client hanging up must not
// count as Redis failing.
func (r *Redis) call(ctx context.Context, b Budget, rt Rate, key string) (Decision, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opt.Timeout)
	defer cancel()
	type answer struct {
		res *redis_rate.Result
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		res, err := r.rl.Allow(ctx, r.redisKey(b, key), redis_rate.Limit{Rate: rt.N, Burst: rt.N, Period: rt.Window})
		ch <- answer{res, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		return Decision{}, errTimeout
	}
	if a.err != nil {
		return Decision{}, a.err
	}
	d := Decision{Budget: b, Rate: rt, Allowed: a.res.Allowed > 0,
		Remaining: a.res.Remaining, ResetAfter: max(a.res.ResetAfter, 0)}
	if !d.Allowed {
		d.RetryAfter = max(a.res.RetryAfter, 0)
	}
	return d, nil
}

// redisKey is the Redis key of one key's budget. The key is hashed, so no
// client IP or mail address is stored in Redis in the clear and a key's
// length costs Redis nothing.
func (r *Redis) redisKey(b Budget, key string) string {
	sum := sha256.Sum256([]byte(key))
	return r.opt.Prefix + string(b) + ":" + base64.RawURLEncoding.EncodeToString(sum[:16])
}

// Stats reports whether Redis is in use now, the fallbacks so far, the
// refusals per budget (from Redis and memory together), and the fallback
// memory's keys.
func (r *Redis) Stats() Stats {
	ms := r.mem.Stats()
	return Stats{
		UsingRedis: r.usingDB.Load(),
		Fallbacks:  r.falls.Load(),
		Denied:     r.denied.snapshot(),
		Keys:       ms.Keys,
		Evicted:    ms.Evicted,
	}
}
