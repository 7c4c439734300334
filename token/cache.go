package token

import (
	"hash/maphash"
	"strings"
	"sync"
)

// cache holds verified tokens and their claims, keyed by the raw token,
// each with the key set generation it was verified under (see Verify).
//
// The key is the token string itself rather than a SHA-256 of it: looking
// it up costs one map hash and one comparison (tens of ns for a 560-byte
// token), where SHA-256 of the same token measured ~550 ns, four times a
// whole cache hit; equality is exact, so no collision argument is needed;
// and Go's seeded map hash resists flooding. The price
// is memory, at most size × token length (about 5 MB for 10,000 tokens),
// and inserts copy the string so a cached token does not pin a larger
// buffer it was sliced from.
//
// Eviction is FIFO through a ring of keys: each map entry owns exactly one
// ring slot, so the map never exceeds the ring's size and both insert and
// evict are O(1). Expired entries are dropped when looked up or when their
// slot comes round. Large caches are split into shards, each with its own
// mutex, so parallel requests rarely contend.
type cache struct {
	seed   maphash.Seed
	mask   uint64
	shards []cacheShard
}

type cacheShard struct {
	mu sync.Mutex
	m  map[string]cacheEntry
	// ring holds the keys in insertion order; it grows to size, then next
	// is the oldest, replaced by each insert.
	ring []string
	size int
	next int
	_    [64]byte // keep shards' mutexes on separate cache lines
}

// cacheEntry is a verified token's claims, which must not be modified, and
// the KeySource generation read before its key was looked up.
type cacheEntry struct {
	claims *Claims
	gen    uint64
}

const (
	maxShards    = 16
	minShardSize = 256
)

func newCache(size int) *cache {
	n := 1
	for n < maxShards && size/(n*2) >= minShardSize {
		n *= 2
	}
	c := &cache{seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]cacheShard, n)}
	for i := range c.shards {
		per := size / n
		// The map and the ring grow as tokens arrive: presized, an idle
		// process held their full size (about 1.5 MB and 160 KB at 10,000
		// entries) from the start.
		c.shards[i] = cacheShard{m: make(map[string]cacheEntry), size: per}
	}
	return c
}

func (c *cache) shard(raw string) *cacheShard {
	if c.mask == 0 {
		return &c.shards[0]
	}
	return &c.shards[maphash.String(c.seed, raw)&c.mask]
}

// get returns the cached entry for raw.
func (c *cache) get(raw string) (cacheEntry, bool) {
	s := c.shard(raw)
	s.mu.Lock()
	e, ok := s.m[raw]
	s.mu.Unlock()
	return e, ok
}

// put stores e, whose claims the cache then owns, under raw. A token
// already cached keeps its first entry.
func (c *cache) put(raw string, e cacheEntry) {
	s := c.shard(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[raw]; ok {
		return
	}
	raw = strings.Clone(raw)
	s.m[raw] = e
	if len(s.ring) < s.size {
		s.ring = append(s.ring, raw)
		return
	}
	delete(s.m, s.ring[s.next])
	s.ring[s.next] = raw
	s.next = (s.next + 1) % s.size
}

// remove drops raw, e.g. once it has expired or its key set has changed.
func (c *cache) remove(raw string) {
	s := c.shard(raw)
	s.mu.Lock()
	delete(s.m, raw)
	s.mu.Unlock()
}

func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
