package token

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// benchSetup returns a token and a verifier for alg, with the given cache.
func benchSetup(b *testing.B, alg string, cacheSize int) (string, *Verifier) {
	b.Helper()
	s := NewEdDSASigner("k1", testPriv)
	if alg == HS256 {
		s, _ = NewHS256Signer(testSecret)
	}
	v := mustVerifier(b, Config{Algorithm: alg, Now: func() time.Time { return t0 }, CacheSize: cacheSize})
	return mustSign(b, s, goodClaims()), v
}

func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	for _, alg := range []string{EdDSA, HS256} {
		b.Run(alg, func(b *testing.B) {
			raw, v := benchSetup(b, alg, 0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/cached", func(b *testing.B) {
			raw, v := benchSetup(b, alg, 1024)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/cached/parallel", func(b *testing.B) {
			raw, v := benchSetup(b, alg, 1024)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := v.Verify(ctx, raw); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkMiddleware(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	run := func(b *testing.B, h http.Handler, raw string) {
		r := httptest.NewRequest("GET", "/api/tasks", nil)
		r.Header.Set("Authorization", "Bearer "+raw)
		w := httptest.NewRecorder()
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
		if w.Code != http.StatusNoContent {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.Run("unprotected", func(b *testing.B) { run(b, ok, "x") })
	for _, alg := range []string{EdDSA, HS256} {
		b.Run(alg+"/cached", func(b *testing.B) {
			raw, v := benchSetup(b, alg, 1024)
			run(b, v.Middleware(ok), raw)
		})
	}
}
