package token

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// jwksServer is a fake auth service serving a JWK Set and counting fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int32

	mu     sync.Mutex
	keys   []JWK
	status int
	body   []byte        // when set, served instead of keys
	gate   chan struct{} // when set, each request waits for it to close
}

func newJWKSServer(t *testing.T, keys ...JWK) *jwksServer {
	s := &jwksServer{keys: keys, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		gate, status, body := s.gate, s.status, s.body
		if body == nil {
			body, _ = json.Marshal(JWKSet{Keys: s.keys})
		}
		s.mu.Unlock()
		if gate != nil {
			<-gate
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(f func(s *jwksServer)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

func (s *jwksServer) wantFetches(t *testing.T, want int32) {
	t.Helper()
	if got := s.fetches.Load(); got != want {
		t.Fatalf("server saw %d fetches, want %d", got, want)
	}
}

func newTestJWKS(s *jwksServer, clk *clock) *JWKS {
	return NewJWKS(s.URL, JWKSOptions{Client: s.Client(), MinRefetch: 5 * time.Second, Now: clk.Now})
}

func TestJWKSFetchAndCache(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub), JWK{Kty: "RSA", Kid: "rsa"})
	j := newTestJWKS(srv, newClock())
	ctx := context.Background()

	for range 3 {
		pub, err := j.PublicKey(ctx, "k1")
		if err != nil || !pub.Equal(testPub) {
			t.Fatalf("PublicKey(k1) = %x, %v", pub, err)
		}
	}
	srv.wantFetches(t, 1)

	// The RSA key is skipped, not fatal, and within MinRefetch of the
	// first fetch asking for it costs nothing.
	if _, err := j.PublicKey(ctx, "rsa"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("PublicKey(rsa) = %v, want ErrUnknownKey", err)
	}
	srv.wantFetches(t, 1)
}

func TestJWKSUnknownKidRefetchLimited(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub))
	clk := newClock()
	j := newTestJWKS(srv, clk)
	ctx := context.Background()
	if _, err := j.PublicKey(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	srv.wantFetches(t, 1)

	clk.Advance(6 * time.Second)
	if _, err := j.PublicKey(ctx, "random-1"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("PublicKey(random-1) = %v, want ErrUnknownKey", err)
	}
	srv.wantFetches(t, 2) // unknown kid: one refetch

	clk.Advance(4 * time.Second)
	for _, kid := range []string{"random-2", "random-3", "random-4"} {
		if _, err := j.PublicKey(ctx, kid); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("PublicKey(%s) = %v, want ErrUnknownKey", kid, err)
		}
	}
	srv.wantFetches(t, 2) // within MinRefetch: no more fetches

	clk.Advance(time.Second)
	if _, err := j.PublicKey(ctx, "random-5"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("PublicKey(random-5) = %v, want ErrUnknownKey", err)
	}
	srv.wantFetches(t, 3) // MinRefetch has passed
	if _, err := j.PublicKey(ctx, "k1"); err != nil {
		t.Fatalf("known key lost: %v", err)
	}
	srv.wantFetches(t, 3)
}

func TestJWKSRotation(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub))
	clk := newClock()
	j := newTestJWKS(srv, clk)
	v := mustVerifier(t, Config{Keys: j, Now: func() time.Time { return t0 }})
	ctx := context.Background()
	if _, err := v.Verify(ctx, mustSign(t, NewEdDSASigner("k1", testPriv), goodClaims())); err != nil {
		t.Fatal(err)
	}

	// The auth service rotates: k2 signs from now on, k1 stays published.
	srv.set(func(s *jwksServer) { s.keys = append(s.keys, Ed25519JWK("k2", otherPriv.Public().(ed25519.PublicKey))) })
	clk.Advance(10 * time.Second)
	raw2 := mustSign(t, NewEdDSASigner("k2", otherPriv), goodClaims())
	if _, err := v.Verify(ctx, raw2); err != nil {
		t.Fatalf("token signed with rotated-in key: %v", err)
	}
	srv.wantFetches(t, 2)
	if _, err := v.Verify(ctx, raw2); err != nil {
		t.Fatal(err)
	}
	srv.wantFetches(t, 2)
}

func TestJWKSConcurrentMissesShareOneFetch(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub))
	gate := make(chan struct{})
	srv.set(func(s *jwksServer) { s.gate = gate })
	j := newTestJWKS(srv, newClock())

	const n = 50
	var started, done sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			_, err := j.PublicKey(context.Background(), "k1")
			errs <- err
		}()
	}
	started.Wait()
	close(gate)
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("PublicKey = %v", err)
		}
	}
	srv.wantFetches(t, 1)
}

func TestJWKSWaiterContextCanceled(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub))
	gate := make(chan struct{})
	srv.set(func(s *jwksServer) { s.gate = gate })
	defer close(gate)
	j := newTestJWKS(srv, newClock())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := j.PublicKey(ctx, "k1")
	if !errors.Is(err, ErrUnknownKey) || !errors.Is(err, context.Canceled) {
		t.Fatalf("PublicKey = %v, want ErrUnknownKey and context.Canceled", err)
	}
}

func TestJWKSFailures(t *testing.T) {
	tests := []struct {
		name string
		mod  func(s *jwksServer)
		want string
	}{
		{"Status500", func(s *jwksServer) { s.status = http.StatusInternalServerError }, "500"},
		{"NotJSON", func(s *jwksServer) { s.body = []byte("<html>") }, "invalid character"},
		{"TooLarge", func(s *jwksServer) {
			s.body = append([]byte(`{"keys":[],"pad":"`), bytes.Repeat([]byte("a"), maxJWKSBody)...)
		}, "larger than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, Ed25519JWK("k1", testPub))
			clk := newClock()
			j := newTestJWKS(srv, clk)
			ctx := context.Background()
			if _, err := j.PublicKey(ctx, "k1"); err != nil {
				t.Fatal(err)
			}

			srv.set(tt.mod)
			clk.Advance(time.Minute)
			_, err := j.PublicKey(ctx, "k2")
			if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("PublicKey(k2) = %v, want ErrUnknownKey mentioning %q", err, tt.want)
			}
			if _, err := j.PublicKey(ctx, "k1"); err != nil {
				t.Fatalf("a failed fetch dropped the known keys: %v", err)
			}
			srv.wantFetches(t, 2)
		})
	}
}

func TestJWKSServerDown(t *testing.T) {
	srv := newJWKSServer(t)
	srv.Close()
	j := newTestJWKS(srv, newClock())
	if _, err := j.PublicKey(context.Background(), "k1"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("PublicKey = %v, want ErrUnknownKey", err)
	}
}
