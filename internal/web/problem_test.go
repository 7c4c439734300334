package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/fault"
)

// TestEveryKindHasItsStatus: each kind a domain may use maps to one status,
// and a known wait is sent as Retry-After in whole seconds, rounded up so
// a client never retries too early.
func TestEveryKindHasItsStatus(t *testing.T) {
	for _, tc := range []struct {
		kind       fault.Kind
		retryAfter time.Duration
		status     int
		header     string
	}{
		{fault.Invalid, 0, 400, ""},
		{fault.Unauthenticated, 0, 401, ""},
		{fault.Forbidden, 0, 403, ""},
		{fault.NotFound, 0, 404, ""},
		{fault.Conflict, 0, 409, ""},
		{fault.Locked, 90 * time.Second, 423, "90"},
		{fault.TooManyRequests, 1500 * time.Millisecond, 429, "2"},
		{fault.Unavailable, 0, 503, ""},
		{fault.Internal, time.Second, 500, ""},
	} {
		err := &fault.Error{Kind: tc.kind, Code: "some_code", Message: "shown", RetryAfter: tc.retryAfter}
		rec := serve(Handler(func(http.ResponseWriter, *http.Request) error { return err }), httptest.NewRequest("GET", "/", nil))
		if rec.Code != tc.status || rec.Header().Get("Retry-After") != tc.header {
			t.Errorf("kind %d: %d Retry-After %q, want %d %q", tc.kind, rec.Code, rec.Header().Get("Retry-After"), tc.status, tc.header)
		}
	}
}

// TestErrorOfAGoneClientIsNotLoggedAsAnError: a store error caused by the
// request's own cancellation is the client hanging up, logged at debug and
// recorded as 499 (nginx's client closed request), not as a 500.
func TestErrorOfAGoneClientIsNotLoggedAsAnError(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, tc := range []struct {
		cancel bool
		want   string
		status int
	}{{true, "level=DEBUG", StatusClientClosedRequest}, {false, "level=ERROR", http.StatusInternalServerError}} {
		buf.Reset()
		ctx, cancel := context.WithCancel(context.Background())
		if tc.cancel {
			cancel()
		}
		h := RequestID(log, Handler(func(w http.ResponseWriter, r *http.Request) error {
			return fmt.Errorf("store: tasks: %w", context.Canceled)
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, "GET", "/api/tasks", nil))
		cancel()
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("cancelled %v: log %q, want %s", tc.cancel, buf.String(), tc.want)
		}
		if rec.Code != tc.status {
			t.Errorf("cancelled %v: status %d, want %d", tc.cancel, rec.Code, tc.status)
		}
	}
}
