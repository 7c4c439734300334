package main

import (
	"math"
	"os"
	"strings"
	"testing"
)

// TestRSSParts: the harness's memory figure reads this process's resident
// set and splits it into private memory and mapped files that add up to it.
func TestRSSParts(t *testing.T) {
	m, err := rssMB(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.rss <= 0 || m.anon <= 0 || m.file <= 0 {
		t.Fatalf("resident set %+v: every part should be above zero", m)
	}
	// VmRSS = RssAnon + RssFile + RssShmem; a test process has no shared memory to speak of.
	if d := math.Abs(m.rss - m.anon - m.file); d > 1 {
		t.Fatalf("resident set %+v: parts differ from the whole by %.1f MB", m, d)
	}
}

// TestBuildSettings: the run's header names how the measured binary was
// built; this test binary is built with module information, so its Go
// release and cgo setting are there.
func TestBuildSettings(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got := buildSettings(exe)
	if !strings.HasPrefix(got, "go1.") || !strings.Contains(got, "CGO_ENABLED=") {
		t.Fatalf("buildSettings = %q, want the Go release and CGO_ENABLED", got)
	}
	if got := buildSettings(exe + ".missing"); !strings.HasPrefix(got, "build settings unknown") {
		t.Fatalf("buildSettings of a missing file = %q", got)
	}
}
