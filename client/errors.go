package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Stable problem codes the Bizy services put in the code member of their
// errors, for switching on CodeOf(err) or (*Error).Code. A 401 from a token
// check (a missing, expired or badly signed token) carries no code: test
// Status for it.
const (
	CodeMalformedJSON        = "malformed_json"         // 400: the body is not one JSON value
	CodeBadBody              = "bad_body"               // 400: the body could not be read
	CodeInvalidToken         = "invalid_token"          // 400: a verification or reset token unknown, used or expired
	CodeInvalidCredentials   = "invalid_credentials"    // 401 at login; 400 for a wrong current_password
	CodeUnauthenticated      = "unauthenticated"        // 401: no usable token
	CodeSessionRevoked       = "session_revoked"        // 401: the session was logged out or revoked
	CodeInvalidRefreshToken  = "invalid_refresh_token"  // 401: a dead refresh token; log in again
	CodeEmailNotVerified     = "email_not_verified"     // 403 at login, with the right password
	CodeAccountDisabled      = "account_disabled"       // 403 at login, with the right password
	CodeAdminRequired        = "admin_required"         // 403: the auth service's admin routes
	CodeForbidden            = "forbidden"              // 403: the API's admin routes
	CodeOriginNotAllowed     = "origin_not_allowed"     // 403: a CORS preflight from another origin
	CodeNotFound             = "not_found"              // 404: unknown id, or another user's
	CodeMethodNotAllowed     = "method_not_allowed"     // 405
	CodeConflict             = "conflict"               // 409: username or email taken (Detail names which)
	CodeSelfActionForbidden  = "self_action_forbidden"  // 409: an admin acting on their own role or account
	CodeBodyTooLarge         = "body_too_large"         // 413: a request body over 1 MiB
	CodeUnsupportedMediaType = "unsupported_media_type" // 415
	CodeValidationFailed     = "validation_failed"      // 422: Fields says which fields and why
	CodeAccountLocked        = "account_locked"         // 423: RetryAfter says for how long
	CodeRateLimited          = "rate_limited"           // 429: RetryAfter says when to try again
	CodeInternalError        = "internal_error"         // 500
	CodeBusy                 = "busy"                   // 503: too many password hashes waiting
	CodeAuthUnavailable      = "auth_unavailable"       // 503: the API could not reach the auth service
	CodeAuthUnhealthy        = "auth_unhealthy"         // 503: the auth service reports itself unhealthy
)

// Error is an answer of a Bizy service with a status outside 2xx: an
// RFC 9457 problem details object, plus what the response's headers said.
// Every method of Client returns a *Error for such an answer; find it with
// errors.As. When the body was not a problem (a proxy's own error page, for
// instance) only Status, Title, RetryAfter and RequestID are set.
type Error struct {
	Status int    // the HTTP status code
	Type   string // a URI naming the problem type; usually "about:blank"
	Title  string // a short summary of the status
	Detail string // what went wrong, for people
	Code   string // a stable name to switch on (the Code constants); "" for a token check's 401
	// Fields names each invalid field of a 422 (validation_failed) and the
	// wrong current_password of a 400 (invalid_credentials).
	Fields []FieldError
	// RetryAfter is how long the Retry-After header asked to wait (423,
	// 429, 503); 0 without one.
	RetryAfter time.Duration
	// RequestID is the X-Request-ID of the answer, by which the service's
	// logs find the request.
	RequestID string

	op string // "POST /api/auth/login", for Error()
}

// FieldError is one entry of a problem's errors member: a field of the
// request and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error describes e in one line, such as
// "bizy: POST /api/tasks: 422 validation_failed: title: is required".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("bizy: ")
	if e.op != "" {
		b.WriteString(e.op + ": ")
	}
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	} else if e.Title != "" {
		b.WriteString(" " + e.Title)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	return b.String()
}

// Field returns the message of the named field in e.Fields, and whether
// e names that field at all.
func (e *Error) Field(name string) (string, bool) {
	for _, f := range e.Fields {
		if f.Field == name {
			return f.Message, true
		}
	}
	return "", false
}

// CodeOf returns the Code of the first *Error in err's chain, or "" when
// there is none or it has no code. It lets callers write
//
//	switch client.CodeOf(err) {
//	case client.CodeConflict: …
//	case client.CodeValidationFailed: …
//	}
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Errors the client returns without asking a server.
var (
	// ErrNoToken is returned by the methods that need an access token when
	// called on a Client that holds none (see WithTokens), or holds none any
	// more after Logout.
	ErrNoToken = errors.New("bizy: no access token: log in and use WithTokens")
	// ErrNoAPIURL is returned by the methods only the Bizy API serves
	// (tasks, goals, admin stats, verify-token, auth-server-health) when
	// Config.APIURL is empty.
	ErrNoAPIURL = errors.New("bizy: this call needs Config.APIURL (the Bizy API)")
	// ErrNoAuthURL is returned by the admin methods of the auth service
	// when Config.AuthURL is empty: the API does not pass them on.
	ErrNoAuthURL = errors.New("bizy: this call needs Config.AuthURL (the auth service)")
	// ErrResponseTooLarge is returned (wrapped) for a successful answer
	// whose body is larger than Config.MaxResponseBytes.
	ErrResponseTooLarge = errors.New("bizy: response body too large")
)

// problemLimit bounds what is parsed of an error's body: problem documents
// are small, and an HTML error page from a proxy need not be read whole.
const problemLimit = 64 << 10

// newError builds the *Error for a non-2xx answer whose body (possibly
// truncated) is body.
func newError(op string, resp *http.Response, body []byte, now time.Time) *Error {
	e := &Error{Status: resp.StatusCode, op: op, RequestID: resp.Header.Get("X-Request-ID"),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
	if isProblem(resp.Header.Get("Content-Type")) {
		var p struct {
			Type   string       `json:"type"`
			Title  string       `json:"title"`
			Detail string       `json:"detail"`
			Code   string       `json:"code"`
			Errors []FieldError `json:"errors"`
		}
		if json.Unmarshal(body, &p) == nil {
			e.Type, e.Title, e.Detail, e.Code, e.Fields = p.Type, p.Title, p.Detail, p.Code, p.Errors
		}
	}
	if e.Title == "" {
		e.Title = http.StatusText(resp.StatusCode)
	}
	return e
}

// isProblem reports whether a Content-Type is JSON that may hold a problem:
// application/problem+json, or plain application/json from a server that
// does not label its problems.
func isProblem(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/problem+json" || mt == "application/json"
}

// parseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): a number of
// seconds or an HTTP date, which is measured from now. Anything else, or a
// date in the past, is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > int64(365*24*time.Hour/time.Second) {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// opError wraps a failure that is not an answer (transport, decoding) with
// the call it happened in.
func opError(op string, err error) error {
	return fmt.Errorf("bizy: %s: %w", op, err)
}

// isStatus reports whether err holds a *Error with the given status.
func isStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}
