package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result holds one engine's figures.
type result struct {
	engine                       string
	hello, tasks, verify, health float64 // requests/s
	login                        *loginResult
	loginDuration                time.Duration
	rssIdle, rssLoaded           memory
	coldStarts                   []time.Duration // sorted
	scale                        *scaleResult    // PostgreSQL with -scale-users only
}

// measureEngine starts bizy on engine and takes every figure.
func measureEngine(ctx context.Context, o options, engine, helloURL string) (*result, error) {
	env, cleanup, err := engineEnv(ctx, engine, o.postgres)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	env = append(env, "HASH_CONCURRENCY="+strconv.Itoa(o.hashSlots))
	r := &result{engine: engine, loginDuration: o.loginDuration}

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
	}{
		{&r.hello, helloURL, ""},
		{&r.tasks, srv.api + "/api/tasks?limit=20", bearer},
		{&r.verify, srv.api + "/api/auth/verify-token", bearer},
		{&r.health, srv.api + "/health", ""},
	}
	for _, l := range loads {
		if *l.into, err = wrk(ctx, l.url, l.hdr, "", o.conns, o.duration); err != nil {
			return nil, err
		}
	}
	// The server runs with HASH_CONCURRENCY = -hash-slots (above), so the
	// bound is the one its hashing gate allows.
	if r.login, err = measureLogin(ctx, srv, o.hashSlots, o.loginDuration); err != nil {
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

	if r.coldStarts, err = coldStart(ctx, o.bizy, env, tok, o.coldstarts); err != nil {
		return nil, err
	}
	return r, nil
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// median sorts d and returns its middle value.
func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
