package ratelimit

import (
	"context"
	"strconv"
	"testing"
)

// benchKeys are the client IPs the benchmarks cycle through: enough that
// most requests fit, as in normal traffic, and the map is not one entry.
var benchKeys = func() []string {
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = "198.51." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
	}
	return keys
}()

// benchAllow times lim.Allow for logins from benchKeys in turn.
func benchAllow(b *testing.B, lim Limiter) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		lim.Allow(ctx, Login, benchKeys[i%len(benchKeys)])
		i++
	}
}

func BenchmarkMemoryAllow(b *testing.B) {
	benchAllow(b, NewMemory(DefaultRates(), nil))
}

func BenchmarkRedisAllow(b *testing.B) {
	url := testRedisURL(b)
	lim := NewRedis(newClient(b, url, nil), DefaultRates(), RedisOptions{Prefix: testPrefix(b, url)})
	benchAllow(b, lim)
	if st := lim.Stats(); !st.UsingRedis || st.Fallbacks != 0 {
		b.Fatalf("the benchmark fell back to memory: %+v", st)
	}
}
