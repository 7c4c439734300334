package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeStopsQuietly: `bizy serve` stopped by SIGTERM, as an
// orchestrator stops it, exits cleanly without a warning or an error in its
// log. The API drains for its drainTime while its revocation feeds keep
// polling the auth service (once a second), so the auth service must still
// answer until the API has stopped.
func TestServeStopsQuietly(t *testing.T) {
	share(t)
	p := startProcess(t, "--data-dir", dataDir(t))
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("bizy serve still running 60 s after SIGTERM:\n%s", p.logs)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	logs := p.logs.String()
	for _, bad := range []string{`"level":"WARN"`, `"level":"ERROR"`, "revocations poll failed"} {
		if strings.Contains(logs, bad) {
			t.Errorf("the stop logged %s:\n%s", bad, logs)
		}
	}
}
