package web

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/bizy-auth/bizy/token"
)

// requestKey is the context key of a requestInfo.
type requestKey struct{}

// requestInfo is what RequestID puts in a request's context: the request ID
// and logger, and room for what the middleware inside it keeps about the
// request (ResolveClient's client, AccessLog's entry and status recorder,
// Routes' writer, the token middleware's claims through PassClaims). Each
// of those fills its slot instead of copying the request with a context
// of its own (Request.WithContext and context.WithValue, two allocations
// and a walk of the request each) or allocating its writer, so the whole
// chain costs one request copy. A slot is filled before the middleware
// calls the next handler and read by the handlers after it, on the
// request's own goroutine (the client is worked out under a sync.Once, for
// handlers that ask from goroutines of their own); a middleware that finds
// its slot taken (it runs twice in one chain) or no requestInfo at all (it
// runs without RequestID) falls back to a context of its own.
//
// The requestInfo is itself the request's context: it embeds the context it
// was made from and answers Value(requestKey{}) with itself, which spares
// the context.WithValue a request would otherwise allocate.
type requestInfo struct {
	context.Context
	id  string
	log *slog.Logger
	// idHeader is the X-Request-ID header's value slice, allocated with
	// the requestInfo; its length equals its capacity, so a Header.Add
	// copies it (see SecurityHeaders).
	idHeader [1]string

	clientSrc  clientSource // ResolveClient's, when hasClient
	hasClient  bool
	clientOnce sync.Once // resolves client from clientSrc
	client     Client

	access  accessEntry    // AccessLog's, when logging
	rec     statusRecorder // AccessLog's
	logging bool

	routes  routeWriter // Routes', when routing
	routing bool

	claims *token.Claims // the token middleware's, with PassClaims
}

// Value returns ri for requestKey{} and asks the context ri was made from
// for any other key.
func (ri *requestInfo) Value(key any) any {
	if _, ok := key.(requestKey); ok {
		return ri
	}
	return ri.Context.Value(key)
}

// infoOf returns the requestInfo RequestID put in ctx, or nil.
func infoOf(ctx context.Context) *requestInfo {
	if ri, ok := ctx.(*requestInfo); ok { // the request RequestID passed on
		return ri
	}
	ri, _ := ctx.Value(requestKey{}).(*requestInfo)
	return ri
}

// RequestIDFromContext returns the request ID RequestID stored, or "".
func RequestIDFromContext(ctx context.Context) string {
	if ri := infoOf(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// requestIDHeader is X-Request-ID in the canonical form net/http keys
// headers by: Header.Get and Set with any other spelling allocate its
// canonical form on every call (and Get checks even this one), so it is
// read and written by indexing the map.
const requestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds a client-supplied X-Request-ID so it can't bloat logs.
const maxRequestIDLen = 128

// RequestID keeps a sane X-Request-ID from the request or makes one, puts it
// in the context with a logger for Logger, and echoes it on the response.
// Lines logged through Logger(ctx) with ctx name the request ID once, as
// LogHandler adds it; log is wrapped in LogHandler unless it is already.
func RequestID(log *slog.Logger, next http.Handler) http.Handler {
	if _, ok := log.Handler().(logHandler); !ok {
		log = slog.New(LogHandler(log.Handler()))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := firstValue(r.Header[requestIDHeader])
		if !validRequestID(id) {
			id = newRequestID()
		}
		ri := &requestInfo{Context: r.Context(), id: id, log: log}
		ri.idHeader[0] = id
		w.Header()[requestIDHeader] = ri.idHeader[:]
		next.ServeHTTP(w, r.WithContext(ri))
	})
}

// newRequestID returns 128 random bits in 32 hex digits. They come from
// math/rand/v2's generator (the runtime's ChaCha8, a cryptographically
// strong generator seeded from the operating system, one per thread, no
// lock): plenty for an ID that marks log lines and is no credential, at a
// fraction of crypto/rand's cost.
func newRequestID() string {
	var (
		raw [16]byte
		out [32]byte
	)
	binary.LittleEndian.PutUint64(raw[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(raw[8:], rand.Uint64())
	hex.Encode(out[:], raw[:])
	return string(out[:])
}

// validRequestID accepts only printable ASCII without spaces, so an ID from
// outside can't forge log lines or headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// Recover turns a panic in next into a logged 500 problem.
func Recover(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()))
				Fail(w, http.StatusInternalServerError, "internal_error", "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// AccessLog logs one line per request, "request", with its method, route
// pattern, status and duration; never its path or query, which may carry
// ids and tokens. The request ID comes from the context through LogHandler.
// The line is at INFO, or at DEBUG for a route wrapped in Quiet that
// answered below 400.
func AccessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var (
			e     *accessEntry
			rec   *statusRecorder
			inner = r
		)
		if ri := infoOf(r.Context()); ri != nil && !ri.logging {
			ri.logging = true
			e, rec = &ri.access, &ri.rec
			rec.ResponseWriter = w
		} else {
			e, rec = &accessEntry{}, &statusRecorder{ResponseWriter: w}
			inner = r.WithContext(context.WithValue(r.Context(), accessKey{}, e))
		}
		next.ServeHTTP(rec, inner)
		route := e.route
		if route == "" {
			route = inner.Pattern // next was the mux itself
		}
		if route == "" {
			route = "unmatched"
		}
		if rec.status == 0 {
			rec.status = http.StatusOK // the handler wrote nothing: net/http sends 200
		}
		level := slog.LevelInfo
		if e.quiet && rec.status < http.StatusBadRequest {
			level = slog.LevelDebug
		}
		if !log.Enabled(r.Context(), level) { // LOG_LEVEL=warn: nothing to build
			return
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)))
	})
}

// The values of SecurityHeaders, shared by every response rather than made
// by Header.Set for each (four allocations a request). Their length equals
// their capacity, so a later Header.Add copies instead of writing into them;
// nothing in Bizy assigns to an element of a header's slice.
var (
	nosniff    = []string{"nosniff"}
	frameDeny  = []string{"DENY"}
	csp        = []string{"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"}
	noReferrer = []string{"no-referrer"}
)

// SecurityHeaders sets the headers SPEC asks of every response. The API and
// the auth service answer JSON (and the small verification page), so the
// policy forbids everything but inline style for that page.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = nosniff
		h["X-Frame-Options"] = frameDeny
		h["Content-Security-Policy"] = csp
		h["Referrer-Policy"] = noReferrer
		next.ServeHTTP(w, r)
	})
}

// LogHandler wraps h so every record logged with a request's context
// carries its request_id.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestIDFromContext(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return l.Handler.Handle(ctx, r)
}

func (l logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{l.Handler.WithAttrs(as)}
}

func (l logHandler) WithGroup(name string) slog.Handler { return logHandler{l.Handler.WithGroup(name)} }
