package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/invalid"
)

// Problem is an RFC 9457 problem details object. Code is a stable,
// machine-readable name clients can switch on.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Code   string       `json:"code,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError names one invalid input field in a 422 answer.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// WriteProblem writes p as application/problem+json with p.Status.
func WriteProblem(w http.ResponseWriter, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Fail writes a problem with the given status, stable code and public detail.
func Fail(w http.ResponseWriter, status int, code, detail string) {
	WriteProblem(w, Problem{Status: status, Code: code, Detail: detail})
}

// Invalid writes a 422 listing each field's problem, sorted by field name.
func Invalid(w http.ResponseWriter, fields map[string]string) {
	errs := make([]FieldError, 0, len(fields))
	for f, m := range fields {
		errs = append(errs, FieldError{Field: f, Message: m})
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	detail := "the request has invalid fields"
	if len(errs) == 1 {
		detail = errs[0].Field + ": " + errs[0].Message
	}
	WriteProblem(w, Problem{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Detail: detail, Errors: errs})
}

// kindStatus is the one table from the kinds of domain error to HTTP
// statuses. A kind missing here (fault.Internal above all) is a 500.
var kindStatus = map[fault.Kind]int{
	fault.Invalid:         http.StatusBadRequest,
	fault.Unauthenticated: http.StatusUnauthorized,
	fault.Forbidden:       http.StatusForbidden,
	fault.NotFound:        http.StatusNotFound,
	fault.Conflict:        http.StatusConflict,
	fault.Locked:          http.StatusLocked,
	fault.TooManyRequests: http.StatusTooManyRequests,
	fault.Unavailable:     http.StatusServiceUnavailable,
}

// Error answers err as a problem. A decoding error, an *invalid.Error (422)
// and a *fault.Error of a kind in kindStatus get their own status and only
// their public text, never that of what wraps them; a store that cannot be
// reached is a 503 database_unavailable (storeUnreachable); anything else is a 500
// whose cause is logged through Logger (with the request ID) and never
// sent. Handler calls it; few others need to.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ve *invalid.Error // auth.ValidationError and tasks.ValidationError alike
		de *DecodeError
		fe *fault.Error
	)
	switch {
	case errors.As(err, &ve):
		Invalid(w, ve.Fields)
		return
	case errors.As(err, &de):
		if de.Fields != nil {
			Invalid(w, de.Fields)
			return
		}
		Fail(w, de.Status, de.Code, de.Detail)
		return
	case errors.As(err, &fe):
		if status, ok := kindStatus[fe.Kind]; ok {
			writeFault(w, status, fe)
			return
		}
	case storeUnreachable(err):
		Logger(r.Context()).WarnContext(r.Context(), "store unreachable", "err", err, "method", r.Method, "path", r.URL.Path)
		failUnavailable(w)
		return
	}
	if ctxErr := r.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		// The client hung up (a closed tab, a load generator stopping):
		// nothing is wrong with the server, and under load these would
		// flood the log at ERROR and the metrics with 500s. The status is
		// nginx's 499, which no client reads: the access log and
		// bizy_http_requests_total then tell hang-ups from failures.
		Logger(r.Context()).DebugContext(r.Context(), "client closed the request", "err", err, "method", r.Method, "path", r.URL.Path)
		w.WriteHeader(StatusClientClosedRequest)
		return
	}
	Logger(r.Context()).ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path)
	Fail(w, http.StatusInternalServerError, "internal_error", "internal error")
}

// StatusClientClosedRequest is the status recorded, as nginx records it,
// for a request whose client hung up before its answer was ready.
const StatusClientClosedRequest = 499

// writeFault answers a domain error with its public text: the field it
// names, if any, goes in errors too, and a known wait in Retry-After.
func writeFault(w http.ResponseWriter, status int, e *fault.Error) {
	p := Problem{Status: status, Code: e.Code, Detail: e.Error()}
	if e.Field != "" {
		p.Errors = []FieldError{{Field: e.Field, Message: e.Message}}
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	WriteProblem(w, p)
}

// NotFound answers 404 for a path no route matches.
func NotFound(w http.ResponseWriter, _ *http.Request) {
	Fail(w, http.StatusNotFound, "not_found", "no such resource")
}

// Routes wraps mux so the answers it makes itself, 404 for an unknown path
// and 405 for a known path with another method, are problem details too.
// The mux matches each request once: ServeMux.ServeHTTP records the pattern
// it matched in r.Pattern before it calls the handler, "" for its own
// answers, so the writer it is given can tell those apart as they are
// written and keep them (routeWriter). That reading is taken at the first
// write and kept, so mux must be the outermost ServeMux: a handler that
// passed the same request to another one, which rewrites r.Pattern, could
// have its answer taken for mux's own.
func Routes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rw *routeWriter
		if ri := infoOf(r.Context()); ri != nil && !ri.routing {
			ri.routing = true
			rw = &ri.routes
		} else {
			rw = new(routeWriter)
		}
		*rw = routeWriter{ResponseWriter: w, r: r}
		mux.ServeHTTP(rw, r)
		noteRoute(r, r.Pattern)
		if !rw.own() {
			return
		}
		switch rw.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rw.header.Get("Allow"))
			Fail(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on this path")
		case http.StatusNotFound, 0:
			NotFound(w, r)
		default: // a redirect that cleans the path: pass it through
			for k, v := range rw.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rw.status)
		}
	})
}

// routeWriter is the writer Routes gives the mux. A route's handler writes
// through it to the client; the mux's own answer (no pattern matched) is
// only recorded, its status and headers, for Routes to answer in its place.
type routeWriter struct {
	http.ResponseWriter
	r      *http.Request
	header http.Header // the mux's own answer's
	status int         // the mux's own answer's
	// whose is 0 until own first looks at r.Pattern, then ownAnswer or
	// routeAnswer.
	whose int8
}

const (
	ownAnswer = 1 + iota
	routeAnswer
)

// own reports whether the mux is answering itself; the mux sets r.Pattern
// before any handler writes.
func (rw *routeWriter) own() bool {
	if rw.whose == 0 {
		rw.whose = routeAnswer
		if rw.r.Pattern == "" {
			rw.whose = ownAnswer
		}
	}
	return rw.whose == ownAnswer
}

func (rw *routeWriter) Header() http.Header {
	if !rw.own() {
		return rw.ResponseWriter.Header()
	}
	if rw.header == nil {
		rw.header = http.Header{}
	}
	return rw.header
}

func (rw *routeWriter) WriteHeader(code int) {
	if !rw.own() {
		rw.ResponseWriter.WriteHeader(code)
		return
	}
	if rw.status == 0 {
		rw.status = code
	}
}

func (rw *routeWriter) Write(b []byte) (int, error) {
	if !rw.own() {
		return rw.ResponseWriter.Write(b)
	}
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	return len(b), nil
}

func (rw *routeWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }
