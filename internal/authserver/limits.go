package authserver

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/web"
)

// limits applies the rate limits of SPEC's Protection section per client
// IP, to the JSON routes (route) and to the pages (as their
// pages.Limiter), so each budget counts every path that reaches it alike.
// Every refusal is a rate_limited security event, with the client and the
// budget, and is counted by the limiter (bizy_ratelimit_denied_total).
type limits struct {
	lim ratelimit.Limiter // nil: no limits at all
	svc *auth.Service
}

// route spends one unit of budget b for the client's IP before h runs,
// and answers 429 rate_limited with Retry-After past it; every answer of
// the route carries the RateLimit-Policy and RateLimit fields. Without a
// limiter it returns h.
func (l limits) route(b ratelimit.Budget, h http.Handler) http.Handler {
	if l.lim == nil {
		return h
	}
	return ratelimit.Limit(l.lim, b, func(r *http.Request) string {
		c, _ := web.ClientOf(r) // fails only on a wiring mistake; "" is then one shared key
		return ipKey(c.IP)
	}, l.refused)(h)
}

// refused records a refusal as a security event.
func (l limits) refused(r *http.Request, d ratelimit.Decision) {
	c, _ := client(r)
	l.svc.RecordRateLimited(r.Context(), string(d.Budget), c)
}

// Allow is the pages' pages.Limiter: it spends one unit of budget for the
// client IP key, sets the same header fields as route on w, and records a
// refusal as route does. It never fails.
func (l limits) Allow(w http.ResponseWriter, r *http.Request, budget, key string) (bool, time.Duration, error) {
	d := l.lim.Allow(r.Context(), ratelimit.Budget(budget), ipKey(key))
	ratelimit.SetHeaders(w, d)
	if !d.Allowed {
		l.refused(r, d)
	}
	return d.Allowed, d.RetryAfter, nil
}

// ipKey is the key a client IP is counted under (ratelimit.IPKey: an IPv6
// client by its /64). An address that does not parse, which the client
// resolution leaves empty, is counted as itself.
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	return ratelimit.IPKey(a)
}
