package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// seenRequest is what the app behind nginx received.
type seenRequest struct {
	Path   string
	Header http.Header
}

// testApp is the app nginx guards: it records each request it gets.
type testApp struct {
	mu   sync.Mutex
	seen []seenRequest
}

func (a *testApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, seenRequest{Path: r.URL.RequestURI(), Header: r.Header.Clone()})
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"app": "hello"})
}

func (a *testApp) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seen)
}

func (a *testApp) last() seenRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[len(a.seen)-1]
}

// startTestApp serves a testApp on a loopback port.
func startTestApp(t *testing.T) (*testApp, string) {
	t.Helper()
	app := &testApp{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return app, ln.Addr().String()
}

// pageSignIn signs in on the sign-in page, as a browser does, and returns
// the bizy_session cookie's value.
func pageSignIn(t *testing.T, api, login, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(api + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf := csrfInput.FindSubmatch(b)
	if csrf == nil {
		t.Fatalf("GET /ui/login has no form:\n%s", b)
	}
	res, err = c.PostForm(api+"/ui/login", url.Values{"csrf": {string(csrf[1])}, "login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == "bizy_session" && ck.Value != "" {
			return ck.Value
		}
	}
	t.Fatalf("POST /ui/login = %d without a session cookie", res.StatusCode)
	return ""
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// getVia sends GET url with the given headers and returns the answer's
// status and Location.
func getVia(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// smuggled are identity headers a client makes up, hoping the app will
// believe them.
var smuggled = map[string]string{
	"X-Bizy-User-Id": "00000000-0000-0000-0000-000000000000", "X-Bizy-Username": "mallory",
	"X-Bizy-Email": "mallory@example.com", "X-Bizy-Admin": "true", "X-Bizy-AAL": "aal2",
}

// proxyPath finds the Debian package name's program. Without it the test
// is skipped, saying so, except under CI, where it fails: .ci/run
// installs the package.
func proxyPath(t *testing.T, name string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name, "/usr/bin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; CI must have it (apt-get install -y %[1]s, as .ci/run does)", name)
	}
	t.Skipf("SKIPPED: %s is not installed, so forward auth behind %[1]s is not tested here; apt-get install -y %[1]s to run it", name)
	return ""
}

// substitute replaces each example address of a shipped configuration;
// each must be there exactly once, so a renamed one fails the test rather
// than testing something else.
func substitute(t *testing.T, file string, replace [][2]string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	for _, r := range replace {
		if strings.Count(conf, r[0]) != 1 {
			t.Fatalf("%s: want %q exactly once", file, r[0])
		}
		conf = strings.Replace(conf, r[0], r[1], 1)
	}
	return conf
}

// runProxy starts cmd, stops it when the test ends, and waits until it
// listens on every address of listens; log returns what the proxy logged,
// shown when the test fails.
func runProxy(t *testing.T, cmd *exec.Cmd, log func() string, listens ...string) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s's log:\n%s", filepath.Base(cmd.Path), log())
		}
	})
	for _, listen := range listens {
		if !waitListening(listen) {
			t.Fatalf("%s did not listen on %s", filepath.Base(cmd.Path), listen)
		}
	}
}

// waitListening waits until something listens on addr, bounded at 10 s.
func waitListening(addr string) bool {
	for range 400 { // polling a server coming up
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false
}

// testForwardAuth runs the checks of TestForwardAuthNginx with the proxy
// start runs.
func testForwardAuth(t *testing.T, start func(t *testing.T, listen, api, app string)) {
	app, appAddr := startTestApp(t)
	front, authAddr, apiAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	api, site := "http://"+apiAddr, "http://"+front
	dir := dataDir(t)
	startCmd(t, api+"/health", "serve", "--auth-addr", authAddr, "--api-addr", apiAddr, "--data-dir", dir,
		"--bcrypt-cost", "10", "--public-url", api, "--cors-allowed-origins", site)
	if _, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10",
		"--username", "nora", "--email", "nora@example.com", "--password", "Tr1cky!Horse", "--verified"); err != nil {
		t.Fatal(err)
	}
	start(t, front, apiAddr, appAddr)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

	t.Run("signed out", func(t *testing.T) {
		h := map[string]string{"Accept": browser}
		for k, v := range smuggled {
			h[k] = v
		}
		status, loc := getVia(t, site+"/reports/2026?view=all&sort=date", h)
		want := api + "/ui/login?return_to=" + url.QueryEscape(site+"/reports/2026?view=all&sort=date")
		if status != http.StatusFound || loc != want {
			t.Fatalf("browser = %d Location %q, want 302 %q", status, loc, want)
		}
		h["Accept"] = "application/json"
		if status, _ := getVia(t, site+"/reports", h); status != http.StatusUnauthorized {
			t.Fatalf("API client = %d, want 401", status)
		}
		// The sign-in page keeps return_to in its form, so signing in
		// brings the browser back to the app.
		status, body := getPage(t, loc)
		if status != http.StatusOK || !strings.Contains(body, `name="return_to" value="`+site+`/reports/2026?view=all&amp;sort=date"`) {
			t.Fatalf("sign-in page = %d without the return_to:\n%s", status, body)
		}
		if n := app.count(); n != 0 {
			t.Fatalf("the app got %d requests from signed-out clients", n)
		}
	})

	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"nora","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, http.StatusOK)
	bearer, userID := body["token"].(string), body["user"].(map[string]any)["id"].(string)
	cookie := pageSignIn(t, api, "nora", "Tr1cky!Horse")

	wantIdentity := func(t *testing.T, header map[string]string) seenRequest {
		t.Helper()
		h := map[string]string{"Accept": browser}
		for k, v := range smuggled {
			h[k] = v
		}
		for k, v := range header {
			h[k] = v
		}
		if status, loc := getVia(t, site+"/hello?x=1", h); status != http.StatusOK {
			t.Fatalf("signed in: %d (Location %q), want 200", status, loc)
		}
		got := app.last()
		for k, want := range map[string]string{
			"X-Bizy-User-Id": userID, "X-Bizy-Username": "nora", "X-Bizy-Email": "nora@example.com",
			"X-Bizy-Admin": "false", "X-Bizy-AAL": "aal1",
		} {
			if v := got.Header.Values(k); len(v) != 1 || v[0] != want {
				t.Errorf("the app got %s %q, want %q", k, v, want)
			}
		}
		if got.Path != "/hello?x=1" {
			t.Errorf("the app got %q, want /hello?x=1", got.Path)
		}
		return got
	}
	t.Run("cookie", func(t *testing.T) {
		got := wantIdentity(t, map[string]string{"Cookie": "theme=dark; bizy_session=" + cookie + "; lang=en"})
		if c := got.Header.Get("Cookie"); c != "theme=dark; lang=en" {
			t.Errorf("the app got Cookie %q, want its own cookies without bizy_session", c)
		}
	})
	t.Run("bearer", func(t *testing.T) {
		wantIdentity(t, map[string]string{"Authorization": "Bearer " + bearer})
	})

	t.Run("revoked", func(t *testing.T) {
		// Sign out everywhere: the page session and the token's session.
		req, _ := http.NewRequest("POST", api+"/api/auth/logout?all=true", nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("logout = %d", res.StatusCode)
		}
		loggedOut := time.Now()
		for name, h := range map[string]map[string]string{
			"cookie": {"Cookie": "bizy_session=" + cookie, "Accept": "application/json"},
			"bearer": {"Authorization": "Bearer " + bearer, "Accept": "application/json"},
		} {
			for {
				status, _ := getVia(t, site+"/hello", h)
				if status == http.StatusUnauthorized {
					break
				}
				if status != http.StatusOK || time.Since(loggedOut) > e2eBound {
					t.Fatalf("%s: %d %v after logout, want 401", name, status, time.Since(loggedOut))
				}
				time.Sleep(10 * time.Millisecond) // polling a real server, not timing the test
			}
			t.Logf("%s refused %v after logout (SPEC: within 2 s)", name, time.Since(loggedOut))
		}
	})
}
