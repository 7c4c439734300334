package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/authserver"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/oidc"
	"github.com/bizy-auth/bizy/internal/pages"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/token"
)

// engines are the databases every relying-party test runs on: SQLite
// always, PostgreSQL when BIZY_TEST_POSTGRES_URL is set.
type engine struct {
	name string
	open func(t *testing.T) (auth.Store, oidc.Store)
}

func engines(t *testing.T) []engine {
	es := []engine{{"sqlite", func(t *testing.T) (auth.Store, oidc.Store) {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "bizy.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.MigrateAuth(t.Context()); err != nil {
			t.Fatal(err)
		}
		return db.AuthStore(), db.OIDCStore()
	}}}
	if os.Getenv(pgtest.EnvURL) != "" {
		es = append(es, engine{"postgres", func(t *testing.T) (auth.Store, oidc.Store) {
			db := pgtest.Open(t)
			if err := db.MigrateAuth(t.Context()); err != nil {
				t.Fatal(err)
			}
			return db.AuthStore(), db.OIDCStore()
		}})
	}
	return es
}

// forEngine runs test once per engine.
func forEngine(t *testing.T, test func(t *testing.T, e *env)) {
	for _, eng := range engines(t) {
		t.Run(eng.name, func(t *testing.T) { test(t, newEnv(t, eng)) })
	}
}

// env is a whole auth service on a real port, its issuer the server's URL.
type env struct {
	t        *testing.T
	url      string
	svc      *auth.Service
	provider *oidc.Provider
	clock    *clocktest.Clock
}

const password = "Correct-Horse-9"

func newEnv(t *testing.T, eng engine, opts ...func(*authserver.Config)) *env {
	t.Helper()
	return newEnvReuse(t, eng, 0, opts...)
}

// newEnvReuse is newEnv with the provider's RefreshReuseInterval set.
func newEnvReuse(t *testing.T, eng engine, reuse time.Duration, opts ...func(*authserver.Config)) *env {
	t.Helper()
	store, ostore := eng.open(t)
	srv := httptest.NewUnstartedServer(nil)
	e := &env{t: t, url: "http://" + srv.Listener.Addr().String(), clock: clocktest.New(time.Now().UTC())}
	log := slog.New(slog.DiscardHandler)
	ring := auth.NewKeyRing(store, 15*time.Minute, e.clock.Now)
	if err := ring.Ensure(t.Context()); err != nil {
		t.Fatal(err)
	}
	var err error
	e.svc, err = auth.NewService(log, store, ring, auth.Config{BcryptCost: 4, AccessTokenTTL: 15 * time.Minute,
		RefreshTokenTTL: 720 * time.Hour, Issuer: "bizy-auth", Audience: "bizy", LockoutThreshold: 5,
		LockoutDuration: 15 * time.Minute, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	keys := oidc.NewKeys(store, 15*time.Minute, e.clock.Now)
	if err := keys.Ensure(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.provider, err = oidc.New(log, oidc.Config{Issuer: e.url, AccessTokenTTL: 15 * time.Minute,
		RefreshTokenTTL: 720 * time.Hour, RefreshReuseInterval: reuse, Now: e.clock.Now}, ostore, store, e.svc, keys)
	if err != nil {
		t.Fatal(err)
	}
	v, err := token.NewVerifier(token.Config{Algorithm: "EdDSA", Issuer: "bizy-auth", Audience: "bizy", Keys: ring, Now: e.clock.Now, CacheSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	cfg := authserver.Config{
		Pages:  pages.Config{PublicURL: e.url, RedirectAllowed: e.provider.RedirectAllowed, OpenID: e.provider, Now: e.clock.Now},
		OpenID: e.provider,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv.Config.Handler = authserver.NewServer(log, cfg, e.svc, v, ring)
	srv.Start()
	t.Cleanup(srv.Close)
	return e
}

// user registers a verified user and returns it.
func (e *env) user(name string) auth.User {
	e.t.Helper()
	u, err := e.svc.Register(e.t.Context(), auth.Registration{Username: name, Email: name + "@example.com",
		Password: password, EmailVerified: true}, auth.Client{})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

const redirectURI = "http://127.0.0.1:9/callback"

// rp is a relying party: go-oidc and x/oauth2 over a registered client.
type rp struct {
	e        *env
	client   oidc.Client
	conf     oauth2.Config
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
}

func (e *env) newRP(public, firstParty bool, scopes ...string) *rp {
	e.t.Helper()
	return e.newRPWith(oidc.NewClient{Public: public, FirstParty: firstParty}, scopes...)
}

// newRPWith registers n (its name and redirect URI set here) and returns
// its relying party.
func (e *env) newRPWith(n oidc.NewClient, scopes ...string) *rp {
	e.t.Helper()
	n.Name, n.RedirectURIs = "Test app", []string{redirectURI}
	c, secret, err := e.provider.CreateClient(e.t.Context(), "", n, auth.Client{})
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := gooidc.NewProvider(e.t.Context(), e.url)
	if err != nil {
		e.t.Fatalf("discovery: %v", err)
	}
	if len(scopes) == 0 {
		scopes = []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess}
	}
	return &rp{e: e, client: c, provider: p, verifier: p.Verifier(&gooidc.Config{ClientID: c.ID}),
		conf: oauth2.Config{ClientID: c.ID, ClientSecret: secret, Endpoint: p.Endpoint(), RedirectURL: redirectURI, Scopes: scopes}}
}

// browser is a person's browser: a cookie jar, redirects followed on
// Bizy's origin and stopped at the app's.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), e.url) {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
}

// page is an answer the browser ended on.
type page struct {
	status int
	url    *url.URL // where the browser ended
	loc    string   // Location, when it stopped at the app's origin
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL, loc: resp.Header.Get("Location"), body: string(body)}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.url)
	return b.do(req)
}

var (
	csrfRE     = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	returnToRE = regexp.MustCompile(`name="return_to" value="([^"]+)"`)
	requestRE  = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

func field(t *testing.T, re *regexp.Regexp, p page) string {
	t.Helper()
	m := re.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no %s on the page at %s (%d):\n%s", re, p.url, p.status, p.body)
	}
	return htmlUnescape(m[1])
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">").Replace(s)
}

// signIn fills the sign-in form the browser is on.
func (b *browser) signIn(p page, login string) page {
	b.e.t.Helper()
	if p.url.Path != "/ui/login" {
		b.e.t.Fatalf("expected the sign-in page, at %s (%d)", p.url, p.status)
	}
	form := url.Values{"login": {login}, "password": {password}, "csrf": {field(b.e.t, csrfRE, p)}}
	if m := returnToRE.FindStringSubmatch(p.body); m != nil {
		form.Set("return_to", htmlUnescape(m[1]))
	}
	return b.post(b.e.url+"/ui/login", form)
}

// consent answers the consent page the browser is on.
func (b *browser) consent(p page, decision string) page {
	b.e.t.Helper()
	return b.post(b.e.url+"/ui/oauth/consent", url.Values{"id": {field(b.e.t, requestRE, p)},
		"decision": {decision}, "csrf": {field(b.e.t, csrfRE, p)}})
}

// pkce is one PKCE pair and the auth URL options that carry it.
type pkce struct{ verifier string }

func newPKCE() pkce { return pkce{oauth2.GenerateVerifier()} }

func (p pkce) opts() []oauth2.AuthCodeOption {
	return []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(p.verifier)}
}

func randomString() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// callback returns the query the browser was sent back to the app with.
func callback(t *testing.T, p page) url.Values {
	t.Helper()
	if p.loc == "" || !strings.HasPrefix(p.loc, redirectURI) {
		t.Fatalf("expected a redirect to the app, got %d at %s, Location %q:\n%.2000s", p.status, p.url, p.loc, p.body)
	}
	u, err := url.Parse(p.loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func ctx(t *testing.T) context.Context { return t.Context() }

func base64URLDecode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// wantEvent fails t unless the security event log holds an event of typ.
func (e *env) wantEvent(t *testing.T, typ string) {
	t.Helper()
	evs, _, err := e.svc.Events(t.Context(), auth.EventFilter{Type: typ, Limit: 100})
	if err != nil || len(evs) == 0 {
		t.Errorf("no %s event (%v)", typ, err)
	}
}
