package main

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestLoginFloodBenchmark measures, in one run of `bizy serve` on SQLite
// with the default BCRYPT_COST (12) and hashing gate, the latency of
// token-checked reads (GET /api/tasks) alone and then under a flood of
// concurrent logins, and the logins per second the gate lets through.
// It is a benchmark, run on demand (see BENCHMARKS.md):
//
//	BIZY_FLOOD_BENCH=1 go test -count=1 -run TestLoginFloodBenchmark -v ./cmd/bizy/
func TestLoginFloodBenchmark(t *testing.T) {
	if os.Getenv("BIZY_FLOOD_BENCH") == "" {
		t.Skip("BIZY_FLOOD_BENCH not set; see BENCHMARKS.md")
	}
	const (
		flooders = 16
		phase    = 10 * time.Second
	)
	dir := dataDir(t)
	// Rate limits off, so the logins reach the hashing gate: that is what
	// is measured. TRUSTED_PROXIES lets each flooder be its own client IP.
	common := []string{"--data-dir", dir}
	_, api := startServe(t, append(common, "--rate-limit-enabled=false", "--trusted-proxies", "127.0.0.1/32",
		"--require-email-verification=false")...)
	for i := range flooders + 1 {
		res, body := sendJSON(t, "POST", api+"/api/auth/register", "",
			fmt.Sprintf(`{"username":"flood%d","email":"flood%d@example.com","password":"Tr1cky!Horse"}`, i, i))
		wantStatus(t, "register", res, body, 201)
	}
	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"flood0","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
	tok := body["token"].(string)

	read := func() time.Duration {
		req, _ := http.NewRequest("GET", api+"/api/tasks", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		d := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/tasks = %d", res.StatusCode)
		}
		return d
	}
	reads := func() []time.Duration {
		var ds []time.Duration
		for end := time.Now().Add(phase); time.Now().Before(end); {
			ds = append(ds, read())
		}
		slices.Sort(ds)
		return ds
	}
	for range 50 {
		read() // warm the verifier's cache and the connections
	}
	quiet := reads()

	var (
		stop          atomic.Bool
		ok, busy, oth atomic.Int64
		wg            sync.WaitGroup
	)
	for i := range flooders {
		wg.Go(func() {
			b := fmt.Sprintf(`{"username":"flood%d","password":"Tr1cky!Horse"}`, i+1)
			for !stop.Load() {
				req, _ := http.NewRequest("POST", api+"/api/auth/login", strings.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					oth.Add(1)
					continue
				}
				res.Body.Close()
				switch res.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusServiceUnavailable:
					busy.Add(1)
				default:
					oth.Add(1)
				}
			}
		})
	}
	time.Sleep(time.Second) // let the flood fill the gate's queue: polling nothing, just load
	start := time.Now()
	startOK := ok.Load()
	flood := reads()
	elapsed := time.Since(start)
	logins := ok.Load() - startOK
	stop.Store(true)
	wg.Wait()

	// The bcrypt bound: HASH_CONCURRENCY hashes at once, each as long as
	// one check at cost 12 takes on this machine (measured with the
	// flood stopped).
	hash, _ := bcrypt.GenerateFromPassword([]byte("Tr1cky!Horse"), 12)
	hstart := time.Now()
	const hashes = 5
	for range hashes {
		bcrypt.CompareHashAndPassword(hash, []byte("Tr1cky!Horse"))
	}
	perHash := time.Since(hstart) / hashes
	slots := max(1, runtimeCPUs()-1)

	p := func(ds []time.Duration, q float64) time.Duration { return ds[int(float64(len(ds)-1)*q)] }
	t.Logf("reads alone:       n=%d p50=%v p99=%v", len(quiet), p(quiet, .5), p(quiet, .99))
	t.Logf("reads under flood: n=%d p50=%v p99=%v (%d concurrent login loops)", len(flood), p(flood, .5), p(flood, .99), flooders)
	t.Logf("p99 ratio (flood/alone): %.2f", float64(p(flood, .99))/float64(p(quiet, .99)))
	t.Logf("logins: %.1f/s succeeded (%d busy 503, %d other) with %d hashing slot(s); bcrypt cost 12 takes %v, so the bound is %.1f/s",
		float64(logins)/elapsed.Seconds(), busy.Load(), oth.Load(), slots, perHash.Round(time.Millisecond),
		float64(slots)/perHash.Seconds())
}

func runtimeCPUs() int { return runtime.NumCPU() }
