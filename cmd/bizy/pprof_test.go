package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestPprofServesProfilesUntilContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := startPprof(ctx, slog.New(slog.DiscardHandler), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr.String() + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Fatalf("heap profile: %s\n%.200s", resp.Status, body)
	}
	cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 100 { // Close runs on another goroutine; a refused dial is the goal
		if _, err = client.Get("http://" + addr.String() + "/debug/pprof/"); err != nil {
			return
		}
	}
	t.Error("pprof still answers after its context ended")
}

func TestPprofOffByDefault(t *testing.T) {
	if addr, err := startPprof(context.Background(), slog.New(slog.DiscardHandler), ""); addr != nil || err != nil {
		t.Fatalf("startPprof(\"\") = %v, %v; want nothing started", addr, err)
	}
}

// TestPprofAsked: main keeps the runtime's allocation sampling only when
// PPROF_ADDR is set, as a flag in any of the flag package's spellings or
// in the environment.
func TestPprofAsked(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "PPROF_ADDR" {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		args []string
		env  string
		want bool
	}{
		{nil, "", false},
		{[]string{"serve"}, "", false},
		{[]string{"serve"}, "127.0.0.1:6060", true},
		{[]string{"serve", "--pprof-addr", "127.0.0.1:6060"}, "", true},
		{[]string{"api", "-pprof-addr=127.0.0.1:6060"}, "", true},
		{[]string{"serve", "--pprof-addr=127.0.0.1:6060"}, "", true},
		{[]string{"serve", "--pprof-address=x", "pprof-addr"}, "", false},
		{[]string{"serve", "--log-level", "debug"}, "", false},
	} {
		if got := pprofAsked(tc.args, env(tc.env)); got != tc.want {
			t.Errorf("pprofAsked(%q, PPROF_ADDR=%q) = %v, want %v", tc.args, tc.env, got, tc.want)
		}
	}
}
