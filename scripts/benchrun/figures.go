package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// result holds one engine's figures.
type result struct {
	engine                       string
	hello, tasks, verify, health float64 // requests/s
	login                        float64 // requests/s
	loginBound                   float64 // requests/s the hashing gate allows
	gate                         int
	rssIdle, rssLoaded           float64 // MB
	coldStart                    time.Duration
	scale                        *scaleResult // PostgreSQL with -scale-users only
}

// measureEngine starts bizy on engine and takes every figure.
func measureEngine(ctx context.Context, o options, engine, helloURL string, compare time.Duration) (*result, error) {
	env, cleanup, err := engineEnv(ctx, engine, o.postgres)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	env = append(env, "HASH_CONCURRENCY="+strconv.Itoa(o.hashSlots))
	r := &result{engine: engine}

	srv, err := startBizy(ctx, o.bizy, env)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	tok, err := srv.seed(ctx)
	if err != nil {
		return nil, err
	}
	if r.rssIdle, err = rssMB(srv.pid()); err != nil {
		return nil, err
	}

	bearer := "Authorization: Bearer " + tok
	loads := []struct {
		into *float64
		url  string
		hdr  string
		c    int
	}{
		{&r.hello, helloURL, "", o.conns},
		{&r.tasks, srv.api + "/api/tasks?limit=20", bearer, o.conns},
		{&r.verify, srv.api + "/api/auth/verify-token", bearer, o.conns},
		{&r.health, srv.api + "/health", "", o.conns},
	}
	for _, l := range loads {
		if *l.into, err = wrk(ctx, l.url, l.hdr, "", l.c, o.duration); err != nil {
			return nil, err
		}
	}
	// Logins: a few more connections than hashing slots keep every slot
	// busy; the server runs with HASH_CONCURRENCY = -hash-slots (see
	// measureEngine), so the bound is the one its hashing gate allows.
	r.gate = o.hashSlots
	r.loginBound = float64(r.gate) / compare.Seconds()
	if r.login, err = wrk(ctx, srv.api+"/api/auth/login", "", loginLua, 2*r.gate, o.duration); err != nil {
		return nil, err
	}
	if r.rssLoaded, err = rssMB(srv.pid()); err != nil {
		return nil, err
	}
	if engine == "postgres" && o.scale.users > 0 {
		if r.scale, err = measureScale(ctx, o, srv, envValue(env, "DATABASE_URL"), tok); err != nil {
			return nil, fmt.Errorf("scale: %w", err)
		}
	}
	srv.stop()

	if r.coldStart, err = coldStart(ctx, o.bizy, env, o.coldstarts); err != nil {
		return nil, err
	}
	return r, nil
}

// timeBcrypt times one bcrypt compare at cost, as the median of a few, in
// this process: the bound a login can't beat on one core.
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

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// print writes the engine's figures as the table of BENCHMARKS.md.
func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "## %s\n\n", r.engine)
	fmt.Fprintln(w, "| figure | measured | baseline (same run) | ratio | target |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: |")
	row := func(name string, v float64, unit, base string, ratio float64, target string) {
		fmt.Fprintf(w, "| %s | %.0f%s | %s | %.2f | %s |\n", name, v, unit, base, ratio, target)
	}
	row("`GET /api/tasks?limit=20` (token-checked read) vs GoTrue", r.tasks, "/s",
		"GoTrue `GET /user` 1,371/s (issue 15's run, not this one)", r.tasks/1371, "≥ 6")
	row("`GET /api/tasks?limit=20` vs bare net/http (same run)", r.tasks, "/s",
		fmt.Sprintf("%.0f/s", r.hello), r.tasks/r.hello, "–")
	row("`GET /api/auth/verify-token` vs bare net/http", r.verify, "/s",
		fmt.Sprintf("%.0f/s", r.hello), r.verify/r.hello, "≥ 0.8")
	row("API `GET /health` vs verify-token", r.health, "/s",
		fmt.Sprintf("%.0f/s", r.verify), r.health/r.verify, "≥ 0.9")
	row(fmt.Sprintf("login vs the bcrypt bound (%d hashing slot(s))", r.gate), r.login, "/s",
		fmt.Sprintf("%.1f/s", r.loginBound), r.login/r.loginBound, "≥ 0.95")
	fmt.Fprintf(w, "| RSS idle / after load | %.1f / %.1f MB | GoTrue 36 / 50 MB | %.2f | ≤ 20 / 32 MB |\n",
		r.rssIdle, r.rssLoaded, r.rssLoaded/50)
	fmt.Fprintf(w, "| cold start to the first 200 (median) | %.0f ms | GoTrue 68 ms | %.2f | ≤ 50 ms |\n\n",
		ms(r.coldStart), ms(r.coldStart)/68)
}
