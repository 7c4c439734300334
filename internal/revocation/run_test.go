package revocation

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/clocktest"
)

// TestPollerRun drives Run with hand-fed ticks: it polls at once and on
// each tick, warns once while the server stays down, and returns when ctx
// ends. Ticks are unbuffered, so a send returns only once the poll before
// it has been made and reported.
func TestPollerRun(t *testing.T) {
	f, srv := newFakeAuth(t, 1000)
	f.add(1, t0.Add(time.Hour))
	var logs syncBuffer
	clk := clocktest.New(t0)
	l := NewList(ListConfig{Now: clk.Now})
	ticks := make(chan time.Time)
	p := mustPoller(t, l, PollerConfig{URL: srv.URL, NewTicker: handTicker(ticks), Now: clk.Now,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	<-p.Ready()
	wantRevoked(t, l, 1)
	f.add(1, t0.Add(time.Hour))
	ticks <- t0
	ticks <- t0 // the poll of the first tick is done
	wantRevoked(t, l, 2)

	f.down.Store(true)
	for range 3 {
		ticks <- t0
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
	if n := strings.Count(logs.String(), "revocations poll failed"); n != 1 {
		t.Errorf("%d warnings for failures within 30 s, want 1:\n%s", n, logs.String())
	}
}

// handTicker returns a PollerConfig.NewTicker whose ticks are the ones the
// test sends on ticks.
func handTicker(ticks chan time.Time) func(time.Duration) (<-chan time.Time, func()) {
	return func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }
}

// TestPollerReport: the first failure is logged, then one every 30 s while
// they go on, and a success after failures says so once.
func TestPollerReport(t *testing.T) {
	var logs syncBuffer
	clk := clocktest.New(t0)
	p := mustPoller(t, NewList(ListConfig{}), PollerConfig{URL: "http://127.0.0.1:1", Now: clk.Now,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	fail := fmt.Errorf("GET /revocations: status 503")
	p.report(nil)
	for range 30 { // t0 … t0+29s
		p.report(fail)
		clk.Advance(time.Second)
	}
	p.report(fail) // t0+30s
	p.report(nil)
	p.report(nil)
	p.report(fail)
	out := logs.String()
	for _, want := range []string{
		"failures=1", "failures=31", "revocations poll works again\" failures=31", "failures=1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 4 {
		t.Errorf("%d lines, want 4 (warn, warn, works again, warn):\n%s", n, out)
	}
}

// TestPollerRunStopsWhileHung: cancelling ctx ends Run even in the middle
// of a request that would otherwise wait for its timeout.
func TestPollerRunStopsWhileHung(t *testing.T) {
	started := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	p := mustPoller(t, NewList(ListConfig{}), PollerConfig{URL: srv.URL, Timeout: time.Minute, NewTicker: handTicker(make(chan time.Time))})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
