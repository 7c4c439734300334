package token

import (
	"context"
	"crypto/ed25519"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingKeys counts lookups, showing when Verify skipped the signature.
type countingKeys struct {
	StaticKeys
	n atomic.Int32
}

func (c *countingKeys) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	c.n.Add(1)
	return c.StaticKeys.PublicKey(ctx, kid)
}

func TestCacheExpiresExactly(t *testing.T) {
	tests := []struct {
		name   string
		leeway time.Duration
		end    time.Time // first instant the token is refused
	}{
		{"NoLeeway", -1, goodClaims().ExpiresAt},
		{"DefaultLeeway", 0, goodClaims().ExpiresAt.Add(DefaultLeeway)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			keys := &countingKeys{StaticKeys: StaticKeys{"k1": testPub}}
			v := mustVerifier(t, Config{Keys: keys, Leeway: tt.leeway, Now: clk.Now, CacheSize: 8})
			raw := mustSign(t, NewEdDSASigner("k1", testPriv), goodClaims())
			ctx := context.Background()

			if _, err := v.Verify(ctx, raw); err != nil {
				t.Fatal(err)
			}
			clk.Advance(tt.end.Sub(clk.Now()) - time.Nanosecond)
			if _, err := v.Verify(ctx, raw); err != nil {
				t.Fatalf("1ns before the end: %v", err)
			}
			if n := keys.n.Load(); n != 1 {
				t.Fatalf("key looked up %d times, want 1 (a cache hit)", n)
			}
			clk.Advance(time.Nanosecond)
			if _, err := v.Verify(ctx, raw); !errors.Is(err, ErrExpired) {
				t.Fatalf("at the end: %v, want ErrExpired", err)
			}
			if n := v.cache.len(); n != 0 {
				t.Errorf("expired token still cached (%d entries)", n)
			}
		})
	}
}

func TestCacheBounded(t *testing.T) {
	for _, size := range []int{1, 3, 1000, 2048} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			v := mustVerifier(t, Config{Algorithm: HS256, Now: func() time.Time { return t0 }, CacheSize: size})
			s, _ := NewHS256Signer(testSecret)
			var raws []string
			for i := range 2*size + 10 {
				c := goodClaims()
				c.ID = strconv.Itoa(i)
				raw := mustSign(t, s, c)
				raws = append(raws, raw)
				if _, err := v.Verify(context.Background(), raw); err != nil {
					t.Fatal(err)
				}
				if n := v.cache.len(); n > size {
					t.Fatalf("cache holds %d tokens, limit %d", n, size)
				}
			}
			if v.cache.len() == 0 {
				t.Fatal("cache empty")
			}
			// Evicted tokens still verify, the slow way.
			for _, raw := range raws {
				if _, err := v.Verify(context.Background(), raw); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestCacheReturnsCopies(t *testing.T) {
	v := mustVerifier(t, Config{Now: func() time.Time { return t0 }, CacheSize: 8})
	raw := mustSign(t, NewEdDSASigner("k1", testPriv), goodClaims())
	for range 3 {
		c, err := v.Verify(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if c.Username != "alice" || c.Audience[0] != testAudience || c.IsAdmin {
			t.Fatalf("claims changed by an earlier caller: %+v", c)
		}
		c.Username, c.Audience[0], c.IsAdmin = "mallory", "x", true
	}
}

func TestCacheConcurrent(t *testing.T) {
	v := mustVerifier(t, Config{Algorithm: HS256, Now: func() time.Time { return t0 }, CacheSize: 16})
	s, _ := NewHS256Signer(testSecret)
	var raws []string
	for i := range 40 {
		c := goodClaims()
		c.ID = strconv.Itoa(i)
		raws = append(raws, mustSign(t, s, c))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if _, err := v.Verify(context.Background(), raws[(g*7+i)%len(raws)]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestCacheEvictsOldestFirst: the ring of keys grows as tokens arrive and,
// once full, each insert evicts the oldest.
func TestCacheEvictsOldestFirst(t *testing.T) {
	c := newCache(3)
	if len(c.shards) != 1 || cap(c.shards[0].ring) != 0 {
		t.Fatalf("new cache: %d shards, ring capacity %d; want 1 and nothing allocated", len(c.shards), cap(c.shards[0].ring))
	}
	has := func(want ...string) {
		t.Helper()
		if n := c.len(); n != len(want) {
			t.Fatalf("cache holds %d entries, want %v", n, want)
		}
		for _, k := range want {
			if _, ok := c.get(k); !ok {
				t.Fatalf("%q evicted, want %v cached", k, want)
			}
		}
	}
	for _, k := range []string{"a", "b", "c"} {
		c.put(k, cacheEntry{})
	}
	has("a", "b", "c")
	c.put("d", cacheEntry{})
	has("b", "c", "d")
	c.put("b", cacheEntry{}) // already cached: keeps its place
	c.put("e", cacheEntry{})
	c.put("f", cacheEntry{})
	has("d", "e", "f")
}
