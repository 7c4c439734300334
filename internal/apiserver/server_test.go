package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/authserver"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/openapitest"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/webtest"
	"github.com/bizy-auth/bizy/openapi"
	"github.com/bizy-auth/bizy/token"
)

const goodPassword = "Tr1cky!Horse"

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// publicURL is the fixture's PUBLIC_URL, where forward auth sends browsers.
const publicURL = "https://bizy.example.com"

// allowedOrigin is the one origin the fixture's API answers cross-origin.
const allowedOrigin = "http://localhost:3000"

// fixture is the API in front of a real auth service (over SQLite, behind
// httptest.NewServer), with a tasks store and a fake clock both share.
type fixture struct {
	t       *testing.T
	h       http.Handler // the API
	authSrv *httptest.Server
	authSvc *auth.Service
	// authStore is the auth service's store (SQLite).
	authStore auth.Store
	authRec   *recorder
	tasksDB   *sqlite.DB // nil when the tasks store is not SQLite's
	clock     *clocktest.Clock
}

type options struct {
	hs256 bool
	// tasksStore opens the API's store; nil means SQLite in t.TempDir().
	tasksStore func(t *testing.T) tasks.Store
	// trusted are the API's own trusted proxies.
	trusted      []netip.Prefix
	proxyTimeout time.Duration
	// authHandler replaces the auth service's handler, given the real one.
	authHandler func(real http.Handler) http.Handler
	// revoked is the API's Config.Revoked.
	revoked RevokedSessions
	// rates, when set, gives the auth service a rate limiter in memory
	// with these budgets.
	rates *ratelimit.Rates
}

// recorder keeps every request that reached the auth service.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req.Clone(context.Background()))
		r.mu.Unlock()
		next.ServeHTTP(w, req)
	})
}

// last returns the last request the auth service got for path, or nil.
func (r *recorder) last(path string) *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.reqs) - 1; i >= 0; i-- {
		if r.reqs[i].URL.Path == path {
			return r.reqs[i]
		}
	}
	return nil
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func (r *recorder) count(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.reqs {
		if q.URL.Path == path {
			n++
		}
	}
	return n
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openSQLiteTasks(t *testing.T) tasks.Store {
	t.Helper()
	db := openSQLite(t)
	if err := db.MigrateTasks(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db.TasksStore()
}

// tasksStoresUnderTest names the tasks stores a test runs against: SQLite
// always, PostgreSQL when BIZY_TEST_POSTGRES_URL is set.
func tasksStoresUnderTest() map[string]func(*testing.T) tasks.Store {
	stores := map[string]func(*testing.T) tasks.Store{"sqlite": openSQLiteTasks}
	if os.Getenv(pgtest.EnvURL) != "" {
		stores["postgres"] = func(t *testing.T) tasks.Store {
			db := pgtest.Open(t)
			if err := db.MigrateTasks(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db.TasksStore()
		}
	}
	return stores
}

func newFixture(t *testing.T, o options) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, clock: clocktest.New(time.Now().UTC()), authRec: &recorder{}}
	log := discard()

	// The auth service, as internal/authserver's tests build it.
	authDB := openSQLite(t)
	if err := authDB.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	store := authDB.AuthStore()
	f.authStore = store
	authV := token.Config{Issuer: "bizy-auth", Audience: "bizy", Now: f.clock.Now}
	apiV := authV
	apiV.CacheSize = 100
	var (
		signer auth.TokenSigner
		pub    authserver.KeyPublisher
	)
	if o.hs256 {
		s, err := token.NewHS256Signer(testSecret)
		if err != nil {
			t.Fatal(err)
		}
		signer = auth.StaticSigner{S: s}
		authV.Algorithm, authV.Secret = token.HS256, testSecret
		apiV.Algorithm, apiV.Secret = token.HS256, testSecret
	} else {
		keys := auth.NewKeyRing(store, 15*time.Minute, f.clock.Now)
		if err := keys.Ensure(ctx); err != nil {
			t.Fatal(err)
		}
		signer, pub = keys, keys
		authV.Algorithm, authV.Keys = token.EdDSA, keys
		apiV.Algorithm = token.EdDSA // Keys: the JWKS, once the server has a URL
	}
	av, err := token.NewVerifier(authV)
	if err != nil {
		t.Fatal(err)
	}
	f.authSvc, err = auth.NewService(log, store, signer, auth.Config{
		BcryptCost: 4, AccessTokenTTL: 15 * time.Minute, RefreshTokenTTL: 720 * time.Hour,
		Issuer: "bizy-auth", Audience: "bizy", RequireEmailVerification: true,
		LockoutThreshold: 5, LockoutDuration: 15 * time.Minute, Now: f.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	acfg := authserver.Config{TrustedProxies: loopback}
	if o.rates != nil {
		acfg.Limiter = ratelimit.NewMemory(*o.rates, f.clock.Now)
	}
	var authH http.Handler = authserver.NewServer(log, acfg, f.authSvc, av, pub)
	// Every exchange with either server is held to its OpenAPI document.
	authH = openapitest.NewChecker(t, openapi.Auth()).Handler(authH)
	if o.authHandler != nil {
		authH = o.authHandler(authH)
	}
	f.authSrv = httptest.NewServer(f.authRec.wrap(authH))
	t.Cleanup(f.authSrv.Close)

	// The API: it learns EdDSA keys from the auth service's JWKS, as
	// `bizy api` does, so they stay cached when the auth service goes down.
	if !o.hs256 {
		apiV.Keys = token.NewJWKS(f.authSrv.URL+"/.well-known/jwks.json", token.JWKSOptions{Now: f.clock.Now})
	}
	v, err := token.NewVerifier(apiV)
	if err != nil {
		t.Fatal(err)
	}
	var ts tasks.Store
	if o.tasksStore != nil {
		ts = o.tasksStore(t)
	} else {
		f.tasksDB = openSQLite(t)
		if err := f.tasksDB.MigrateTasks(ctx); err != nil {
			t.Fatal(err)
		}
		ts = f.tasksDB.TasksStore()
	}
	f.h = openapitest.NewChecker(t, openapi.API()).Handler(NewServer(log, Config{
		AuthServerURL:      f.authSrv.URL,
		TrustedProxies:     o.trusted,
		CORSAllowedOrigins: []string{allowedOrigin, "https://app.example.com"},
		PublicURL:          publicURL,
		ProxyTimeout:       o.proxyTimeout,
		Now:                f.clock.Now,
		Revoked:            o.revoked,
	}, tasks.NewService(ts, f.clock.Now), v))
	return f
}

// request builds a request to the API; see webtest.NewRequest.
func (f *fixture) request(method, path string, body any, bearer string) *http.Request {
	f.t.Helper()
	return webtest.NewRequest(f.t, method, path, body, bearer)
}

// serve sends req to the API and returns the recorded answer.
func (f *fixture) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// do sends a request to the API and returns the recorded answer.
func (f *fixture) do(method, path string, body any, bearer string) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.serve(f.request(method, path, body, bearer))
}

// doAuth sends the same kind of request straight to the auth service.
func (f *fixture) doAuth(method, path string, body any, bearer string) (int, http.Header, string) {
	f.t.Helper()
	req := f.request(method, f.authSrv.URL+path, body, bearer)
	req.RequestURI = ""
	resp, err := f.authSrv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// mustUser creates a verified user through the auth service and logs in
// through the API's proxy, returning the user and an access token.
func (f *fixture) mustUser(username string, admin bool) (auth.User, string) {
	f.t.Helper()
	u, err := f.authSvc.Register(context.Background(), auth.Registration{
		Username: username, Email: username + "@example.com", Password: goodPassword,
		EmailVerified: true, IsAdmin: admin,
	}, auth.Client{})
	if err != nil {
		f.t.Fatalf("register %s: %v", username, err)
	}
	return u, f.mustLogin(username, goodPassword)
}

// mustLogin logs in through the API and returns the access token.
func (f *fixture) mustLogin(login, password string) string {
	f.t.Helper()
	rec := f.do("POST", "/api/auth/login", map[string]string{"username": login, "password": password}, "")
	if rec.Code != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", login, rec.Code, rec.Body)
	}
	var body struct{ Token string }
	webtest.Decode(f.t, rec, &body)
	return body.Token
}

// wantFields checks that a 422 problem names exactly the given fields.
func wantFields(t *testing.T, rec *httptest.ResponseRecorder, fields ...string) {
	t.Helper()
	got := webtest.WantProblem(t, rec, http.StatusUnprocessableEntity).Fields()
	if strings.Join(got, ",") != strings.Join(fields, ",") {
		t.Fatalf("422 names %v, want %v; body %s", got, fields, rec.Body)
	}
}

func TestEveryAnswerHasSecurityHeadersAndRequestID(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	for _, tc := range []struct {
		name, method, path, bearer string
		body                       any
		wantStatus                 int
	}{
		{"health", "GET", "/health", "", nil, 200},
		{"unknown path", "GET", "/nowhere", "", nil, 404},
		{"wrong method", "PUT", "/api/tasks", "", nil, 405},
		{"no token", "GET", "/api/tasks", "", nil, 401},
		{"tasks", "GET", "/api/tasks", tok, nil, 200},
		{"validation", "POST", "/api/tasks", tok, map[string]string{}, 422},
		{"proxied", "GET", "/api/auth/profile", tok, nil, 200},
		{"proxied failure", "POST", "/api/auth/login", "", map[string]string{"username": "x", "password": "y"}, 401},
		{"preflight", "OPTIONS", "/api/tasks", "", nil, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := f.request(tc.method, tc.path, tc.body, tc.bearer)
			if tc.method == "OPTIONS" {
				req.Header.Set("Origin", allowedOrigin)
				req.Header.Set("Access-Control-Request-Method", "GET")
			}
			rec := f.serve(req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; %s", rec.Code, tc.wantStatus, rec.Body)
			}
			h := rec.Header()
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
				h.Get("Content-Security-Policy") == "" || h.Get("Referrer-Policy") == "" || h.Get("X-Request-ID") == "" {
				t.Fatalf("headers = %v", h)
			}
		})
	}
}

func TestUnknownRoutesAreProblems(t *testing.T) {
	f := newFixture(t, options{})
	webtest.WantProblem(t, f.do("GET", "/api/nowhere", nil, ""), http.StatusNotFound)
	rec := f.do("PUT", "/api/tasks", nil, "")
	webtest.WantProblem(t, rec, http.StatusMethodNotAllowed)
	if rec.Header().Get("Allow") == "" {
		t.Error("405 without Allow header")
	}
}

// same reports whether two views have the same JSON form; the views hold
// pointers, so == would compare addresses.
func same(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
