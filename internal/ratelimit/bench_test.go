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

func BenchmarkMemoryAllow(b *testing.B) {
	m := NewMemory(DefaultRates(), nil)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Allow(ctx, Login, benchKeys[i%len(benchKeys)])
		i++
	}
}

func BenchmarkRedisAllow(b *testing.B) {
	url := testRedisURL(b)
	lim := NewRedis(newClient(b, url, nil), DefaultRates(), RedisOptions{Prefix: testPrefix(b, url)})
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		lim.Allow(ctx, Login, benchKeys[i%len(benchKeys)])
		i++
	}
	b.StopTimer()
	if st := lim.Stats(); !st.UsingRedis || st.Fallbacks != 0 {
		b.Fatalf("the benchmark fell back to memory: %+v", st)
	}
}
