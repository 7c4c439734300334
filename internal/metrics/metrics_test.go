package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/mail"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
)

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape = %d", rec.Code)
	}
	return rec.Body.String()
}

func TestHTTPLabelsByRoutePattern(t *testing.T) {
	reg := NewRegistry()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/tasks/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	h := HTTP(reg)(mux)
	for _, path := range []string{"/api/tasks/1", "/api/tasks/2", "/nowhere"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	// Methods of the client's own invention are counted together under
	// "other": a client can't make series without bound.
	for _, m := range []string{"BREW", "WHEN", "X1"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, "/api/tasks/1", nil))
	}
	out := scrape(t, Handler(reg))
	for _, want := range []string{
		`bizy_http_requests_total{method="GET",route="GET /api/tasks/{id}",status="404"} 2`,
		`bizy_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`bizy_http_requests_total{method="other",route="unmatched",status="405"} 3`,
		`bizy_http_request_duration_seconds_count{method="GET",route="GET /api/tasks/{id}"} 2`,
		"go_goroutines",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if strings.Contains(out, "BREW") {
		t.Errorf("an invented method has series of its own:\n%s", out)
	}
}

// TestMailMetricsShowParkedMessages: a message that keeps failing is parked
// and shows in the metrics.
func TestMailMetricsShowParkedMessages(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	ob := &mailtest.Memory{}
	if err := ob.Enqueue(ctx, auth.OutboxEmail{ID: "m1", Email: auth.Email{To: "a@example.com", Subject: "s", Text: "t"}, CreatedAt: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	rec := &mailtest.Recorder{}
	rec.Fail(errors.New("smtp down"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := mail.NewWorker(log, ob, rec, mail.WorkerConfig{From: "bizy@example.com", MaxAttempts: 2, Now: clock.Now})
	reg := NewRegistry()
	RegisterMail(reg, log, w, ob)

	if out := scrape(t, Handler(reg)); !strings.Contains(out, "bizy_mail_outbox_pending 1") {
		t.Fatalf("before delivery: %s", grep(out, "bizy_mail"))
	}
	for range 2 {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour) // past any back-off
	}
	out := scrape(t, Handler(reg))
	for _, want := range []string{"bizy_mail_outbox_pending 0", "bizy_mail_outbox_parked 1", "bizy_mail_parked_total 1", "bizy_mail_retried_total 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q:\n%s", want, grep(out, "bizy_mail"))
		}
	}
}

func grep(s, prefix string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func TestEventWriteFailuresAreExported(t *testing.T) {
	reg := NewRegistry()
	n := uint64(0)
	RegisterEvents(reg, func() uint64 { return n })
	RegisterBackground(reg, func() uint64 { return n + 1 })
	n = 3
	out := scrape(t, Handler(reg))
	for _, want := range []string{"bizy_security_event_write_failures_total 3", "bizy_background_jobs_dropped_total 4"} {
		if !strings.Contains(out, want) {
			t.Fatalf("scrape lacks %q:\n%s", want, out)
		}
	}
}
