package apiserver

import (
	"net/http"

	"github.com/bizy-auth/bizy/internal/web"
)

// CORS answers. Credentials are never allowed: the API authenticates with
// bearer tokens, not cookies, so a browser has nothing ambient to send.
const (
	corsAllowMethods  = "GET, POST, PATCH, DELETE, OPTIONS"
	corsAllowHeaders  = "Authorization, Content-Type, X-Request-ID"
	corsExposeHeaders = "X-Request-ID, Retry-After, RateLimit-Policy, RateLimit"
	corsMaxAge        = "600"
)

// cors lets the allowed origins (exact matches) call the API from a
// browser. A preflight from an allowed origin gets 204 with the methods and
// headers the API accepts; a preflight from any other origin gets a 403
// problem without CORS headers, which the browser reports as a CORS failure
// and a person with curl can read. Other requests pass through, and those
// from an allowed origin get Access-Control-Allow-Origin naming it, never
// "*".
//
// Every answer varies by Origin, whether or not the request carried one, so
// a shared cache never serves an answer made for one origin (or none) to
// another.
//
// The header values are shared by every answer, one slice per allowed
// origin made here, rather than allocated by Header.Set on each request.
// Their length equals their capacity, so a later Header.Add copies instead
// of writing into them.
func cors(origins []string, next http.Handler) http.Handler {
	allowed := make(map[string][]string, len(origins))
	for _, o := range origins {
		allowed[o] = []string{o}
	}
	var (
		varyOrigin    = []string{"Origin"}
		allowMethods  = []string{corsAllowMethods}
		allowHeaders  = []string{corsAllowHeaders}
		exposeHeaders = []string{corsExposeHeaders}
		maxAge        = []string{corsMaxAge}
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if len(h["Vary"]) == 0 {
			h["Vary"] = varyOrigin
		} else {
			h.Add("Vary", "Origin")
		}
		var origin string // Header.Get("Origin") without canonicalizing the key each time
		if vs := r.Header["Origin"]; len(vs) > 0 {
			origin = vs[0]
		}
		var allowOrigin []string
		if origin != "" {
			allowOrigin = allowed[origin]
		}
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowOrigin == nil {
				web.Fail(w, http.StatusForbidden, "origin_not_allowed", "this origin may not call the API from a browser")
				return
			}
			h["Access-Control-Allow-Origin"] = allowOrigin
			h["Access-Control-Allow-Methods"] = allowMethods
			h["Access-Control-Allow-Headers"] = allowHeaders
			h["Access-Control-Max-Age"] = maxAge
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowOrigin != nil {
			h["Access-Control-Allow-Origin"] = allowOrigin
			h["Access-Control-Expose-Headers"] = exposeHeaders
		}
		next.ServeHTTP(w, r)
	})
}
