package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLogLinesCarryTheRequestID: the access log line, a line a handler
// logs through Logger, and the line Handler logs for a 500 each name the
// request ID the client sees, once, with the route pattern and status.
func TestLogLinesCarryTheRequestID(t *testing.T) {
	for _, tc := range []struct {
		name    string
		wrapped bool
	}{
		{"logger as cmd/bizy builds it", true},
		// RequestID wraps a plain logger for the request's own lines.
		{"plain logger", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			access := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil)))
			log := access
			if !tc.wrapped {
				log = slog.New(slog.NewJSONHandler(&buf, nil))
			}
			mux := http.NewServeMux()
			mux.Handle("GET /things/{id}", Handler(func(w http.ResponseWriter, r *http.Request) error {
				Logger(r.Context()).InfoContext(r.Context(), "inside the handler")
				return errors.New("disk on fire")
			}))
			h := RequestID(log, AccessLog(access, mux))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/things/7", nil))
			id := rec.Header().Get("X-Request-ID")

			var lines []map[string]any
			for _, raw := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				if n := strings.Count(raw, `"request_id"`); n != 1 {
					t.Errorf("line names request_id %d times: %s", n, raw)
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(raw), &m); err != nil {
					t.Fatal(err)
				}
				lines = append(lines, m)
			}
			if len(lines) != 3 {
				t.Fatalf("logged %d lines, want 3: %v", len(lines), lines)
			}
			for _, l := range lines {
				if l["request_id"] != id {
					t.Errorf("line %v lacks request_id %s", l, id)
				}
			}
			if cause := lines[1]; cause["msg"] != "internal error" || cause["err"] != "disk on fire" {
				t.Errorf("cause line = %v", cause)
			}
			if access := lines[2]; access["route"] != "GET /things/{id}" || access["status"] != float64(http.StatusInternalServerError) {
				t.Errorf("access line = %v", access)
			}
		})
	}
}

// TestAccessLogQuietRoutes: behind middleware that copies the request (as
// both servers' chains do), the access line still names the matched route;
// a Quiet route's successes are logged at DEBUG and its failures at INFO.
func TestAccessLogQuietRoutes(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	failing := false
	mux := http.NewServeMux()
	mux.Handle("GET /health", Quiet(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})))
	mux.Handle("GET /things/{id}", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	copyRequest := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(r.Context()))
		})
	}
	h := RequestID(log, AccessLog(log, copyRequest(Routes(mux))))
	for _, tc := range []struct {
		path  string
		fail  bool
		level string
		route string
	}{
		{"/health", false, "DEBUG", "GET /health"},
		{"/health", true, "INFO", "GET /health"},
		{"/things/7", false, "INFO", "GET /things/{id}"},
		{"/nowhere", false, "INFO", "unmatched"},
	} {
		buf.Reset()
		failing = tc.fail
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tc.path, nil))
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("%s: %v: %s", tc.path, err, buf.String())
		}
		if line["level"] != tc.level || line["route"] != tc.route {
			t.Errorf("%s (failing %v): level %v route %v, want %s %s", tc.path, tc.fail, line["level"], line["route"], tc.level, tc.route)
		}
	}
}
