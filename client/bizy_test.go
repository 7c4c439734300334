package client_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/client"
	"github.com/bizy-auth/bizy/internal/apiserver"
	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/authserver"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/mail"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
	"github.com/bizy-auth/bizy/internal/openapitest"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/openapi"
	"github.com/bizy-auth/bizy/token"
)

// goodPassword passes the password rules.
const goodPassword = "Tr1cky!Horse"

// bizy is the whole system inside the test process, as `bizy serve` wires
// it: an auth service over SQLite whose mail goes through its outbox to a
// recording sender, and the API in front of it, reaching it over HTTP and
// learning its keys from its JWKS. Both listen on 127.0.0.1 and share a
// fake clock.
type bizy struct {
	APIURL  string
	AuthURL string
	// API is the API's handler, for tests that serve it another way.
	API   http.Handler
	svc   *auth.Service
	clock *clocktest.Clock
	sent  *mailtest.Recorder
	mail  *mail.Worker
	seen  int
	close []func()
}

// newBizy starts the system; Close stops it. Examples use it directly;
// tests use startBizy.
func newBizy() (*bizy, error) { return newCheckedBizy(nil) }

// newCheckedBizy is newBizy with each server's handler passed through
// check, with the server's OpenAPI document, when check is set.
func newCheckedBizy(check func(doc []byte, h http.Handler) http.Handler) (b *bizy, err error) {
	if check == nil {
		check = func(_ []byte, h http.Handler) http.Handler { return h }
	}
	b = &bizy{clock: clocktest.New(time.Now().UTC().Truncate(time.Second)), sent: &mailtest.Recorder{}}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	dir, err := os.MkdirTemp("", "bizy-client-test-")
	if err != nil {
		return b, err
	}
	b.close = append(b.close, func() { os.RemoveAll(dir) })
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bizy.db"))
	if err != nil {
		return b, err
	}
	b.close = append(b.close, func() { db.Close() })
	if err := errors.Join(db.MigrateAuth(ctx), db.MigrateTasks(ctx)); err != nil {
		return b, err
	}

	// The auth service.
	store := db.AuthStore()
	keys := auth.NewKeyRing(store, 15*time.Minute, b.clock.Now)
	if err := keys.Ensure(ctx); err != nil {
		return b, err
	}
	authV, err := token.NewVerifier(token.Config{Algorithm: token.EdDSA, Keys: keys,
		Issuer: "bizy-auth", Audience: "bizy", Now: b.clock.Now})
	if err != nil {
		return b, err
	}
	templates, err := mail.NewTemplates("http://bizy.test")
	if err != nil {
		return b, err
	}
	b.svc, err = auth.NewService(log, store, keys, auth.Config{
		BcryptCost: 4, AccessTokenTTL: 15 * time.Minute, RefreshTokenTTL: 720 * time.Hour,
		Issuer: "bizy-auth", Audience: "bizy", RequireEmailVerification: true,
		LockoutThreshold: 5, LockoutDuration: 15 * time.Minute, Now: b.clock.Now, Mailer: templates,
	})
	if err != nil {
		return b, err
	}
	b.close = append(b.close, b.svc.Wait)
	b.mail = mail.NewWorker(log, db.Outbox(), b.sent, mail.WorkerConfig{From: "Bizy <no-reply@bizy.test>",
		Now: b.clock.Now, After: func(time.Duration) <-chan time.Time { return nil }})
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	authSrv := httptest.NewServer(check(openapi.Auth(),
		authserver.NewServer(log, authserver.Config{TrustedProxies: loopback}, b.svc, authV, keys)))
	b.close = append(b.close, authSrv.Close)
	b.AuthURL = authSrv.URL

	// The API.
	apiV, err := token.NewVerifier(token.Config{Algorithm: token.EdDSA,
		Keys:   token.NewJWKS(authSrv.URL+"/.well-known/jwks.json", token.JWKSOptions{Now: b.clock.Now}),
		Issuer: "bizy-auth", Audience: "bizy", Now: b.clock.Now, CacheSize: 100})
	if err != nil {
		return b, err
	}
	b.API = check(openapi.API(), apiserver.NewServer(log, apiserver.Config{AuthServerURL: authSrv.URL, Now: b.clock.Now},
		tasks.NewService(db.TasksStore(), b.clock.Now), apiV))
	apiSrv := httptest.NewServer(b.API)
	b.close = append(b.close, apiSrv.Close)
	b.APIURL = apiSrv.URL
	return b, nil
}

// Close stops the servers and removes the database, last started first.
func (b *bizy) Close() {
	for i := len(b.close) - 1; i >= 0; i-- {
		b.close[i]()
	}
}

// startBizy starts the system for one test, which fails if an exchange
// with either service is not as its OpenAPI document says.
func startBizy(t *testing.T) *bizy {
	t.Helper()
	b, err := newCheckedBizy(func(doc []byte, h http.Handler) http.Handler {
		return openapitest.NewChecker(t, doc).Handler(h)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// newClient returns client.New(cfg), with b's API as APIURL when cfg names
// no service, failing t if New refuses.
func (b *bizy) newClient(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	if cfg.APIURL == "" && cfg.AuthURL == "" {
		cfg.APIURL = b.APIURL
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mustUser creates a verified user straight in the auth service, as
// `bizy user create --verified` does, and returns it.
func (b *bizy) mustUser(t testing.TB, username string, admin bool) auth.User {
	t.Helper()
	u, err := b.createUser(username, admin)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (b *bizy) createUser(username string, admin bool) (auth.User, error) {
	return b.svc.Register(context.Background(), auth.Registration{Username: username,
		Email: username + "@example.com", Password: goodPassword, IsAdmin: admin, EmailVerified: true}, auth.Client{})
}

// login logs username in through c and returns a client acting as them.
func login(t *testing.T, c *client.Client, username string) *client.Client {
	t.Helper()
	tok, err := c.Login(context.Background(), username, goodPassword)
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return c.WithTokens(tok)
}

// newUser creates a verified user and returns a client made from c that
// is logged in as them.
func (b *bizy) newUser(t *testing.T, c *client.Client, username string) *client.Client {
	t.Helper()
	b.mustUser(t, username, false)
	return login(t, c, username)
}

// accessOnly returns a client holding c's access token alone, which meets
// a 401 with the error instead of a refresh.
func accessOnly(c *client.Client) *client.Client {
	return c.WithTokens(client.Tokens{AccessToken: c.Tokens().AccessToken})
}

// linkPattern finds the link in a mail's text.
var linkPattern = regexp.MustCompile(`https?://\S+`)

// mailToken delivers the outbox and returns the token of the link in the
// one new message, which must be to addr.
func (b *bizy) mailToken(t *testing.T, addr string) string {
	t.Helper()
	b.svc.Wait() // forgot-password and resend queue their mail in the background
	for {
		n, err := b.mail.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("deliver mail: %v", err)
		}
		if n == 0 {
			break
		}
	}
	sent := b.sent.Sent()[b.seen:]
	b.seen += len(sent)
	if len(sent) != 1 || sent[0].Email.To != addr {
		t.Fatalf("delivered %d messages (%+v), want one to %s", len(sent), sent, addr)
	}
	u, err := url.Parse(linkPattern.FindString(sent[0].Email.Text))
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no link with a token in %q", sent[0].Email.Text)
	}
	return u.Query().Get("token")
}

// wantError checks that err is a *client.Error with the given status and
// code and returns it.
func wantError(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want a *client.Error %d %s", err, err, status, code)
	}
	if e.Status != status || e.Code != code || e.Title == "" || e.RequestID == "" {
		t.Fatalf("err = %+v, want status %d, code %q, a title and a request id", e, status, code)
	}
	return e
}

// wantFields checks that err is a 422 naming exactly the given fields.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	e := wantError(t, err, http.StatusUnprocessableEntity, client.CodeValidationFailed)
	var got []string
	for _, f := range e.Fields {
		if f.Message == "" {
			t.Errorf("field %s without a message", f.Field)
		}
		got = append(got, f.Field)
	}
	if fmt.Sprint(got) != fmt.Sprint(fields) {
		t.Fatalf("422 names %v, want %v (%v)", got, fields, e)
	}
}

// transport records the requests a client sends and can hold them up. It
// is safe for concurrent use.
type transport struct {
	// before, when set, runs before each request is sent; after, when set,
	// once its answer has come.
	before func(*http.Request)
	after  func(*http.Request, *http.Response)

	mu   sync.Mutex
	reqs []string // "METHOD URL"
}

func (tr *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	tr.mu.Lock()
	tr.reqs = append(tr.reqs, r.Method+" "+r.URL.String())
	tr.mu.Unlock()
	if tr.before != nil {
		tr.before(r)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && tr.after != nil {
		tr.after(r, resp)
	}
	return resp, err
}

// sent returns the requests so far, as "METHOD URL".
func (tr *transport) sent() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.reqs)
}

// count returns how many requests so far contain part ("POST /refresh"
// matches "POST http://host/api/auth/refresh" too).
func (tr *transport) count(part string) int {
	method, path, _ := strings.Cut(part, " ")
	n := 0
	for _, r := range tr.sent() {
		if strings.HasPrefix(r, method+" ") && strings.Contains(r, path) {
			n++
		}
	}
	return n
}

func (tr *transport) client() *http.Client { return &http.Client{Transport: tr} }
