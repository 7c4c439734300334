package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serve answers r with h behind RequestID, whose logger discards, and
// returns the recorded answer.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	RequestID(discardLogger(), h).ServeHTTP(rec, r)
	return rec
}
