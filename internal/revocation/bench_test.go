package revocation

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// rwSet is the obvious alternative to List's sync.Map, an RWMutex over a
// map, kept here only to compare with it.
type rwSet struct {
	mu sync.RWMutex
	m  map[string]int64
}

func (s *rwSet) Revoked(sid string) bool {
	s.mu.RLock()
	_, ok := s.m[sid]
	s.mu.RUnlock()
	return ok
}

// BenchmarkRevoked measures the check the API makes on every request, on
// one goroutine and on all of them at once, for a List of n entries and for
// the RWMutex alternative. "hit" looks up a revoked sid, "miss" (the usual
// case) one that is not.
func BenchmarkRevoked(b *testing.B) {
	for _, n := range []int{0, 10_000, 1_000_000} {
		l := NewList(ListConfig{Now: func() time.Time { return t0 }})
		rw := &rwSet{m: make(map[string]int64, n)}
		for i := range n {
			sid := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
			l.Add(sid, t0.Add(time.Hour))
			rw.m[sid] = 0
		}
		hit, miss := "00000000-0000-0000-0000-000000000007", "ffffffff-0000-0000-0000-000000000007"
		for _, impl := range []struct {
			name    string
			revoked func(string) bool
		}{{"syncmap", l.Revoked}, {"rwmutex", rw.Revoked}} {
			for _, c := range []struct {
				name string
				sid  string
			}{{"hit", hit}, {"miss", miss}} {
				if n == 0 && c.name == "hit" {
					continue
				}
				name := fmt.Sprintf("%s/n=%d/%s", impl.name, n, c.name)
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						impl.revoked(c.sid)
					}
				})
				b.Run(name+"/parallel", func(b *testing.B) {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							impl.revoked(c.sid)
						}
					})
				})
			}
		}
	}
}
