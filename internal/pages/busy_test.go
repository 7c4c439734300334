package pages

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/fault"
)

// TestProtectionRefusalsArePages: the hashing gate's busy and the
// lockout's 429 are pages with their status and Retry-After, not 500s.
func TestProtectionRefusalsArePages(t *testing.T) {
	p := newPages(slog.New(slog.NewTextHandler(io.Discard, nil)), Config{}, nil)
	for _, tc := range []struct {
		err        error
		status     int
		retryAfter string
	}{
		{auth.ErrBusy, http.StatusServiceUnavailable, "1"},
		{&fault.Error{Kind: fault.TooManyRequests, Code: "rate_limited", Message: "m", RetryAfter: 3 * time.Second},
			http.StatusTooManyRequests, "3"},
	} {
		rec := httptest.NewRecorder()
		p.fail(rec, httptest.NewRequest("POST", "/ui/login", nil), tc.err)
		if rec.Code != tc.status || rec.Header().Get("Retry-After") != tc.retryAfter {
			t.Errorf("%v: %d, Retry-After %q; want %d, %q", tc.err, rec.Code, rec.Header().Get("Retry-After"), tc.status, tc.retryAfter)
		}
	}
}
