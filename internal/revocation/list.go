package revocation

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for ListConfig.
const (
	// DefaultLeeway matches token.DefaultLeeway, the verifier's tolerance
	// on exp: a token stays acceptable that long past its expiry.
	DefaultLeeway = 30 * time.Second
	// DefaultMaxEntries is the size past which a List warns. At about
	// 150 bytes an entry it stands for some 150 MB.
	DefaultMaxEntries = 1_000_000
	// DefaultPruneInterval is how often Add sweeps out expired entries.
	DefaultPruneInterval = time.Minute
)

// overflowWarnEvery limits the warning a List logs while it is over its
// MaxEntries.
const overflowWarnEvery = time.Minute

// ListConfig configures a List. The zero value is ready to use.
type ListConfig struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Leeway is how long past its expires_at an entry is kept, and should
	// be the verifier's leeway on exp. Zero means DefaultLeeway; a negative
	// value means none.
	Leeway time.Duration
	// MaxEntries is the size past which the List warns; zero means
	// DefaultMaxEntries. See List for what happens beyond it.
	MaxEntries int
	// PruneInterval is the least time between two sweeps started by Add;
	// zero means DefaultPruneInterval.
	PruneInterval time.Duration
	// Log receives the warnings; nil discards them.
	Log *slog.Logger
}

// List is a set of revoked session IDs, each kept until its access tokens
// can no longer pass the verifier. It is safe for concurrent use, and
// Revoked, called on every API request, takes no lock.
//
// Size: a List holds one entry per session revoked within the last
// access-token lifetime (plus leeway), so its size is bounded by the logout
// rate, itself bounded by the cost of logging in. Past MaxEntries entries
// the List sweeps expired ones at once and logs a warning (at most once a
// minute) naming its size, but it keeps accepting: dropping a live entry
// would let a logged-out session back in, which is worse than using the
// memory. MaxEntries is therefore an alarm, not a cap.
type List struct {
	entries sync.Map     // session ID → int64 Unix nanoseconds after which the entry is useless
	n       atomic.Int64 // entries held
	keys    keySet       // revoked signing keys (RevokeKey)

	now        func() time.Time
	leeway     time.Duration
	max        int64
	pruneEvery time.Duration
	log        *slog.Logger

	pruning   sync.Mutex   // one sweep at a time
	nextPrune atomic.Int64 // Unix nanoseconds: when Add may sweep again
	nextWarn  atomic.Int64 // Unix nanoseconds: when an overflow may be logged again
}

// NewList returns an empty List configured by cfg.
func NewList(cfg ListConfig) *List {
	l := &List{now: cfg.Now, leeway: cfg.Leeway, max: int64(cfg.MaxEntries), pruneEvery: cfg.PruneInterval, log: cfg.Log}
	if l.now == nil {
		l.now = time.Now
	}
	switch {
	case l.leeway == 0:
		l.leeway = DefaultLeeway
	case l.leeway < 0:
		l.leeway = 0
	}
	if l.max <= 0 {
		l.max = DefaultMaxEntries
	}
	if l.pruneEvery <= 0 {
		l.pruneEvery = DefaultPruneInterval
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.nextPrune.Store(l.now().Add(l.pruneEvery).UnixNano())
	return l
}

// Add records that session sid is revoked and that its access tokens all
// expire by expiresAt. Adding a sid again keeps the later of the two
// expiries. An empty sid, or an entry already past expiresAt plus the
// leeway, is ignored. Add may sweep expired entries, at most once per
// PruneInterval, before it returns.
func (l *List) Add(sid string, expiresAt time.Time) {
	now := l.now()
	until := expiresAt.Add(l.leeway).UnixNano()
	if sid == "" || until < now.UnixNano() {
		return
	}
	v, loaded := l.entries.LoadOrStore(sid, until)
	for loaded {
		old := v.(int64)
		if old >= until || l.entries.CompareAndSwap(sid, old, until) {
			break
		}
		// Changed since we loaded it: extended by another Add, or swept.
		v, loaded = l.entries.LoadOrStore(sid, until)
	}
	if !loaded {
		if n := l.n.Add(1); n > l.max {
			l.overflow(now, n)
		}
	}
	l.maybePrune(now)
}

// Revoked reports whether session sid is in the list. It is cheap enough for
// every request: an atomic load when the list is empty, a map lookup
// otherwise, and never a lock.
func (l *List) Revoked(sid string) bool {
	if l.n.Load() == 0 {
		return false
	}
	_, ok := l.entries.Load(sid)
	return ok
}

// Len returns the number of entries, expired ones not yet swept included.
func (l *List) Len() int { return int(l.n.Load()) }

// Prune removes the entries whose tokens can no longer pass the verifier
// and returns how many it removed. Revoked keeps answering, without
// waiting, while it runs.
func (l *List) Prune() int {
	l.pruning.Lock()
	defer l.pruning.Unlock()
	now := l.now()
	cut := now.UnixNano()
	removed := 0
	l.entries.Range(func(k, v any) bool {
		// CompareAndDelete: an Add may have extended the entry meanwhile.
		if v.(int64) < cut && l.entries.CompareAndDelete(k, v) {
			l.n.Add(-1)
			removed++
		}
		return true
	})
	l.nextPrune.Store(now.Add(l.pruneEvery).UnixNano())
	return removed
}

// maybePrune sweeps when the prune interval has passed, in only one of
// concurrent callers.
func (l *List) maybePrune(now time.Time) {
	next := l.nextPrune.Load()
	if now.UnixNano() < next || !l.nextPrune.CompareAndSwap(next, now.Add(l.pruneEvery).UnixNano()) {
		return
	}
	l.Prune()
}

// overflow sweeps and warns, at most once per overflowWarnEvery, when the
// list has grown past its MaxEntries.
func (l *List) overflow(now time.Time, n int64) {
	next := l.nextWarn.Load()
	if now.UnixNano() < next || !l.nextWarn.CompareAndSwap(next, now.Add(overflowWarnEvery).UnixNano()) {
		return
	}
	removed := l.Prune()
	l.log.Warn("revocation list over its size bound; keeping every live entry",
		slog.Int64("entries", n-int64(removed)), slog.Int64("max_entries", l.max))
}
