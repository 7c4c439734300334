package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// loginResult is the login figure: a login flood against the bound the
// server's hashing gate allows, slots ÷ one bcrypt compare.
//
// The compare is the server's own: bizy_hash_cpu_seconds_total ÷
// bizy_hash_operations_total over the flood, the CPU time one check at
// the server's cost took on its hashing thread, in the machine's state
// during the flood. The ratio then falls short by two things the server
// reports apart: slots left idle (occupancy below 1: the server's
// fault), and held slots whose thread waited for a core (CPU time below
// slot time: the machine's other load, which the hashing thread, at a
// lowered priority, yields to). A compare timed in the harness's own
// process just before and after the flood is printed beside it as a
// check on the server's figure.
type loginResult struct {
	slots         int
	load          load          // the flood's rate and its logins
	stats         hashStats     // the gate's counters over the flood
	window        time.Duration // from before the flood to its last hash's end
	before, after time.Duration // a compare timed here, median of 9, either side
}

// hashStats are the gate's counters (bizy_hash_*_total) or their growth.
type hashStats struct {
	ops       float64
	held, cpu float64 // seconds
}

// measureLogin floods POST /api/auth/login with 2 × slots connections
// for d, one account's right password: enough to keep every slot busy
// while each login's other work (about 4 ms of proxying and database)
// runs beside the hashing.
func measureLogin(ctx context.Context, srv *server, slots int, d time.Duration) (*loginResult, error) {
	r := &loginResult{slots: slots}
	var err error
	if r.before, err = timeBcrypt(10); err != nil {
		return nil, err
	}
	start, err := gateStats(ctx, srv.auth)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	if r.load, err = wrkLoad(ctx, srv.api+"/api/auth/login", "", loginLua, 2*slots, d); err != nil {
		return nil, err
	}
	end, err := gateStats(ctx, srv.auth)
	if err != nil {
		return nil, err
	}
	r.window = time.Since(began)
	r.stats = hashStats{ops: end.ops - start.ops, held: end.held - start.held, cpu: end.cpu - start.cpu}
	if r.stats.ops < 1 || r.stats.cpu <= 0 {
		return nil, fmt.Errorf("the server counted %v hashes and %.3f s of their CPU time over the login flood", r.stats.ops, r.stats.cpu)
	}
	if r.after, err = timeBcrypt(10); err != nil {
		return nil, err
	}
	return r, nil
}

// compare is one check's CPU time on the server's hashing thread.
func (r *loginResult) compare() time.Duration {
	return time.Duration(r.stats.cpu / r.stats.ops * float64(time.Second))
}

// bound is the logins/s the gate allows: slots ÷ one compare.
func (r *loginResult) bound() float64 { return float64(r.slots) / r.compare().Seconds() }

// ratio is the login figure.
func (r *loginResult) ratio() float64 { return r.load.rate / r.bound() }

// occupancy is the share of the slots' time held by a hash, from the
// flood's start until the hashes it left in flight had ended.
func (r *loginResult) occupancy() float64 {
	return r.stats.held / (float64(r.slots) * r.window.Seconds())
}

// onCore is the share of the held slot time the hashing threads ran.
func (r *loginResult) onCore() float64 { return r.stats.cpu / r.stats.held }

// gateStats scrapes the auth service's hashing-gate counters, once no hash
// is running or waiting: those a load leaves in flight when it ends (their
// clients gone) are counted whole, not cut at a random point.
func gateStats(ctx context.Context, authURL string) (hashStats, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := scrape(ctx, authURL+"/metrics")
		if err != nil {
			return hashStats{}, err
		}
		if m["bizy_hash_in_flight"]+m["bizy_hash_waiting"] == 0 || time.Now().After(deadline) {
			return hashStats{ops: m["bizy_hash_operations_total"], held: m["bizy_hash_slot_seconds_total"],
				cpu: m["bizy_hash_cpu_seconds_total"]}, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// scrape reads the unlabelled bizy_hash_ samples of a Prometheus text page.
func scrape(ctx context.Context, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s = %s", url, resp.Status)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(name, "bizy_hash_") {
			continue
		}
		if m[name], err = strconv.ParseFloat(value, 64); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", url, name, err)
		}
	}
	if _, ok := m["bizy_hash_cpu_seconds_total"]; !ok {
		return nil, fmt.Errorf("%s has no bizy_hash_cpu_seconds_total (a bizy older than the gate's counters?)", url)
	}
	return m, sc.Err()
}

// timeBcrypt times one bcrypt compare at cost, as the median of 9, in
// this process at its normal priority.
func timeBcrypt(cost int) (time.Duration, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), cost)
	if err != nil {
		return 0, err
	}
	var runs []time.Duration
	for range 9 {
		start := time.Now()
		if err := bcrypt.CompareHashAndPassword(hash, []byte(benchPassword)); err != nil {
			return 0, err
		}
		runs = append(runs, time.Since(start))
	}
	return median(runs), nil
}
