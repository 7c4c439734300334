package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultUserAgent is the User-Agent sent when Config.UserAgent is empty.
// The auth service records it with each session and security event.
const DefaultUserAgent = "bizy-go-client/1"

// DefaultMaxResponseBytes bounds the body of an answer when
// Config.MaxResponseBytes is zero. A page of 100 tasks with the longest
// descriptions fits in it with room to spare.
const DefaultMaxResponseBytes = 8 << 20

// DefaultTimeout bounds each request, body included, when Config.HTTPClient
// is nil.
const DefaultTimeout = 30 * time.Second

// Config describes where the Bizy services are and how to reach them. At
// least one of APIURL and AuthURL must be set.
type Config struct {
	// APIURL is the base URL of the Bizy API, such as
	// "http://localhost:8000"; a path in it is kept as a prefix. Tasks,
	// goals, admin stats, VerifyToken and AuthServerHealth need it. Without
	// AuthURL, the auth calls go through the API too, under /api/auth/.
	APIURL string
	// AuthURL is the base URL of the auth service itself, such as
	// "http://auth:4567", for a service that reaches it directly. When set,
	// the auth calls (Register, Login, Profile, ...) go to it at its own
	// paths (/login rather than /api/auth/login), and the admin calls on
	// users and events become available: the API does not pass those on.
	AuthURL string
	// HTTPClient sends the requests; nil means a client with
	// DefaultTimeout. Its Timeout and Transport apply as usual; every
	// request also carries the context given to the method.
	HTTPClient *http.Client
	// UserAgent is sent with every request; "" means DefaultUserAgent.
	UserAgent string
	// MaxResponseBytes bounds how much of an answer's body is read; a
	// larger successful answer fails with ErrResponseTooLarge. Zero means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// OnTokens, when set, is called with the new tokens each time a Client
	// made by WithTokens refreshes its own. Refresh tokens work once, so a
	// program that keeps them (in a file, a database) must save these.
	// Calls come one at a time, in the order of the refreshes, from the
	// goroutine that refreshed; OnTokens must not call back into the
	// Client that made them.
	OnTokens func(Tokens)
}

// Client calls the Bizy API and the auth service. It is safe for
// concurrent use by multiple goroutines. A Client from New holds no token:
// it can register, log in and do the other calls that need none. One from
// WithTokens sends an access token with every call that needs it.
type Client struct {
	cfg  *settings
	sess *session // nil: no token
}

// settings are a Client's Config, checked and with the defaults filled in.
// Clients made from one another share them; they never change.
type settings struct {
	api, auth *url.URL // nil when not configured
	http      *http.Client
	userAgent string
	maxBytes  int64
	onTokens  func(Tokens)
}

// New returns a Client for the services cfg names. It returns an error if
// neither URL is set or one is not an absolute http or https URL without a
// query or fragment. New sends no request.
func New(cfg Config) (*Client, error) {
	if cfg.APIURL == "" && cfg.AuthURL == "" {
		return nil, errors.New("bizy: Config needs APIURL or AuthURL")
	}
	s := &settings{http: cfg.HTTPClient, userAgent: cfg.UserAgent, maxBytes: cfg.MaxResponseBytes, onTokens: cfg.OnTokens}
	var err error
	if s.api, err = parseBase("APIURL", cfg.APIURL); err != nil {
		return nil, err
	}
	if s.auth, err = parseBase("AuthURL", cfg.AuthURL); err != nil {
		return nil, err
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: DefaultTimeout}
	}
	if s.userAgent == "" {
		s.userAgent = DefaultUserAgent
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxResponseBytes
	}
	return &Client{cfg: s}, nil
}

// parseBase checks one base URL of Config; "" gives nil.
func parseBase(name, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("bizy: Config.%s %q: want an absolute http(s) URL without query or fragment", name, raw)
	}
	return u, nil
}

// WithTokens returns a Client that shares c's configuration and sends
// t.AccessToken with every call that needs a token. When t.RefreshToken is
// set, the new Client also refreshes: a call answered 401 makes it present
// the refresh token once, keep the tokens it gets (see Config.OnTokens) and
// repeat the call once with the new access token. Concurrent calls that
// meet the same 401 share one refresh. If the refresh is refused, the call
// returns that *Error (401, CodeInvalidRefreshToken) and the refresh token
// is dropped. The new Client holds its own tokens: c is unchanged.
func (c *Client) WithTokens(t Tokens) *Client {
	return &Client{cfg: c.cfg, sess: newSession(t, c.cfg.onTokens)}
}

// Tokens returns the tokens c holds now: those given to WithTokens, or the
// ones its last refresh got. It returns the zero Tokens for a Client from
// New and after Logout.
func (c *Client) Tokens() Tokens {
	if c.sess == nil {
		return Tokens{}
	}
	return c.sess.get()
}

// base says which service a call goes to.
type base int

const (
	toAuth        base = iota // the auth service, directly or through the API
	toAPI                     // the API only
	toAuthService             // the auth service only (admin calls)
)

// call is one request: method, service, escaped path below that service's
// own root, query, and a body to send as JSON (nil for none).
type call struct {
	method string
	to     base
	path   string
	query  url.Values
	body   any
	bearer bool // send the access token (and refresh on 401)
}

// url resolves k against the configured bases, or returns ErrNoAPIURL or
// ErrNoAuthURL.
func (c *Client) url(k call) (*url.URL, error) {
	b, p := c.cfg.api, k.path
	switch k.to {
	case toAuth:
		if c.cfg.auth != nil {
			b = c.cfg.auth
		} else {
			p = "/api/auth" + p
		}
	case toAPI:
		if b == nil {
			return nil, ErrNoAPIURL
		}
	case toAuthService:
		if b = c.cfg.auth; b == nil {
			return nil, ErrNoAuthURL
		}
	}
	u := *b
	u.RawPath = strings.TrimSuffix(b.EscapedPath(), "/") + p
	var err error
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return nil, err
	}
	u.RawQuery = k.query.Encode()
	return &u, nil
}

// do sends k and decodes a successful answer's JSON into out (when not
// nil). For a call with bearer set it sends the held access token, and on
// a 401 refreshes once, as WithTokens describes.
func (c *Client) do(ctx context.Context, k call, out any) error {
	op := k.method + " " + k.path
	var body []byte
	if k.body != nil {
		var err error
		if body, err = json.Marshal(k.body); err != nil {
			return opError(op, err)
		}
	}
	if !k.bearer {
		return c.roundTrip(ctx, k, body, "", out)
	}
	if c.sess == nil {
		return ErrNoToken
	}
	tok := c.sess.get().AccessToken
	if tok == "" {
		return ErrNoToken
	}
	err := c.roundTrip(ctx, k, body, tok, out)
	if !isStatus(err, http.StatusUnauthorized) {
		return err
	}
	t, rerr := c.sess.rotate(ctx, tok, "", c.refresh)
	if errors.Is(rerr, errNoRefresh) {
		return err // none given, or another call's refresh was refused
	}
	if rerr != nil {
		return rerr
	}
	return c.roundTrip(ctx, k, body, t.AccessToken, out)
}

// roundTrip makes one request and reads its answer, bounded.
func (c *Client) roundTrip(ctx context.Context, k call, body []byte, bearer string, out any) error {
	u, err := c.url(k)
	if err != nil {
		return err
	}
	op := k.method + " " + u.Path
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), r)
	if err != nil {
		return opError(op, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.cfg.http.Do(req)
	if err != nil {
		return err // *url.Error already names the method and URL
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, problemLimit))
		return newError(op, resp, b, time.Now())
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.maxBytes+1))
	if err != nil {
		return opError(op, err)
	}
	if int64(len(b)) > c.cfg.maxBytes {
		return opError(op, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, c.cfg.maxBytes))
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return opError(op, fmt.Errorf("decode answer: %w", err))
	}
	return nil
}

// pathID escapes an id for use as one path segment. It refuses "", "." and
// "..", which would name another resource once the path is cleaned.
func pathID(id string) (string, error) {
	if id == "" || id == "." || id == ".." {
		return "", fmt.Errorf("bizy: invalid id %q", id)
	}
	return "/" + url.PathEscape(id), nil
}
