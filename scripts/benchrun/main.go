// Command benchrun is the benchmark harness behind scripts/bench: it starts
// `bizy serve` on loopback on SQLite and on PostgreSQL, loads it with wrk,
// and prints each figure of BENCHMARKS.md's "Side by side" table as a ratio
// measured in the same run against a baseline it also measures (a bare
// net/http server, the server's own bcrypt compares), so the figures mean
// the same on a noisy machine, and ends with whether each met its target.
//
// Every run is bounded: -duration per load (-login-duration for the login
// flood), -coldstarts starts, loopback
// only. It needs wrk on PATH (scripts/bench installs it when missing).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.bizy, "bizy", "", "path of the bizy binary to measure (required)")
	flag.StringVar(&o.engines, "engines", "sqlite,postgres", "engines to measure, comma-separated")
	flag.StringVar(&o.postgres, "postgres", os.Getenv("BIZY_TEST_POSTGRES_URL"), "PostgreSQL server URL; a database is created and dropped on it")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each wrk load")
	flag.IntVar(&o.conns, "connections", 32, "concurrent connections of the read loads")
	flag.DurationVar(&o.loginDuration, "login-duration", 30*time.Second, "length of the login flood: logins come a few per second, so a figure resting on 100 or more needs tens of seconds")
	flag.IntVar(&o.coldstarts, "coldstarts", 10, "starts timed for the cold-start median")
	flag.IntVar(&o.scale.users, "scale-users", 0, "users the data generator adds on PostgreSQL for the scale rows (issue 15: 1000000); 0 skips them")
	flag.IntVar(&o.scale.tasks, "scale-tasks", 0, "tasks it spreads over those users (issue 15: 10000000)")
	flag.IntVar(&o.scale.benchTasks, "scale-deep", 10000, "tasks it gives the bench user, whose last page is the deep-page load")
	flag.IntVar(&o.hashSlots, "hash-slots", max(runtime.NumCPU()-1, 1), "bcrypt compares the server runs at once: its HASH_CONCURRENCY (default CPUs - 1, as the server's)")
	flag.IntVar(&o.reqcost, "reqcost", 0, "instead of the figures, send this many verify-token requests to bizy on SQLite and as many to the bare server, and print what each request cost each (reqcost.go)")
	flag.BoolVar(&o.callgrind, "callgrind", false, "with -reqcost: run both servers under valgrind's callgrind and count instructions")
	flag.BoolVar(&o.bareBearer, "bare-bearer", false, "with -reqcost: send the bare server the token too")
	flag.BoolVar(&o.keep, "keep", false, "with -callgrind: keep the dumps, for callgrind_annotate")
	hello := flag.String("hello", "", "internal: serve the bare baseline on this address (for -reqcost)")
	flag.Parse()
	if *hello != "" {
		fmt.Fprintln(os.Stderr, "benchrun:", serveHello(*hello))
		os.Exit(1)
	}
	if o.bizy == "" {
		fmt.Fprintln(os.Stderr, "benchrun: -bizy is required (scripts/bench builds it)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := run
	if o.reqcost > 0 {
		run = measureCost
	}
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

type options struct {
	bizy, engines, postgres string
	duration, loginDuration time.Duration
	conns, coldstarts       int
	hashSlots               int
	reqcost                 int
	callgrind, keep         bool
	bareBearer              bool
	scale                   dataSize
}

func run(ctx context.Context, o options) error {
	fmt.Printf("benchrun: %s, %d CPUs, wrk -c%d -d%s (logins: -c%d -d%s), %d hashing slot(s), Go %s\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), o.conns, o.duration,
		2*o.hashSlots, o.loginDuration, o.hashSlots, runtime.Version())
	fmt.Printf("bizy: %s\n\n", buildSettings(o.bizy))
	hello, err := startHello()
	if err != nil {
		return err
	}
	defer hello.Close()

	var rs []*result
	for _, engine := range strings.Split(o.engines, ",") {
		r, err := measureEngine(ctx, o, strings.TrimSpace(engine), hello.URL)
		if err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
		r.print(os.Stdout)
		if r.scale != nil {
			r.scale.print(os.Stdout)
		}
		rs = append(rs, r)
	}
	printSummary(os.Stdout, rs)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
