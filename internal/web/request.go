package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/token"
)

// The facts about a request that middleware resolves once and handlers
// read through one accessor each: the logger (RequestID), the client
// (ResolveClient) and the caller's claims (token.Verifier.Middleware).
// Each accessor fails closed: a missing value, a route wired without its
// middleware, is an error answered as a problem, never a zero value a
// handler could act on.

// Logger returns the logger RequestID put in ctx, which names the request
// ID on every line logged with ctx; slog.Default() outside a request.
func Logger(ctx context.Context) *slog.Logger {
	if ri := infoOf(ctx); ri != nil {
		return ri.log
	}
	return slog.Default()
}

// Client is who sent a request, as the servers record it in security
// events and pass it on to the auth service.
type Client struct {
	// IP is the address behind the trusted proxies (ClientIP), or "" when
	// the peer address does not parse.
	IP string
	// UserAgent is the User-Agent header cleaned by input.UserAgent: valid
	// UTF-8 without control characters, at most input.UserAgentMaxBytes.
	UserAgent string
}

type clientKey struct{}

// ResolveClient works out the Client of each request once, believing
// X-Forwarded-For only from the trusted proxies, and puts it in the
// request's context for ClientOf. Under RequestID it keeps what the client
// is worked out from (the peer address and the two headers, as the
// request had them) and works it out on the first ClientOf: most requests
// to the API (a token check, a task list) never ask.
func ResolveClient(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		src := clientSource{remote: r.RemoteAddr, userAgent: firstValue(r.Header["User-Agent"]),
			forwarded: r.Header["X-Forwarded-For"], trusted: trusted}
		if ri := infoOf(r.Context()); ri != nil && !ri.hasClient {
			ri.clientSrc, ri.hasClient = src, true
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, src.resolve())))
	})
}

// clientSource is what ResolveClient works a Client out from.
type clientSource struct {
	remote, userAgent string
	forwarded         []string // X-Forwarded-For's values
	trusted           []netip.Prefix
}

func (s *clientSource) resolve() Client {
	c := Client{UserAgent: input.UserAgent(s.userAgent)}
	if ip := clientIP(s.remote, s.forwarded, s.trusted); ip.IsValid() {
		c.IP = ip.String()
	}
	return c
}

// firstValue is Header.Get for a key already in canonical form.
func firstValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// errNoClient is a route served without ResolveClient: a wiring mistake,
// answered as a 500 rather than recording the wrong client.
var errNoClient = errors.New("web: no client in the request context; the route is not wrapped in web.ResolveClient")

// ClientOf returns the Client ResolveClient stored for r. Without one it
// returns an error that Error answers as a 500.
func ClientOf(r *http.Request) (Client, error) {
	// A client in a context of its own is from a ResolveClient inside the
	// one that filled the requestInfo.
	if c, ok := r.Context().Value(clientKey{}).(Client); ok {
		return c, nil
	}
	if ri := infoOf(r.Context()); ri != nil && ri.hasClient {
		// Once: a handler may ask from goroutines of its own.
		ri.clientOnce.Do(func() { ri.client = ri.clientSrc.resolve() })
		return ri.client, nil
	}
	return Client{}, errNoClient
}

// errNoClaims answers a route that needs a caller but got none.
var errNoClaims = fault.New(fault.Unauthenticated, "unauthenticated", "authentication required")

// ClaimsOf returns the claims of the bearer token the token middleware
// accepted for r. Without claims (a route wired without the middleware) it
// logs the mistake and returns an error that Error answers as a 401
// problem coded unauthenticated, so a wiring mistake fails closed.
func ClaimsOf(r *http.Request) (*token.Claims, error) {
	// Claims in a context of their own are from a token middleware inside
	// the one that filled the requestInfo (PassClaims).
	c, ok := token.FromContext(r.Context())
	if !ok {
		if ri := infoOf(r.Context()); ri != nil && ri.claims != nil {
			c, ok = ri.claims, true
		}
	}
	if !ok || c.UserID == "" {
		Logger(r.Context()).ErrorContext(r.Context(), "route needs a caller but has no token claims",
			"method", r.Method, "path", r.URL.Path)
		return nil, errNoClaims
	}
	return c, nil
}

// PassClaims is the token.PassClaims option that keeps the verified claims
// in the requestInfo RequestID made, for ClaimsOf, instead of a copy of the
// request. Without a requestInfo, or with its claims taken (a second token
// middleware), r is copied with a context holding them, as
// token.Verifier.Middleware does by default.
var PassClaims = token.PassClaims(passClaims)

func passClaims(r *http.Request, c *token.Claims) *http.Request {
	if ri := infoOf(r.Context()); ri != nil && ri.claims == nil {
		ri.claims = c
		return r
	}
	return r.WithContext(token.NewContext(r.Context(), c))
}
