package authserver

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkMailRequestTiming measures whether forgot-password and
// resend-verification answer in a different time for a known address (an
// account that gets a mail queued) and an unknown one. It is a measuring
// tool, not a check: run it with many samples and read the metrics, e.g.
//
//	go test -run '^$' -bench MailRequestTiming -benchtime 4000x ./internal/authserver/
//
// Each of b.N rounds sends one request of each kind in random order, over
// real TCP to the whole handler, so the background work a known address
// sets off lands on requests of both kinds alike. It reports the median
// and 90th percentile of each kind and the difference of the medians
// (known − unknown) in microseconds.
func BenchmarkMailRequestTiming(b *testing.B) {
	for _, path := range []string{"/forgot-password", "/resend-verification"} {
		b.Run(path[1:], func(b *testing.B) {
			// The fixture wants a *testing.T; this one never runs its
			// cleanups, so the database is closed and removed here.
			f := newFixture(&testing.T{}, options{})
			defer os.RemoveAll(filepath.Dir(f.dbPath))
			defer f.db.Close()
			f.mustRegister("known", "known@example.com", goodPassword, false)
			srv := httptest.NewServer(f.h)
			defer srv.Close()
			defer f.svc.Wait()
			send := func(email string) time.Duration {
				body := []byte(`{"email":"` + email + `"}`)
				start := time.Now()
				res, err := srv.Client().Post(srv.URL+path, "application/json", bytes.NewReader(body))
				d := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusAccepted {
					b.Fatalf("%s = %d", path, res.StatusCode)
				}
				return d
			}
			for range 50 { // warm up connections, caches and the database
				send("known@example.com")
				send("nobody@example.com")
			}
			var known, unknown []time.Duration
			b.ResetTimer()
			for i := range b.N {
				unknownAddr := "nobody" + strconv.Itoa(i) + "@example.com"
				if rand.IntN(2) == 0 {
					known = append(known, send("known@example.com"))
					unknown = append(unknown, send(unknownAddr))
				} else {
					unknown = append(unknown, send(unknownAddr))
					known = append(known, send("known@example.com"))
				}
			}
			b.StopTimer()
			km, um := quantile(known, 0.5), quantile(unknown, 0.5)
			b.ReportMetric(km, "known-p50-µs")
			b.ReportMetric(um, "unknown-p50-µs")
			b.ReportMetric(quantile(known, 0.9), "known-p90-µs")
			b.ReportMetric(quantile(unknown, 0.9), "unknown-p90-µs")
			b.ReportMetric(km-um, "diff-p50-µs")
		})
	}
}

// quantile returns the q-quantile of ds in microseconds (nearest rank).
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[int(q*float64(len(s)-1))].Microseconds())
}
