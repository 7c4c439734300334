package token

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header (RFC 6750 §2.1), matching the scheme without regard to case. It
// returns false when the header is absent, uses another scheme or carries
// an empty token.
func BearerToken(r *http.Request) (string, bool) {
	// Header.Get with the key already canonical: Get would check that on
	// every request.
	var h string
	if vs := r.Header["Authorization"]; len(vs) > 0 {
		h = vs[0]
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// Middleware returns a handler that verifies the request's bearer token
// and calls next with the claims in the request context (see FromContext).
// A request without a bearer token gets 401 with "WWW-Authenticate: Bearer";
// one whose token Verify rejects gets 401 with
// `WWW-Authenticate: Bearer error="invalid_token", error_description="..."`.
// Both carry an RFC 9457 application/problem+json body whose detail names
// the reason (e.g. "token expired"). If the KeySource fails for another
// reason than an unknown key, the answer is 503 rather than 401, so clients
// do not discard good tokens during an outage. Options add requirements
// on the verified claims, such as RequireAAL2, or change how they are
// passed on (PassClaims). The handler is safe for concurrent use.
func (v *Verifier) Middleware(next http.Handler, opts ...MiddlewareOption) http.Handler {
	var o middlewareOptions
	for _, opt := range opts {
		opt(&o)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := BearerToken(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeProblem(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		c, err := v.Verify(r.Context(), raw)
		if err != nil {
			reason, known := Reason(err)
			if !known {
				writeProblem(w, http.StatusServiceUnavailable, reason)
				return
			}
			w.Header().Set("WWW-Authenticate",
				`Bearer error="invalid_token", error_description=`+strconv.Quote(reason))
			writeProblem(w, http.StatusUnauthorized, reason)
			return
		}
		if o.aal2 && c.Level() != AAL2 {
			// RFC 9470's step-up answer: the token is good but too weak.
			w.Header().Set("WWW-Authenticate",
				`Bearer error="insufficient_user_authentication", error_description="a second factor is required", acr_values="aal2"`)
			writeCodedProblem(w, http.StatusForbidden, CodeMFARequired,
				"this needs a session signed in with a second factor (aal2)")
			return
		}
		if o.pass != nil {
			next.ServeHTTP(w, o.pass(r, c))
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), c)))
	})
}

// MiddlewareOption adds a requirement to Verifier.Middleware.
type MiddlewareOption func(*middlewareOptions)

type middlewareOptions struct {
	aal2 bool
	pass func(*http.Request, *Claims) *http.Request
}

// PassClaims makes Middleware hand the verified claims to next through
// pass, which returns the request next is called with, instead of a copy
// of the request whose context NewContext made (two allocations and a
// walk of the request). A server whose request context already has room
// for the claims keeps them there and returns r; pass must make them
// available to next's handlers one way or another, since Middleware
// relies on it.
func PassClaims(pass func(r *http.Request, c *Claims) *http.Request) MiddlewareOption {
	return func(o *middlewareOptions) { o.pass = pass }
}

// CodeMFARequired is the code member of RequireAAL2's 403 problem, the
// same code the Bizy services give.
const CodeMFARequired = "mfa_required"

// RequireAAL2 makes Middleware refuse a valid token whose assurance level
// (Claims.Level) is not AAL2 — one from a password alone — with a 403
// problem coded CodeMFARequired and `WWW-Authenticate: Bearer
// error="insufficient_user_authentication"` (RFC 9470), so the client can
// ask the user for a second factor.
func RequireAAL2() MiddlewareOption {
	return func(o *middlewareOptions) { o.aal2 = true }
}

var reasons = []struct {
	err    error
	reason string
}{
	{ErrExpired, "token expired"},
	{ErrNotYetValid, "token not yet valid"},
	{ErrMalformed, "malformed token"},
	{ErrAlgorithm, "unexpected token algorithm"},
	{ErrBadSignature, "invalid token signature"},
	{ErrUnknownKey, "unknown token signing key"},
	{ErrIssuer, "wrong token issuer"},
	{ErrAudience, "wrong token audience"},
	{ErrMissingClaim, "token lacks a required claim"},
	{ErrLifetime, "token lifetime out of bounds"},
}

// Reason returns a short public description of a Verify error, such as
// "token expired", suitable for a response. It reports false, with a
// generic text, when err is none of the package's rejections (a KeySource
// failure), which is a server fault rather than a bad token.
func Reason(err error) (string, bool) {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason, true
		}
	}
	return "token keys unavailable", false
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	writeCodedProblem(w, status, "", detail)
}

// writeCodedProblem is writeProblem with a code member, when code is set.
func writeCodedProblem(w http.ResponseWriter, status int, code, detail string) {
	body, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
		Code   string `json:"code,omitempty"`
	}{"about:blank", http.StatusText(status), status, detail, code})
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
