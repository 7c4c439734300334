package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestLogLinesCarryTheRequestID: the access log line, and any line a
// handler logs with the request's context, name the request ID the client
// sees, with the route pattern and status.
func TestLogLinesCarryTheRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil)))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "inside the handler")
		w.WriteHeader(http.StatusTeapot)
	})
	h := RequestID(AccessLog(log, mux))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/things/7", nil))
	id := rec.Header().Get("X-Request-ID")

	dec := json.NewDecoder(&buf)
	var lines []map[string]any
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want 2: %v", len(lines), lines)
	}
	for _, l := range lines {
		if l["request_id"] != id {
			t.Errorf("line %v lacks request_id %s", l, id)
		}
	}
	if access := lines[1]; access["route"] != "GET /things/{id}" || access["status"] != float64(http.StatusTeapot) {
		t.Errorf("access line = %v", access)
	}
}
