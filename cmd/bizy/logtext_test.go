package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/web"
)

// TestTextLogIsShort: under LOG_FORMAT=text an access line reads
// "HH:MM:SS.mmm INF GET /route 200 1.2ms" and then the service and
// request ID; other lines keep their attributes; no colour codes when not
// on a terminal.
func TestTextLogIsShort(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(web.LogHandler(newTextHandler(&buf, slog.LevelInfo, false))).With("service", "api")
	mux := http.NewServeMux()
	mux.Handle("GET /api/tasks/{id}", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	mux.Handle("/ui/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	h := web.RequestID(log, web.AccessLog(log, web.Routes(mux)))
	for _, p := range []string{"/api/tasks/42?token=secret", "/ui/nothing"} {
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("X-Request-ID", "req-1")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	log.Info("API listening", "addr", "127.0.0.1:8000")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3} INF GET /api/tasks/\{id\} 200 [0-9.]+(µs|ms|s) service=api request_id=req-1$`),
		regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3} INF GET /ui/ 404 [0-9.]+(µs|ms|s) service=api request_id=req-1$`),
		regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3} INF API listening service=api addr=127\.0\.0\.1:8000$`),
	}
	if len(lines) != len(want) {
		t.Fatalf("logged %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d = %q, want %s", i, lines[i], re)
		}
	}
	if strings.Contains(buf.String(), "secret") {
		t.Errorf("the query reached the log:\n%s", buf.String())
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		845123 * time.Nanosecond:     "845µs",
		1234567 * time.Nanosecond:    "1.23ms",
		2345678901 * time.Nanosecond: "2.35s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
