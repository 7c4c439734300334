package web

import (
	"encoding/json"
	"errors"
	"log/slog"
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
	level := slog.LevelError
	if ctxErr := r.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		// The client hung up (a closed tab, a load generator stopping):
		// nothing is wrong with the server, and under load these would
		// flood the log at ERROR. The 500 goes nowhere.
		level = slog.LevelDebug
	}
	Logger(r.Context()).Log(r.Context(), level, "internal error", "err", err, "method", r.Method, "path", r.URL.Path)
	Fail(w, http.StatusInternalServerError, "internal_error", "internal error")
}

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
func Routes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		noteRoute(r, pattern)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &headerRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.header.Get("Allow"))
			Fail(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on this path")
		case http.StatusNotFound, 0:
			NotFound(w, r)
		default: // a redirect that cleans the path: pass it through
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
		}
	})
}

// headerRecorder keeps the status and headers of a mux's own answer.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }
func (h *headerRecorder) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}
func (h *headerRecorder) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return len(b), nil
}
