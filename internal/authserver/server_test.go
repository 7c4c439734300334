package authserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/openapitest"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/internal/webtest"
	"github.com/bizy-auth/bizy/openapi"
	"github.com/bizy-auth/bizy/token"
)

// fixture is an auth server over a real store, with a fake clock.
type fixture struct {
	t     *testing.T
	h     http.Handler
	svc   *auth.Service
	store auth.Store
	keys  *auth.KeyRing // nil under HS256
	clock *clocktest.Clock
	// db is the SQLite database behind store when the fixture opened it
	// (options.store nil); tests reach its outbox through it.
	db     *sqlite.DB
	dbPath string
	// limits is the server's limiter when options.rates made it.
	limits *ratelimit.Memory
}

type options struct {
	hs256            bool
	requireVerified  bool
	store            func(t *testing.T) auth.Store
	lockoutThreshold int
	lockoutDuration  time.Duration
	accessTTL        time.Duration
	// mailer renders the service's mail; nil renders empty messages. Use
	// newMailFixture (mailbox_test.go) for the real templates.
	mailer auth.Mailer
	// limiter, when set, is the server's rate limiter (Config.Limiter),
	// and mailBudget the service's per-address mail budget.
	limiter    ratelimit.Limiter
	mailBudget auth.MailBudget
	// rates, when set and limiter is not, gives the server and the
	// service's mail budget a ratelimit.Memory with these budgets on the
	// fixture's clock (f.limits).
	rates *ratelimit.Rates
	// trusted are the proxies whose X-Forwarded-For the server believes.
	trusted []netip.Prefix
	// reuseInterval is REFRESH_REUSE_INTERVAL; 0 (off) unless set.
	reuseInterval time.Duration
}

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func openSQLite(t *testing.T) auth.Store {
	t.Helper()
	db, _ := openSQLiteDB(t)
	return db.AuthStore()
}

// openSQLiteDB opens and migrates a fresh SQLite file, closed when t ends,
// and returns it with its path.
func openSQLiteDB(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bizy.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	return db, path
}

func newFixture(t *testing.T, o options) *fixture {
	t.Helper()
	var db *sqlite.DB
	var dbPath string
	if o.store == nil {
		db, dbPath = openSQLiteDB(t)
		o.store = func(*testing.T) auth.Store { return db.AuthStore() }
	}
	if o.lockoutThreshold == 0 {
		o.lockoutThreshold = 5
	}
	if o.lockoutDuration == 0 {
		o.lockoutDuration = 15 * time.Minute
	}
	if o.accessTTL == 0 {
		o.accessTTL = 15 * time.Minute
	}
	ctx := context.Background()
	f := &fixture{t: t, store: o.store(t), clock: clocktest.New(time.Now().UTC()), db: db, dbPath: dbPath}
	if o.limiter == nil && o.rates != nil {
		f.limits = ratelimit.NewMemory(*o.rates, f.clock.Now)
		o.limiter, o.mailBudget = f.limits, ratelimit.NewMailBudget(f.limits)
	}
	vcfg := token.Config{Issuer: "bizy-auth", Audience: "bizy", Now: f.clock.Now, CacheSize: 100}
	var signer auth.TokenSigner
	if o.hs256 {
		s, err := token.NewHS256Signer(testSecret)
		if err != nil {
			t.Fatal(err)
		}
		signer = auth.StaticSigner{S: s}
		vcfg.Algorithm, vcfg.Secret = "HS256", testSecret
	} else {
		f.keys = auth.NewKeyRing(f.store, o.accessTTL, f.clock.Now)
		if err := f.keys.Ensure(ctx); err != nil {
			t.Fatal(err)
		}
		signer = f.keys
		vcfg.Algorithm, vcfg.Keys = "EdDSA", f.keys
	}
	v, err := token.NewVerifier(vcfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.svc, err = auth.NewService(log, f.store, signer, auth.Config{
		BcryptCost: 4, AccessTokenTTL: o.accessTTL, RefreshTokenTTL: 720 * time.Hour,
		Issuer: "bizy-auth", Audience: "bizy", RequireEmailVerification: o.requireVerified,
		LockoutThreshold: o.lockoutThreshold, LockoutDuration: o.lockoutDuration, Now: f.clock.Now,
		Mailer: o.mailer, MailBudget: o.mailBudget, RefreshReuseInterval: o.reuseInterval,
	})
	if err != nil {
		t.Fatal(err)
	}
	var pub KeyPublisher
	if f.keys != nil {
		pub = f.keys
	}
	// Every exchange is held to the OpenAPI document.
	f.h = openapitest.NewChecker(t, openapi.Auth()).Handler(NewServer(log, Config{Limiter: o.limiter, TrustedProxies: o.trusted}, f.svc, v, pub))
	return f
}

// do sends a request with a JSON body (a string is sent as it is) and
// optional bearer token, and returns the recorded answer.
func (f *fixture) do(method, path string, body any, bearer string) *httptest.ResponseRecorder {
	f.t.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, webtest.NewRequest(f.t, method, path, body, bearer))
	return rec
}

// mustRegister creates a user through the service, verified unless told.
func (f *fixture) mustRegister(username, email, password string, verified bool) auth.User {
	f.t.Helper()
	u, err := f.svc.Register(context.Background(), auth.Registration{
		Username: username, Email: email, Password: password, EmailVerified: verified,
	}, auth.Client{})
	if err != nil {
		f.t.Fatalf("register %s: %v", username, err)
	}
	return u
}

// mustLogin logs in over HTTP and returns the access token.
func (f *fixture) mustLogin(login, password string) string {
	f.t.Helper()
	rec := f.do("POST", "/login", map[string]string{"username": login, "password": password}, "")
	if rec.Code != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", login, rec.Code, rec.Body)
	}
	var body struct{ Token string }
	webtest.Decode(f.t, rec, &body)
	return body.Token
}

func TestHealth(t *testing.T) {
	f := newFixture(t, options{})
	rec := f.do("GET", "/health", nil, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"database":"ok"`) ||
		!strings.Contains(rec.Body.String(), `"status":"ok"`) {
		t.Fatalf("health = %d %s", rec.Code, rec.Body)
	}
}

func TestHealthDatabaseDown(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, options{store: func(*testing.T) auth.Store { return db.AuthStore() }})
	db.Close()
	rec := f.do("GET", "/health", nil, "")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"database":"unreachable"`) {
		t.Fatalf("health with closed database = %d %s", rec.Code, rec.Body)
	}
}

func TestEveryAnswerHasRequestIDAndSecurityHeaders(t *testing.T) {
	f := newFixture(t, options{})
	for _, tc := range []struct{ method, path, reqID string }{
		{"GET", "/health", ""},
		{"GET", "/nowhere", ""},
		{"DELETE", "/login", ""},
		{"GET", "/health", "client-chosen-id-1"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.reqID != "" {
			req.Header.Set("X-Request-ID", tc.reqID)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-ID")
		if got == "" || (tc.reqID != "" && got != tc.reqID) {
			t.Errorf("%s %s: X-Request-ID = %q, want %q", tc.method, tc.path, got, tc.reqID)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s %s: security headers missing: %v", tc.method, tc.path, rec.Header())
		}
	}
}

func TestUnknownRoutesAreProblems(t *testing.T) {
	f := newFixture(t, options{})
	webtest.WantProblem(t, f.do("GET", "/nowhere", nil, ""), http.StatusNotFound)
	rec := f.do("DELETE", "/login", nil, "")
	webtest.WantProblem(t, rec, http.StatusMethodNotAllowed)
	if rec.Header().Get("Allow") == "" {
		t.Error("405 without Allow header")
	}
}

// doRaw sends body as it is with the given content type.
func (f *fixture) doRaw(method, path, contentType, body string) *httptest.ResponseRecorder {
	f.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// storesUnderTest names the stores a test should run against: SQLite always,
// PostgreSQL when BIZY_TEST_POSTGRES_URL is set.
func storesUnderTest(t *testing.T) map[string]func(*testing.T) auth.Store {
	stores := map[string]func(*testing.T) auth.Store{"sqlite": openSQLite}
	if os.Getenv(pgtest.EnvURL) != "" {
		stores["postgres"] = func(t *testing.T) auth.Store {
			db := pgtest.Open(t)
			if err := db.MigrateAuth(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db.AuthStore()
		}
	}
	return stores
}
