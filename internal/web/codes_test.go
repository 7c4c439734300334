package web_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// TestDomainErrorAnswers pins the problem each domain error becomes: the
// stable codes, statuses, texts and headers of the README's table. (web
// itself imports no domain; this external test does, to check the answers
// clients see.) Errors come wrapped the way adapters wrap them, with
// internal detail that must never be sent.
func TestDomainErrorAnswers(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("postgres: row 0190-secret-id: %w", err) }
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		body       string
		retryAfter string
	}{
		{"auth not found", wrap(auth.ErrNotFound), 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"not found","code":"not_found"}`, ""},
		{"tasks not found", wrap(tasks.ErrNotFound), 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"not found","code":"not_found"}`, ""},
		{"conflict names the field", wrap(&auth.ConflictError{Field: "email"}), 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"email already taken","code":"conflict"}`, ""},
		{"bare conflict", auth.ErrConflict, 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"already exists","code":"conflict"}`, ""},
		{"bad credentials", auth.ErrBadCredentials, 401,
			`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"invalid username or password","code":"invalid_credentials"}`, ""},
		{"unauthenticated", auth.ErrUnauthenticated, 401,
			`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"authentication required","code":"unauthenticated"}`, ""},
		{"locked with its wait", wrap(&auth.LockedError{RetryAfterSeconds: 900}), 423,
			`{"type":"about:blank","title":"Locked","status":423,"detail":"account temporarily locked; retry in 900 seconds","code":"account_locked"}`, "900"},
		{"bare lock", auth.ErrLocked, 423,
			`{"type":"about:blank","title":"Locked","status":423,"detail":"account temporarily locked","code":"account_locked"}`, ""},
		{"unverified", auth.ErrEmailUnverified, 403,
			`{"type":"about:blank","title":"Forbidden","status":403,"detail":"email address not verified","code":"email_not_verified"}`, ""},
		{"disabled", auth.ErrDisabled, 403,
			`{"type":"about:blank","title":"Forbidden","status":403,"detail":"account disabled","code":"account_disabled"}`, ""},
		{"not an admin", auth.ErrForbidden, 403,
			`{"type":"about:blank","title":"Forbidden","status":403,"detail":"this requires the admin role","code":"admin_required"}`, ""},
		{"self action", auth.ErrSelfAction, 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"an admin cannot remove their own admin role, unverify their own address, disable or delete their own account","code":"self_action_forbidden"}`, ""},
		{"bad single-use token", auth.ErrInvalidToken, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"the token is invalid, has been used or has expired","code":"invalid_token"}`, ""},
		{"dead refresh token", auth.ErrInvalidRefresh, 401,
			`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the refresh token is invalid, revoked or expired; log in again","code":"invalid_refresh_token"}`, ""},
		{"wrong current password", &auth.CredentialError{Field: "current_password", Message: "is incorrect"}, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"current_password: is incorrect","code":"invalid_credentials","errors":[{"field":"current_password","message":"is incorrect"}]}`, ""},
		{"validation", wrap(&auth.ValidationError{Fields: map[string]string{"limit": "must be between 1 and 100", "cursor": "invalid cursor"}}), 422,
			`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request has invalid fields","code":"validation_failed","errors":[{"field":"cursor","message":"invalid cursor"},{"field":"limit","message":"must be between 1 and 100"}]}`, ""},
		{"unknown cause", errors.New("pq: password authentication failed for user x"), 500,
			`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"internal error","code":"internal_error"}`, ""},
		{"internal kind", &fault.Error{Code: "secret_code", Message: "secret message"}, 500,
			`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"internal error","code":"internal_error"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := web.RequestID(slog.New(slog.DiscardHandler),
				web.Handler(func(http.ResponseWriter, *http.Request) error { return tc.err }))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if rec.Code != tc.status || strings.TrimSpace(rec.Body.String()) != tc.body {
				t.Errorf("answer = %d %s\nwant     %d %s", rec.Code, rec.Body, tc.status, tc.body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := rec.Header().Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
		})
	}
}
