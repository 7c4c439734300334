package openapitest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Checker holds each exchange a test makes with a server to the server's
// OpenAPI document:
//
//   - a response must be one the operation documents: its status, its
//     content type and a body that matches the schema;
//   - a request the document refuses (a missing field, a bad value, no
//     token) must not be answered with a success (2xx), since the server
//     then serves something the document says it does not.
//
// Requests to a path or method the document does not have are not checked
// here: CheckRoutes holds the routes to the document. A mismatch fails the
// test with t.Errorf, until Stop. A Checker is safe for concurrent use.
type Checker struct {
	router routers.Router

	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

// NewChecker returns a Checker of the OpenAPI document doc that reports
// to t; it stops when t's test ends.
func NewChecker(t testing.TB, doc []byte) *Checker {
	t.Helper()
	loader := openapi3.NewLoader()
	spec, err := loader.LoadFromData(doc)
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	router, err := legacy.NewRouter(spec)
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	c := &Checker{router: router, t: t}
	t.Cleanup(c.Stop)
	return c
}

// Stop ends the reports; exchanges still in flight are no longer checked.
func (c *Checker) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
}

func (c *Checker) report(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped {
		c.t.Errorf("openapitest: %v", err)
	}
}

// Check checks one exchange: r (whose body has been read into reqBody)
// answered with status, header and body.
func (c *Checker) Check(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	if err := c.check(r, reqBody, status, header, body); err != nil {
		c.report(err)
	}
}

func (c *Checker) check(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	r = r.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		return nil // not documented: CheckRoutes' business
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: authenticate, MultiError: true},
	}
	what := fmt.Sprintf("%s %s answered %d", r.Method, r.URL.RequestURI(), status)
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && status < 300 {
		return fmt.Errorf("%s, yet the document refuses the request: %v", what, err)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%s, which the document does not allow: %v\nbody: %.500s", what, err, body)
	}
	return nil
}

// authenticate tells the validator whether a request carries the
// credential a security scheme names; whether the credential is good is
// the server's business.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r, s := in.RequestValidationInput.Request, in.SecurityScheme
	switch {
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return nil
		}
	case s.Type == "apiKey" && s.In == "cookie":
		if _, err := r.Cookie(s.Name); err == nil {
			return nil
		}
	}
	return errors.New("no " + in.SecuritySchemeName + " credential")
}

// Handler returns next with every exchange checked.
func (c *Checker) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqBody, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		c.Check(r, reqBody, rec.status, w.Header().Clone(), rec.body.Bytes())
	})
}

// recorder passes an answer on and keeps a copy of its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// Transport returns a RoundTripper that sends through next (nil means
// http.DefaultTransport) and checks every exchange.
func (c *Checker) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		var reqBody []byte
		if r.Body != nil {
			var err error
			if reqBody, err = io.ReadAll(r.Body); err != nil {
				return nil, err
			}
			r.Body.Close()
			r = r.Clone(r.Context())
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		res, err := next.RoundTrip(r)
		if err != nil {
			return res, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return res, nil // the caller sees the short body; nothing to check
		}
		c.Check(r, reqBody, res.StatusCode, res.Header, body)
		return res, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
