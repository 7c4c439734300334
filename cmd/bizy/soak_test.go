package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
)

// soakFor is the soak's length: short by default, so the test command runs
// it; `go test -run TestSoak -timeout 30m ./cmd/bizy/ -soak=10m` runs the
// full one (figures in RELIABILITY.md).
var soakFor = flag.Duration("soak", 30*time.Second, "how long TestSoak runs its workload")

// soakTasks is the rounds of task work (create, list, read, update,
// delete) in each session; 0 makes the soak all logins, refreshes and
// logouts, which fills the token caches sooner.
var soakTasks = flag.Int("soak-tasks", 5, "rounds of task work in each TestSoak session")

// soakWorkers is the number of simulated users, each one session after
// another.
const soakWorkers = 4

// sample is the process's resources at one moment of the soak.
type sample struct {
	at         time.Duration
	heap       float64 // go_memstats_heap_inuse_bytes
	goroutines float64
	fds        int // entries of /proc/PID/fd
	conns      int // client backends in pg_stat_activity
	requests   int64
}

// TestSoak runs a bounded mixed workload against one `bizy serve` process on
// a PostgreSQL of the test's own: sessions that log in, create, read,
// update and delete tasks, refresh, read again and log out. No answer may
// be a 5xx, and the process's heap, goroutines, open files and database
// connections must stay flat: after a warm-up, the last third's median
// within a tolerance of the middle third's.
func TestSoak(t *testing.T) {
	alone(t)
	pg := pgtest.StartServer(t)
	args := []string{"--data-dir", dataDir(t), "--database-url", pg.URL(), "--bcrypt-cost", "10"}
	for i := range soakWorkers {
		if _, err := runCmd(t, "", append([]string{"user", "create", "--username", fmt.Sprint("soak", i),
			"--email", fmt.Sprintf("soak%d@example.com", i), "--password", "Tr1cky!Horse", "--verified"}, args...)...); err != nil {
			t.Fatal(err)
		}
	}
	p := startProcess(t, args...)
	watcher, err := pgx.Connect(t.Context(), pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close(context.Background())

	var (
		requests, failures atomic.Int64
		mu                 sync.Mutex
		bad                []string // the 5xx and unexpected answers, for the failure
	)
	do := func(method, path, bearer, body string, want int) map[string]any {
		requests.Add(1)
		o, m := soakSend(method, p.api+path, bearer, body)
		if o.status != want {
			failures.Add(1)
			mu.Lock()
			if len(bad) < 20 {
				bad = append(bad, fmt.Sprintf("%s %s = %d %s, want %d", method, path, o.status, o.code, want))
			}
			mu.Unlock()
			return nil
		}
		return m
	}
	ctx, cancel := context.WithTimeout(t.Context(), *soakFor)
	defer cancel()
	var wg sync.WaitGroup
	for w := range soakWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				soakSession(do, fmt.Sprint("soak", w))
			}
		}()
	}

	every := max(*soakFor/30, 2*time.Second)
	var samples []sample
	start := time.Now()
	for tick := time.NewTicker(every); ctx.Err() == nil; {
		select {
		case <-ctx.Done():
		case <-tick.C:
			samples = append(samples, takeSample(t, p, watcher, time.Since(start), requests.Load()))
		}
	}
	wg.Wait()
	elapsed := time.Since(start)

	var table strings.Builder
	fmt.Fprintf(&table, "%8s %10s %6s %10s %6s %6s\n", "t", "requests", "heapMB", "goroutines", "fds", "conns")
	for _, s := range samples {
		fmt.Fprintf(&table, "%8s %10d %6.1f %10.0f %6d %6d\n", s.at.Round(time.Second), s.requests, s.heap/(1<<20), s.goroutines, s.fds, s.conns)
	}
	t.Logf("soak of %v: %d requests (%.0f/s), %d unexpected answers\n%s", elapsed.Round(time.Second),
		requests.Load(), float64(requests.Load())/elapsed.Seconds(), failures.Load(), table.String())
	if failures.Load() > 0 {
		t.Errorf("%d unexpected answers, first ones:\n%s", failures.Load(), strings.Join(bad, "\n"))
	}
	if len(samples) < 6 {
		t.Fatalf("only %d samples; the machine is too loaded to judge the trend", len(samples))
	}
	wantFlat(t, samples)
}

// wantFlat compares the medians of the middle and the last third of the
// samples (the first third is the warm-up: pools fill, caches warm).
func wantFlat(t *testing.T, samples []sample) {
	t.Helper()
	n := len(samples) / 3
	mid, last := samples[n:2*n], samples[2*n:]
	for _, c := range []struct {
		name  string
		value func(sample) float64
		slack float64 // allowed growth, absolute
	}{
		// The heap breathes with the garbage collector: 50% or 4 MiB.
		{"heap in use (bytes)", func(s sample) float64 { return s.heap }, 0},
		{"goroutines", func(s sample) float64 { return s.goroutines }, 10},
		{"open files", func(s sample) float64 { return float64(s.fds) }, 8},
		{"database connections", func(s sample) float64 { return float64(s.conns) }, 4},
	} {
		a, b := median(mid, c.value), median(last, c.value)
		slack := c.slack
		if slack == 0 {
			slack = max(a/2, 4<<20)
		}
		if b > a+slack {
			t.Errorf("%s grew from a median of %.0f to %.0f (allowed: +%.0f): a leak?", c.name, a, b, slack)
		}
	}
}

func median(s []sample, value func(sample) float64) float64 {
	v := make([]float64, len(s))
	for i, x := range s {
		v[i] = value(x)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// soakSession is one user's session: log in, work with tasks, refresh,
// read with the new token, log out.
func soakSession(do func(method, path, bearer, body string, want int) map[string]any, user string) {
	m := do("POST", "/api/auth/login", "", fmt.Sprintf(`{"username":%q,"password":"Tr1cky!Horse"}`, user), 200)
	if m == nil {
		return
	}
	tok, refresh := m["token"].(string), m["refresh_token"].(string)
	for i := range *soakTasks {
		task := do("POST", "/api/tasks", tok, fmt.Sprintf(`{"title":"soak %d"}`, i), 201)
		if task == nil {
			continue
		}
		id, _ := task["id"].(string)
		do("GET", "/api/tasks?limit=20", tok, "", 200)
		do("GET", "/api/tasks/"+id, tok, "", 200)
		do("PATCH", "/api/tasks/"+id, tok, `{"status":"done"}`, 200)
		do("DELETE", "/api/tasks/"+id, tok, "", 204)
	}
	m = do("POST", "/api/auth/refresh", "", fmt.Sprintf(`{"refresh_token":%q}`, refresh), 200)
	if m == nil {
		return
	}
	tok = m["token"].(string)
	do("GET", "/api/auth/profile", tok, "", 200)
	do("GET", "/api/tasks", tok, "", 200)
	do("POST", "/api/auth/logout", tok, "", 204)
}

// soakSend is send that also decodes a JSON answer.
func soakSend(method, url, bearer, body string) (outcome, map[string]any) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := loadClient.Do(req)
	if err != nil {
		return outcome{code: err.Error()}, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	o := outcome{status: res.StatusCode}
	if c, ok := m["code"].(string); ok {
		o.code = c
	}
	return o, m
}

// takeSample reads the process's heap and goroutines from its /metrics, its
// open files from /proc and its connections from pg_stat_activity.
func takeSample(t *testing.T, p *process, db *pgx.Conn, at time.Duration, requests int64) sample {
	t.Helper()
	s := sample{at: at, requests: requests}
	s.heap = metric(t, p.auth, "go_memstats_heap_inuse_bytes")
	s.goroutines = metric(t, p.auth, "go_goroutines")
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	s.fds = len(fds)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`).Scan(&s.conns); err != nil {
		t.Fatal(err)
	}
	return s
}
