package web

import "net/http"

// Handler is the one shape of a Bizy handler: it decodes, makes one
// service call and writes the answer, and returns any error instead of
// writing it. ServeHTTP answers a returned error once, as Error does: a
// problem with the error's status and public text, or a 500 whose cause is
// logged through the request's context logger (with its request_id). A
// handler that has started writing must not return an error.
type Handler func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP calls h and answers the error it returns, if any.
func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		Error(w, r, err)
	}
}
