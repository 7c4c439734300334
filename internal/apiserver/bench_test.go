package apiserver

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/revocation"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/token"
)

// benchNow is the fixed clock of the benchmarks' tokens and verifiers.
var benchNow = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// benchVerifier returns a verifier for alg with the given cache size and a
// token it accepts.
func benchVerifier(b *testing.B, alg string, cacheSize int) (*token.Verifier, string) {
	b.Helper()
	cfg := token.Config{Algorithm: alg, Issuer: "bizy-auth", Audience: "bizy", CacheSize: cacheSize,
		Now: func() time.Time { return benchNow }}
	var s *token.Signer
	switch alg {
	case token.HS256:
		s, _ = token.NewHS256Signer(testSecret)
		cfg.Secret = testSecret
	default:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		s = token.NewEdDSASigner("k1", priv)
		cfg.Keys = token.StaticKeys{"k1": pub}
	}
	v, err := token.NewVerifier(cfg)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := s.Sign(token.Claims{
		Issuer: "bizy-auth", Audience: []string{"bizy"}, Subject: "u1", UserID: "u1", SessionID: "s1",
		Username: "alice", Email: "alice@example.com", ID: "j1",
		IssuedAt: benchNow, ExpiresAt: benchNow.Add(15 * time.Minute),
	})
	if err != nil {
		b.Fatal(err)
	}
	return v, raw
}

// benchServe runs h on one request, reused, and checks the last answer.
func benchServe(b *testing.B, h http.Handler, path, raw string, want int) {
	b.Helper()
	benchServeRequest(b, h, benchRequest(context.Background(), path, raw), want)
}

// benchRequest is a GET of path with the bearer token raw, from the allowed
// origin.
func benchRequest(ctx context.Context, path, raw string) *http.Request {
	r := httptest.NewRequestWithContext(ctx, "GET", path, nil)
	r.Header.Set("Authorization", "Bearer "+raw)
	r.Header.Set("Origin", allowedOrigin)
	return r
}

// benchServeRequest serves r with h b.N times and fails b unless the last
// status is want.
func benchServeRequest(b *testing.B, h http.Handler, r *http.Request, want int) {
	b.Helper()
	var code int
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		code = w.Code
	}
	if code != want {
		b.Fatalf("status %d, want %d", code, want)
	}
}

var benchAlgs = []string{token.HS256, token.EdDSA}

var benchCaches = []struct {
	name string
	size int
}{{"nocache", 0}, {"cache", 1024}}

// benchRevoked returns a revocation list of n sessions, none of them the
// benchmark token's "s1": the usual case, a live session checked against
// the list.
func benchRevoked(n int) *revocation.List {
	l := revocation.NewList(revocation.ListConfig{Now: func() time.Time { return benchNow }})
	for i := range n {
		l.Add(fmt.Sprintf("00000000-0000-0000-0000-%012d", i), benchNow.Add(15*time.Minute))
	}
	return l
}

// BenchmarkRequireUser measures what requireUser adds to a request: the
// same trivial handler behind the API's whole middleware chain (request ID,
// recovery, access log, security headers, CORS, routing), unprotected and
// behind requireUser. The difference between the two is the cost of the
// token check. The revoked10k cases add the revocation check against a
// list of 10,000 sessions.
func BenchmarkRequireUser(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	cfg := Config{CORSAllowedOrigins: []string{allowedOrigin}}
	b.Run("unprotected", func(b *testing.B) {
		mux := http.NewServeMux()
		mux.Handle("GET /bench", ok)
		benchServe(b, chain(discard(), cfg, mux), "/bench", "x", http.StatusNoContent)
	})
	revoked := benchRevoked(10_000)
	for _, alg := range benchAlgs {
		for _, c := range benchCaches {
			for _, r := range []struct {
				name string
				list RevokedSessions
			}{{"", nil}, {"/revoked10k", revoked}} {
				b.Run(alg+"/"+c.name+r.name, func(b *testing.B) {
					v, raw := benchVerifier(b, alg, c.size)
					mux := http.NewServeMux()
					mux.Handle("GET /bench", requireUser(v, r.list)(ok))
					benchServe(b, chain(discard(), cfg, mux), "/bench", raw, http.StatusNoContent)
				})
			}
		}
	}
}

// BenchmarkVerifyToken measures GET /api/auth/verify-token through
// NewServer, the cheapest real protected route: the token check plus
// encoding a small JSON answer.
func BenchmarkVerifyToken(b *testing.B) {
	svc := tasks.NewService(nil, nil) // verify-token never touches the store
	for _, alg := range benchAlgs {
		for _, c := range benchCaches {
			b.Run(alg+"/"+c.name, func(b *testing.B) {
				v, raw := benchVerifier(b, alg, c.size)
				h := NewServer(discard(), Config{AuthServerURL: "http://127.0.0.1:1", CORSAllowedOrigins: []string{allowedOrigin}}, svc, v)
				benchServe(b, h, "/api/auth/verify-token", raw, http.StatusOK)
			})
		}
	}
}
