package ratelimit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// SetHeaders puts a decision's header fields on w, to be called on every
// response of a limited route before its status is written. They follow
// draft-ietf-httpapi-ratelimit-headers-11 (May 2026), sections 3 and 4:
//
//	RateLimit-Policy: "login";q=30;w=300
//	RateLimit: "login";r=29;t=10
//
// q and w are the budget's N and window in seconds; r is Remaining. t, the
// "effective window" within which the client can use no more than r, is
// the time until the budget is whole again, rounded up, which errs on the
// safe side (the budget refills evenly, so more may fit sooner); on a
// refusal it is the Retry-After value instead, since section 6 asks that
// Retry-After not point earlier than the end of the effective window. A
// refusal also gets Retry-After in whole seconds, at least 1. An Off
// budget gets no fields at all.
func SetHeaders(w http.ResponseWriter, d Decision) {
	if d.Rate.Off() {
		return
	}
	h := w.Header()
	name := strconv.Quote(string(d.Budget)) // an sf-string; budget names are plain ASCII
	h.Set("RateLimit-Policy", fmt.Sprintf("%s;q=%d;w=%d", name, d.Rate.N, int64(d.Rate.Window/time.Second)))
	t := seconds(d.ResetAfter, 0)
	if !d.Allowed {
		t = RetryAfterSeconds(d)
		h.Set("Retry-After", strconv.FormatInt(t, 10))
	}
	h.Set("RateLimit", fmt.Sprintf("%s;r=%d;t=%d", name, max(d.Remaining, 0), t))
}

// RetryAfterSeconds returns the Retry-After value of a refused decision:
// its RetryAfter in whole seconds, rounded up, and at least 1, so a client
// that waits that long finds room.
func RetryAfterSeconds(d Decision) int64 { return seconds(d.RetryAfter, 1) }

// seconds rounds d up to whole seconds, and to at least least.
func seconds(d time.Duration, least int64) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, least)
}

// problem has the JSON form of web.Problem (RFC 9457 plus a stable code),
// which this package does not import: web is the HTTP layer that calls it.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code,omitempty"`
}

// WriteLimited answers a refused request: the header fields of SetHeaders
// (Retry-After among them), then 429 with an application/problem+json body
// whose code is "rate_limited", as web.WriteProblem would write it.
func WriteLimited(w http.ResponseWriter, d Decision) {
	SetHeaders(w, d)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(problem{
		Type:   "about:blank",
		Title:  http.StatusText(http.StatusTooManyRequests),
		Status: http.StatusTooManyRequests,
		Detail: fmt.Sprintf("too many requests; try again in %d s", RetryAfterSeconds(d)),
		Code:   "rate_limited",
	})
}

// Limit returns middleware that counts each request against budget b
// under key(r) (typically IPKey of the client IP). A request that fits goes
// on to next with the header fields set; one that does not is answered by
// WriteLimited, after refused is called (when not nil) so the caller can
// record the security event. It suits JSON routes; a page calls Allow and
// SetHeaders itself and renders its own 429.
func Limit(lim Limiter, b Budget, key func(*http.Request) string, refused func(*http.Request, Decision)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := lim.Allow(r.Context(), b, key(r))
			if !d.Allowed {
				if refused != nil {
					refused(r, d)
				}
				WriteLimited(w, d)
				return
			}
			SetHeaders(w, d)
			next.ServeHTTP(w, r)
		})
	}
}
