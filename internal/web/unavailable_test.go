package web

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
)

type stateErr string

func (e stateErr) Error() string    { return "server error " + string(e) }
func (e stateErr) SQLState() string { return string(e) }

// TestUnreachableStoreIs503: an error saying the database could not be
// reached or did not answer in time (a refused or broken connection, a
// server shutting down, a statement or lock wait cut by a time limit) is
// answered 503 database_unavailable with Retry-After, not 500; a server
// error about the request itself stays a 500.
func TestUnreachableStoreIs503(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("postgres: create task: %w", refused), 503},
		{fmt.Errorf("postgres: %w", stateErr("57P01")), 503}, // admin shutdown
		{fmt.Errorf("postgres: %w", stateErr("08006")), 503}, // connection failure
		{fmt.Errorf("postgres: %w", stateErr("53300")), 503}, // too many connections
		{fmt.Errorf("postgres: %w", stateErr("57014")), 503}, // cut by a time limit (DATABASE_TIMEOUT)
		{fmt.Errorf("postgres: %w", stateErr("55P03")), 503}, // a lock not granted within lock_timeout
		{fmt.Errorf("postgres: %w", stateErr("55000")), 500}, // object not in prerequisite state: a bug
		{fmt.Errorf("postgres: %w", io.ErrUnexpectedEOF), 503},
		{fmt.Errorf("postgres: %w", stateErr("42P01")), 500}, // undefined table: a bug
		{errors.New("something else"), 500},
	} {
		w := httptest.NewRecorder()
		Error(w, httptest.NewRequest("GET", "/", nil), tc.err)
		if w.Code != tc.want {
			t.Errorf("%v = %d, want %d", tc.err, w.Code, tc.want)
		}
		if tc.want == http.StatusServiceUnavailable && w.Header().Get("Retry-After") != "1" {
			t.Errorf("%v: Retry-After %q, want 1", tc.err, w.Header().Get("Retry-After"))
		}
	}
}
