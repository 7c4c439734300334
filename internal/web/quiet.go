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

// entryOf returns the accessEntry of the innermost AccessLog serving r, or
// nil: one in a context of its own (accessKey) is inner to the one in the
// requestInfo, which AccessLog fills first.
func entryOf(r *http.Request) *accessEntry {
	if e, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
		return e
	}
	if ri := infoOf(r.Context()); ri != nil && ri.logging {
		return &ri.access
	}
	return nil
}

// noteRoute tells AccessLog the pattern that matched r.
func noteRoute(r *http.Request, pattern string) {
	if e := entryOf(r); e != nil {
		e.route = pattern
	}
}

// Quiet marks a route polled by machines (health checks, the API's
// revocation polls, metrics scrapes): AccessLog logs its successful
// requests at DEBUG, so they don't fill the log with a line a second.
// Failures stay at INFO.
func Quiet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := entryOf(r); e != nil {
			e.quiet = true
		}
		next.ServeHTTP(w, r)
	})
}
