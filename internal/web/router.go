package web

import "net/http"

// Router is what a server registers its routes on: an *http.ServeMux in
// production, and in tests a recorder that lists the patterns, so the
// served routes can be compared with the OpenAPI documents.
type Router interface {
	Handle(pattern string, handler http.Handler)
}
