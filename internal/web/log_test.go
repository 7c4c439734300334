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
