package pages

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/openapitest"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/openapi"
)

const goodPassword = "Tr1cky!Horse"

// fixture is the pages over a real SQLite store, served on a loopback
// HTTP server behind the same security headers as the auth service.
type fixture struct {
	t     *testing.T
	srv   *httptest.Server
	svc   *auth.Service
	store auth.Store
	clock *clocktest.Clock
	mail  *tokenMail
}

// tokenMail is an auth.Mailer that keeps the last token mailed to each
// address, as the links would carry it.
type tokenMail struct {
	mu     sync.Mutex
	verify map[string]string
	reset  map[string]string
}

func (m *tokenMail) Verification(to, _, tok string) (auth.Email, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.verify[to] = tok
	return auth.Email{To: to, Subject: "verify"}, nil
}

func (m *tokenMail) PasswordReset(to, _, tok string) (auth.Email, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reset[to] = tok
	return auth.Email{To: to, Subject: "reset"}, nil
}

func (m *tokenMail) PasswordChanged(to, _ string) (auth.Email, error) {
	return auth.Email{To: to, Subject: "changed"}, nil
}

func (m *tokenMail) token(kind map[string]string, to string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return kind[to]
}

// newFixture serves the pages with cfg; PublicURL defaults to the test
// server's own URL.
func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: db.AuthStore(), clock: clocktest.New(time.Now().UTC()),
		mail: &tokenMail{verify: map[string]string{}, reset: map[string]string{}}}
	keys := auth.NewKeyRing(f.store, 15*time.Minute, f.clock.Now)
	if err := keys.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	f.svc, err = auth.NewService(log, f.store, keys, auth.Config{
		BcryptCost: 4, AccessTokenTTL: 15 * time.Minute, RefreshTokenTTL: 720 * time.Hour,
		Issuer: "bizy-auth", Audience: "bizy", RequireEmailVerification: true,
		LockoutThreshold: 5, LockoutDuration: 15 * time.Minute, Now: f.clock.Now, Mailer: f.mail,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	// Every exchange is held to the auth service's OpenAPI document.
	var h http.Handler = openapitest.NewChecker(t, openapi.Auth()).Handler(mux)
	f.srv = httptest.NewUnstartedServer(web.ResolveClient(nil, web.SecurityHeaders(h)))
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	if cfg.PublicURL == "" {
		cfg.PublicURL = f.srv.URL
	}
	cfg.Now = f.clock.Now
	Mount(mux, log, cfg, f.svc)
	return f
}

// user registers a verified user, an admin when admin is set.
func (f *fixture) user(name string, admin bool) auth.User {
	f.t.Helper()
	u, err := f.svc.Register(context.Background(), auth.Registration{Username: name, Email: name + "@example.com",
		Password: goodPassword, EmailVerified: true, IsAdmin: admin}, auth.Client{})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// browser is a client with cookies that does not follow redirects, so
// tests see each answer, and that sends each form with the token of the
// last page it was shown.
type browser struct {
	f    *fixture
	c    *http.Client
	csrf string
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// answer is one response, read.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) location() string { return a.header.Get("Location") }

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) answer {
	b.f.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfInput.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return answer{res.StatusCode, res.Header, string(body)}
}

func (b *browser) get(path string) answer {
	b.f.t.Helper()
	req, err := http.NewRequest("GET", b.f.srv.URL+path, nil)
	if err != nil {
		b.f.t.Fatal(err)
	}
	return b.do(req)
}

// post sends form to path with the csrf token of the last page, unless
// form sets its own.
func (b *browser) post(path string, form url.Values, headers ...string) answer {
	b.f.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// signIn signs b in as name through the sign-in page.
func (b *browser) signIn(name string) {
	b.f.t.Helper()
	b.get("/ui/login")
	a := b.post("/ui/login", url.Values{"login": {name}, "password": {goodPassword}})
	if a.status != http.StatusSeeOther || a.location() != "/ui/account" {
		b.f.t.Fatalf("sign in %s = %d %q\n%s", name, a.status, a.location(), a.body)
	}
	b.get("/ui/account") // the signed-in page's form token
}

// want fails the test unless a has status and its body holds every text.
func want(t *testing.T, what string, a answer, status int, texts ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s = %d, want %d\n%s", what, a.status, status, a.body)
	}
	for _, s := range texts {
		if !strings.Contains(a.body, s) {
			t.Fatalf("%s lacks %q:\n%s", what, s, a.body)
		}
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
