package web

import "net/http"

// accessEntry is what the handlers under AccessLog tell it about a
// request: the route pattern the mux matched (the request AccessLog holds
// is not the one the mux sees, since middleware in between copies it) and
// whether the route is Quiet.
type accessEntry struct {
	route string
	quiet bool
}

type accessKey struct{}

// noteRoute tells AccessLog the pattern that matched r.
func noteRoute(r *http.Request, pattern string) {
	if e, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
		e.route = pattern
	}
}

// Quiet marks a route polled by machines (health checks, the API's
// revocation polls, metrics scrapes): AccessLog logs its successful
// requests at DEBUG, so they don't fill the log with a line a second.
// Failures stay at INFO.
func Quiet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
			e.quiet = true
		}
		next.ServeHTTP(w, r)
	})
}
