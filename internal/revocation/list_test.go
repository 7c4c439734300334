package revocation

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/clocktest"
)

var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

func newTestList(t *testing.T, cfg ListConfig) (*List, *clocktest.Clock) {
	t.Helper()
	clk := clocktest.New(t0)
	cfg.Now = clk.Now
	return NewList(cfg), clk
}

func TestListAddRevoked(t *testing.T) {
	l, _ := newTestList(t, ListConfig{})
	if l.Revoked("s1") {
		t.Fatal("empty list: s1 revoked")
	}
	l.Add("s1", t0.Add(15*time.Minute))
	l.Add("s1", t0.Add(10*time.Minute)) // a repeat: a set, not a list
	l.Add("", t0.Add(15*time.Minute))
	if !l.Revoked("s1") || l.Revoked("s2") || l.Revoked("") {
		t.Fatalf("Revoked s1=%v s2=%v empty=%v, want true false false", l.Revoked("s1"), l.Revoked("s2"), l.Revoked(""))
	}
	if l.Len() != 1 {
		t.Fatalf("Len = %d, want 1", l.Len())
	}
}

func TestListExpiry(t *testing.T) {
	l, clk := newTestList(t, ListConfig{Leeway: 30 * time.Second})
	l.Add("short", t0.Add(time.Minute))
	l.Add("long", t0.Add(15*time.Minute))
	l.Add("stale", t0.Add(-31*time.Second)) // its tokens are already refused
	l.Add("edge", t0.Add(-29*time.Second))  // still within the leeway
	if l.Revoked("stale") || !l.Revoked("edge") {
		t.Fatalf("stale=%v edge=%v, want false true", l.Revoked("stale"), l.Revoked("edge"))
	}

	// A token of "short" passes the verifier until exp + leeway.
	clk.Advance(time.Minute + 30*time.Second)
	if n := l.Prune(); n != 1 || !l.Revoked("short") {
		t.Fatalf("at expires_at+leeway: pruned %d (want 1: edge), short revoked %v", n, l.Revoked("short"))
	}
	clk.Advance(time.Nanosecond)
	if n := l.Prune(); n != 1 || l.Revoked("short") || !l.Revoked("long") {
		t.Fatalf("past expires_at+leeway: pruned %d, short %v long %v", n, l.Revoked("short"), l.Revoked("long"))
	}
	if l.Len() != 1 {
		t.Fatalf("Len = %d, want 1", l.Len())
	}
}

func TestListAddKeepsLaterExpiry(t *testing.T) {
	l, clk := newTestList(t, ListConfig{Leeway: -1})
	l.Add("s1", t0.Add(time.Minute))
	l.Add("s1", t0.Add(10*time.Minute))
	l.Add("s1", t0.Add(2*time.Minute))
	clk.Advance(5 * time.Minute)
	l.Prune()
	if !l.Revoked("s1") {
		t.Fatal("s1 pruned at its earlier expiry, want the later one kept")
	}
}

func TestListAddPrunesPeriodically(t *testing.T) {
	l, clk := newTestList(t, ListConfig{Leeway: -1, PruneInterval: time.Minute})
	l.Add("old", t0.Add(10*time.Second))
	clk.Advance(30 * time.Second)
	l.Add("a", t0.Add(time.Hour)) // before the interval: no sweep
	if l.Len() != 2 {
		t.Fatalf("Len = %d before the prune interval, want 2", l.Len())
	}
	clk.Advance(30 * time.Second)
	l.Add("b", t0.Add(time.Hour))
	if l.Revoked("old") || l.Len() != 2 {
		t.Fatalf("after the prune interval: old %v, Len %d; want false, 2", l.Revoked("old"), l.Len())
	}
}

func TestListOverBoundKeepsAccepting(t *testing.T) {
	var logs bytes.Buffer
	l, clk := newTestList(t, ListConfig{Leeway: -1, MaxEntries: 3,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	l.Add("expired", t0.Add(time.Second))
	clk.Advance(2 * time.Second)
	for i := range 5 {
		l.Add(fmt.Sprint("s", i), t0.Add(time.Hour))
	}
	for i := range 5 {
		if !l.Revoked(fmt.Sprint("s", i)) {
			t.Errorf("s%d dropped past the bound", i)
		}
	}
	if l.Revoked("expired") || l.Len() != 5 {
		t.Errorf("expired %v, Len %d; want the expired entry swept on overflow, 5 left", l.Revoked("expired"), l.Len())
	}
	if got := strings.Count(logs.String(), "over its size bound"); got != 1 {
		t.Errorf("%d overflow warnings, want 1 (at most one a minute):\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "max_entries=3") {
		t.Errorf("warning lacks max_entries: %s", logs.String())
	}
}

// TestListConcurrent runs Add, Revoked and Prune together; -race checks
// them, and the count must match the entries left.
func TestListConcurrent(t *testing.T) {
	l, clk := newTestList(t, ListConfig{Leeway: -1, PruneInterval: time.Nanosecond})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				sid := fmt.Sprint("s", i%300)
				l.Add(sid, t0.Add(time.Duration(g+i%3)*time.Second))
				l.Revoked(sid)
				if i%100 == 0 {
					clk.Advance(time.Second)
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			l.Prune()
		}
	})
	wg.Wait()
	clk.Advance(time.Hour)
	l.Prune()
	if l.Len() != 0 {
		t.Fatalf("Len = %d after every entry expired, want 0", l.Len())
	}
}
