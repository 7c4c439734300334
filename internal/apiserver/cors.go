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
func cors(origins []string, next http.Handler) http.Handler {
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		ok := origin != "" && allowed[origin]
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			if !ok {
				web.Fail(w, http.StatusForbidden, "origin_not_allowed", "this origin may not call the API from a browser")
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if ok {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		next.ServeHTTP(w, r)
	})
}
