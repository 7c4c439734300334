package apiserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/web"
)

// authPrefix is where the API mounts the auth service's routes.
const authPrefix = "/api/auth"

// maxAuthResponse bounds what the API buffers of an auth service answer.
// Its answers are small JSON documents and one HTML page; buffering the
// whole answer lets a failure half-way through become a clean 503 rather
// than a truncated 200.
const maxAuthResponse = 1 << 20

// forwardHeaders are the request headers passed on to the auth service.
// Anything else (cookies, hop-by-hop headers, a client's own
// X-Forwarded-For) stays behind; only the pages (pageRoute) take cookies.
var forwardHeaders = []string{"Content-Type", "Authorization", "Accept"}

// returnHeaders are the auth service's response headers passed back to the
// client. The API sets its own security headers and request ID, but the
// auth service's Content-Security-Policy replaces the API's: it is the same
// strict policy on every JSON answer, and the pages' own on theirs. The
// rate-limit fields go back with Retry-After, so a client of the API sees
// its budget as the auth service counts it.
var returnHeaders = []string{"Content-Type", "Retry-After", "WWW-Authenticate", "Cache-Control", "Location",
	"Content-Security-Policy", "RateLimit-Policy", "RateLimit"}

// errNoAuthURL is why every proxied call fails when AuthServerURL is unusable.
var errNoAuthURL = errors.New("AUTH_SERVER_URL is not an http(s) URL")

// authClient makes the API's calls to the auth service. It is safe for
// concurrent use.
type authClient struct {
	base    *url.URL // nil when AuthServerURL is unusable
	client  *http.Client
	timeout time.Duration
}

func newAuthClient(log *slog.Logger, cfg Config) *authClient {
	c := &authClient{timeout: cfg.ProxyTimeout}
	u, err := url.Parse(cfg.AuthServerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		log.Error("proxied auth calls will answer 503", "err", errNoAuthURL, "url", cfg.AuthServerURL)
	} else {
		c.base = u
	}
	if cfg.HTTPClient != nil {
		cl := *cfg.HTTPClient
		c.client = &cl
	} else {
		c.client = &http.Client{Transport: newTransport(cfg.ProxyTimeout)}
	}
	// A redirect from the auth service is the client's to follow: it passes
	// back with its Location, as every other answer does.
	c.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// newRequest builds a request for path (starting with "/") on the auth
// service; ctx should carry a deadline. path is taken as escaped, as the
// client sent it: an escaped "/" or "." stays escaped, so the auth service
// sees the same path segments the API routed on and can't be steered to
// another of its routes (by "..%2F" becoming "../" and being cleaned).
func (c *authClient) newRequest(ctx context.Context, method, escapedPath, rawQuery string, body []byte) (*http.Request, error) {
	if c.base == nil {
		return nil, errNoAuthURL
	}
	u := *c.base
	raw := strings.TrimSuffix(c.base.EscapedPath(), "/") + escapedPath
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, err
	}
	u.Path, u.RawPath = p, raw
	u.RawQuery = rawQuery
	return http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
}

// do sends req and returns the status, headers and body of the answer, read
// in full (up to maxAuthResponse) so that the deadline covers the body too.
func (c *authClient) do(req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAuthResponse+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read auth service answer: %w", err)
	}
	if len(body) > maxAuthResponse {
		return nil, nil, fmt.Errorf("auth service answer larger than %d bytes", maxAuthResponse)
	}
	return resp, body, nil
}

// handleProxy forwards the request to the same path without /api/auth on
// the auth service (escaped as the client sent it) and passes its answer back unchanged: status, body and
// returnHeaders. The client's address, as the API sees it behind its own
// trusted proxies, goes on in X-Forwarded-For; the auth service believes it
// because the API is one of its trusted proxies. When the auth service does
// not answer within the proxy timeout, or refuses the connection, the
// answer is a 503 problem with code auth_unavailable.
func handleProxy(c *authClient) web.Handler {
	return proxyTo(c, proxyRoute{path: authPath, forward: forwardHeaders, back: returnHeaders})
}

// proxyRoute says how a family of routes reaches the auth service: the
// auth service's path for a request's escaped path, the request headers
// passed on and the response headers passed back.
type proxyRoute struct {
	path          func(escapedPath string) string
	forward, back []string
}

// proxyTo is handleProxy for any proxyRoute.
func proxyTo(c *authClient, route proxyRoute) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		client, err := web.ClientOf(r)
		if err != nil {
			return err
		}
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(r.Context(), c.timeout)
		defer cancel()
		req, err := c.newRequest(ctx, r.Method, route.path(r.URL.EscapedPath()), r.URL.RawQuery, body)
		if err != nil {
			return authUnavailable(r, err)
		}
		for _, k := range route.forward {
			if v := r.Header.Values(k); len(v) > 0 {
				req.Header[k] = v
			}
		}
		// Set even when empty, so Go's own User-Agent does not stand in for
		// the client's in the auth service's security events.
		req.Header.Set("User-Agent", client.UserAgent)
		req.Header.Set("X-Request-ID", web.RequestIDFromContext(r.Context()))
		if client.IP != "" {
			req.Header.Set("X-Forwarded-For", client.IP)
		}
		resp, respBody, err := c.do(req)
		if err != nil {
			return authUnavailable(r, err)
		}
		h := w.Header()
		for _, k := range route.back {
			if v := resp.Header.Values(k); len(v) > 0 {
				h[http.CanonicalHeaderKey(k)] = v
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(respBody)
		return nil
	}
}

// authPath is the escaped path p of a request routed under /api/auth without
// those first two segments, however the client escaped them: "/api/auth/x"
// gives "/x".
func authPath(p string) string {
	for range strings.Count(authPrefix, "/") {
		i := -1
		if p != "" {
			i = strings.IndexByte(p[1:], '/')
		}
		if i < 0 {
			return "/"
		}
		p = p[1+i:]
	}
	return p
}

// readBody reads the request body, bounded by web.MaxBodyBytes so the API
// never buffers more than the auth service would accept.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, &web.DecodeError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Detail: fmt.Sprintf("request body is larger than %d bytes", web.MaxBodyBytes)}
	case err != nil:
		return nil, &web.DecodeError{Status: http.StatusBadRequest, Code: "bad_body", Detail: "could not read the request body"}
	}
	return b, nil
}

// errAuthUnavailable answers a proxied call the auth service did not
// answer in time.
var errAuthUnavailable = fault.New(fault.Unavailable, "auth_unavailable", "the auth service is unavailable; try again shortly")

// authUnavailable logs a call the auth service did not answer and returns
// errAuthUnavailable. For a client that went away it returns nil, having
// only logged: nobody is left to read a problem.
func authUnavailable(r *http.Request, err error) error {
	log := web.Logger(r.Context())
	if r.Context().Err() != nil {
		log.DebugContext(r.Context(), "client gone during auth call", "err", err)
		return nil
	}
	log.WarnContext(r.Context(), "auth service unavailable", "err", err, "path", r.URL.Path)
	return errAuthUnavailable
}
