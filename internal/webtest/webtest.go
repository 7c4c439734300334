// Package webtest holds the helpers that the tests of both Bizy servers
// share: building JSON requests, decoding recorded answers and checking
// RFC 9457 problem details. Each server's fixture stays in its own tests.
package webtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/token"
)

// NewRequest builds a server-side test request for method and path. A nil
// body sends none, a string is sent as it is and anything else is encoded
// as JSON; any body sets Content-Type to application/json. A non-empty
// bearer is sent in the Authorization header. It fails t if body cannot be
// encoded.
func NewRequest(t testing.TB, method, path string, body any, bearer string) *http.Request {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return req
}

// Decode unmarshals the JSON body of rec into v, and fails t if it cannot.
func Decode(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}

// Problem is the shape of an RFC 9457 answer, as web.Error writes it.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Fields lists the field names of a 422 answer, in the order sent.
func (p Problem) Fields() []string {
	var fs []string
	for _, e := range p.Errors {
		fs = append(fs, e.Field)
	}
	return fs
}

// WantProblem checks that rec is a problem answer with the given status,
// content type application/problem+json and a status, title and detail in
// its body, and returns the body. It fails t otherwise.
func WantProblem(t testing.TB, rec *httptest.ResponseRecorder, status int) Problem {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p Problem
	Decode(t, rec, &p)
	if p.Status != status || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem body incomplete: %+v", p)
	}
	return p
}

// Claims reads the claims of a JWT without checking its signature, for
// tests that look at what a service issued.
func Claims(t testing.TB, jwt string) token.Claims {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c token.Claims
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}
