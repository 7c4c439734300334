package ratelimit

import (
	"cmp"
	"context"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// MaxKeys is the most keys a Memory holds, all budgets together. Each
// costs about 130 bytes (measured), so a full Memory holds about 13 MB. When a new key
// would pass it, Memory first drops every key whose budget is whole again,
// then, if still full, the eighth of the keys nearest to whole (see evict).
const MaxKeys = 100_000

// SweepEvery is how often Memory drops the keys whose budget has refilled
// to N. Such a key is idle and carries nothing: a fresh key would answer
// the same. So a key is forgotten at most its budget's window plus
// SweepEvery after its last request, and never sooner than it is whole,
// which would hand its budget back early.
const SweepEvery = time.Minute

// evictShare is the share of MaxKeys dropped at once when Memory is full
// of keys that are not yet whole: one sort then serves many new keys.
const evictShare = 8

// Memory is a Limiter that keeps each key's budget in this process's
// memory, as an x/time/rate token bucket, bounded by MaxKeys. It is the
// limiter without REDIS_URL, the fallback of Redis, and the fake for tests.
// It is safe for concurrent use.
type Memory struct {
	rates   Rates
	now     func() time.Time
	seed    maphash.Seed
	maxKeys int
	denied  counters

	mu        sync.Mutex // guards the fields below, and each bucket from reserve to cancel
	keys      map[memKey]*rate.Limiter
	nextSweep time.Time
	evicted   atomic.Uint64
}

// memKey identifies one key of one budget. The key is hashed with a seed
// of this process's own, so a key's length costs no memory and nobody
// outside can aim two keys at one bucket.
type memKey struct {
	b Budget
	h uint64
}

// NewMemory returns a Memory enforcing rates, reading the time from now
// (time.Now when nil): tests pass a fake clock and move it instead of
// sleeping.
func NewMemory(rates Rates, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{
		rates:   rates,
		now:     now,
		seed:    maphash.MakeSeed(),
		maxKeys: MaxKeys,
		denied:  newCounters(),
		keys:    make(map[memKey]*rate.Limiter),
	}
}

// Allow decides whether one more request of key fits budget b, and counts
// it when it does. It panics on an unknown budget (see Rates.Of).
func (m *Memory) Allow(_ context.Context, b Budget, key string) Decision {
	d := m.allow(b, key)
	if !d.Allowed {
		m.denied.inc(b)
	}
	return d
}

// allow is Allow without the count of refusals, for Redis's fallback.
func (m *Memory) allow(b Budget, key string) Decision {
	r := m.rates.Of(b)
	if r.Off() {
		return Decision{Budget: b, Rate: r, Allowed: true}
	}
	now := m.now()
	k := memKey{b, maphash.String(m.seed, key)}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now, false)
	lim := m.keys[k]
	if lim == nil {
		if len(m.keys) >= m.maxKeys {
			m.sweep(now, true)
			if len(m.keys) >= m.maxKeys {
				m.evict(now)
			}
		}
		lim = rate.NewLimiter(rate.Every(r.Window/time.Duration(r.N)), r.N)
		m.keys[k] = lim
	}
	// The library computes the wait; a refused reservation is cancelled
	// at once, which gives its token back exactly because m.mu keeps any
	// other request of this key from reserving in between.
	res := lim.ReserveN(now, 1)
	if wait := res.DelayFrom(now); wait > 0 {
		res.CancelAt(now)
		return Decision{Budget: b, Rate: r, RetryAfter: wait, ResetAfter: untilWhole(lim, now)}
	}
	return Decision{Budget: b, Rate: r, Allowed: true,
		Remaining: int(lim.TokensAt(now)), ResetAfter: untilWhole(lim, now)}
}

// sweep drops the keys whose budget is whole again, every SweepEvery or
// at once when force is set. m.mu must be held.
func (m *Memory) sweep(now time.Time, force bool) {
	if !force && now.Before(m.nextSweep) {
		return
	}
	m.nextSweep = now.Add(SweepEvery)
	for k, lim := range m.keys {
		if untilWhole(lim, now) <= 0 {
			delete(m.keys, k)
		}
	}
}

// evict makes room when every key is still in use, by dropping the eighth
// of MaxKeys whose budgets will be whole soonest. Dropping a key hands it
// a whole budget early, so this drops those that get the least: keys with
// one request behind them go first, and a key that spent its budget goes
// only after every key that spent less. Flooding the map with fresh keys
// to reset someone's spent budget thus costs a whole budget per key, not
// one request. m.mu must be held.
func (m *Memory) evict(now time.Time) {
	type entry struct {
		k    memKey
		left time.Duration
	}
	all := make([]entry, 0, len(m.keys))
	for k, lim := range m.keys {
		all = append(all, entry{k, untilWhole(lim, now)})
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(a.left, b.left) })
	n := max(1, m.maxKeys/evictShare)
	for _, e := range all[:min(n, len(all))] {
		delete(m.keys, e.k)
	}
	m.evicted.Add(uint64(min(n, len(all))))
}

// untilWhole returns the time until lim is back to its full burst, 0 when
// it already is.
func untilWhole(lim *rate.Limiter, now time.Time) time.Duration {
	missing := float64(lim.Burst()) - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}

// Stats returns the count of keys held and refused requests; UsingRedis
// is false and Fallbacks 0, as Memory never uses Redis.
func (m *Memory) Stats() Stats {
	m.mu.Lock()
	keys := len(m.keys)
	m.mu.Unlock()
	return Stats{Denied: m.denied.snapshot(), Keys: keys, Evicted: m.evicted.Load()}
}

// counters counts refusals per budget. The map is filled once and only
// read after, so it is safe for concurrent use.
type counters map[Budget]*atomic.Uint64

func newCounters() counters {
	c := make(counters, len(Budgets))
	for _, b := range Budgets {
		c[b] = new(atomic.Uint64)
	}
	return c
}

func (c counters) inc(b Budget) { c[b].Add(1) }

func (c counters) snapshot() map[Budget]uint64 {
	s := make(map[Budget]uint64, len(c))
	for b, n := range c {
		s[b] = n.Load()
	}
	return s
}
