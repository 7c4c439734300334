package revocation

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAuth implements the auth service's GET /revocations: entries in
// revocation order, the cursor being how many were already read, pages of
// at most pageSize. overlap makes each page repeat the previous page's last
// entry, as a server with an inclusive cursor would.
type fakeAuth struct {
	mu       sync.Mutex
	entries  []entry
	pageSize int
	overlap  bool
	since    []string // every since received, "" for none
	keys     []string // revoked signing keys, served whole
	down     atomic.Bool
}

type entry struct {
	SID       string    `json:"sid"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (f *fakeAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != "GET" || r.URL.Path != "/revocations" {
		http.NotFound(w, r)
		return
	}
	if f.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	since := r.URL.Query().Get("since")
	f.since = append(f.since, since)
	start := 0
	if since != "" {
		n, err := strconv.Atoi(since)
		if err != nil {
			http.Error(w, "bad cursor", http.StatusBadRequest)
			return
		}
		start = n
	}
	if f.overlap && start > 0 {
		start--
	}
	end := min(start+f.pageSize, len(f.entries))
	next := max(end, start)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"revoked": append([]entry{}, f.entries[start:end]...), "next_cursor": strconv.Itoa(next),
		"revoked_keys": f.keys})
}

func (f *fakeAuth) add(n int, expiresAt time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.entries = append(f.entries, entry{fmt.Sprint("s", len(f.entries)), expiresAt})
	}
}

func (f *fakeAuth) sinces() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string{}, f.since...)
}

func newFakeAuth(t *testing.T, pageSize int) (*fakeAuth, *httptest.Server) {
	t.Helper()
	f := &fakeAuth{pageSize: pageSize}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func mustPoller(t *testing.T, l *List, cfg PollerConfig) *Poller {
	t.Helper()
	p, err := NewPoller(l, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantRevoked(t *testing.T, l *List, n int) {
	t.Helper()
	if l.Len() != n {
		t.Fatalf("Len = %d, want %d", l.Len(), n)
	}
	for i := range n {
		if !l.Revoked(fmt.Sprint("s", i)) {
			t.Fatalf("s%d not revoked", i)
		}
	}
}

func isReady(p *Poller) bool {
	select {
	case <-p.Ready():
		return true
	default:
		return false
	}
}

func TestPollerFollowsCursorAcrossPages(t *testing.T) {
	f, srv := newFakeAuth(t, 1000)
	f.add(2500, t0.Add(time.Hour))
	l, clk := newTestList(t, ListConfig{})
	p := mustPoller(t, l, PollerConfig{URL: srv.URL + "/", Now: clk.Now})
	if isReady(p) {
		t.Fatal("ready before any sync")
	}
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, l, 2500)
	if !isReady(p) {
		t.Fatal("not ready after a sync")
	}
	f.add(1, t0.Add(time.Hour))
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, l, 2501)
	want := []string{"", "1000", "2000", "2500"}
	if got := f.sinces(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("since = %q, want %q", got, want)
	}
}

func TestPollerRepeatsAreASet(t *testing.T) {
	f, srv := newFakeAuth(t, 1000)
	f.overlap = true
	f.add(2500, t0.Add(time.Hour))
	l, clk := newTestList(t, ListConfig{})
	p := mustPoller(t, l, PollerConfig{URL: srv.URL, Now: clk.Now})
	for range 2 {
		if err := p.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	wantRevoked(t, l, 2500)
}

// TestPollerMovingCursor: a caught-up page whose cursor moves on every call
// (the auth service looks back a little each time, repeating the latest
// entries) ends the Sync; it does not ask again at once.
func TestPollerMovingCursor(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		fmt.Fprintf(w, `{"revoked":[{"sid":"s0","expires_at":"2030-01-01T13:00:00Z"}],"next_cursor":"c%d"}`, n)
	}))
	defer srv.Close()
	l, clk := newTestList(t, ListConfig{})
	p := mustPoller(t, l, PollerConfig{URL: srv.URL, Now: clk.Now})
	for range 2 {
		if err := p.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 2 {
		t.Fatalf("%d requests for two caught-up syncs, want 2", calls.Load())
	}
	wantRevoked(t, l, 1)
}

// TestPollerStuckCursor: a server that keeps answering the same full page
// with the same cursor does not hold Sync forever.
func TestPollerStuckCursor(t *testing.T) {
	var calls atomic.Int32
	full := strings.Repeat(`{"sid":"s0","expires_at":"2030-01-01T13:00:00Z"},`, fullPage)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprintf(w, `{"revoked":[%s],"next_cursor":"c"}`, strings.TrimSuffix(full, ","))
	}))
	defer srv.Close()
	l, clk := newTestList(t, ListConfig{})
	p := mustPoller(t, l, PollerConfig{URL: srv.URL, Now: clk.Now})
	for range 2 {
		if err := p.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 3 { // "", then "c" once per Sync
		t.Fatalf("%d requests, want 3", calls.Load())
	}
	wantRevoked(t, l, 1)
}

func TestPollerServerDownThenUp(t *testing.T) {
	f, srv := newFakeAuth(t, 1000)
	f.add(3, t0.Add(time.Hour))
	l, clk := newTestList(t, ListConfig{})
	p := mustPoller(t, l, PollerConfig{URL: srv.URL, Now: clk.Now})

	f.down.Store(true)
	if err := p.Sync(t.Context()); err == nil || !strings.Contains(err.Error(), "status 503") {
		t.Fatalf("Sync with the server down = %v, want status 503", err)
	}
	if isReady(p) || l.Len() != 0 {
		t.Fatalf("after a failed first sync: ready %v, Len %d", isReady(p), l.Len())
	}
	f.down.Store(false)
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, l, 3)

	f.down.Store(true)
	f.add(2, t0.Add(time.Hour))
	if err := p.Sync(t.Context()); err == nil {
		t.Fatal("Sync with the server down succeeded")
	}
	f.down.Store(false)
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, l, 5)
	// The failed polls never reached the handler's log; the next ones
	// started again from the cursor they had.
	want := []string{"", "3"}
	if got := f.sinces(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("since = %q, want %q", got, want)
	}
}

func TestPollerErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	hang := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer hung.Close()
	defer close(hang)
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"revoked":[{"sid":1}]}`)
	}))
	defer garbage.Close()

	for _, tt := range []struct {
		name, url, want string
	}{
		{"refused", closed.URL, "GET /revocations"},
		// Either the client's or the context's deadline may fire first.
		{"hung", hung.URL, "GET /revocations"},
		{"garbage", garbage.URL, "decode"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := NewList(ListConfig{})
			p := mustPoller(t, l, PollerConfig{URL: tt.url, Timeout: 100 * time.Millisecond})
			start := time.Now()
			err := p.Sync(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sync = %v, want an error with %q", err, tt.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("Sync took %v with a 100ms timeout", d)
			}
		})
	}
}

func TestNewPollerBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:4567", "ftp://x", "http://"} {
		if _, err := NewPoller(NewList(ListConfig{}), PollerConfig{URL: u}); err == nil {
			t.Errorf("NewPoller(%q) succeeded", u)
		}
	}
}
