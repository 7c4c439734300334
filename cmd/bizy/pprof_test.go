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
