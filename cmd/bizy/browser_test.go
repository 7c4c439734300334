package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/bizy-auth/bizy/internal/mail/mailtest"
)

// screenshotDir is where the browser tests save a picture of each page
// (gitignored): people judge the pages by them, so look at them.
var screenshotDir = filepath.Join("..", "..", "test-output", "screenshots")

// chromiumPath finds Debian's headless-capable Chromium. Without it the
// browser tests fail under CI (which installs it, see .ci/run) and are
// skipped elsewhere with a plain word on how to get it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const how = "headless Chromium was not found: install it (Debian: apt-get install -y chromium) to run the browser tests"
	if os.Getenv("CI") != "" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// newBrowser starts a headless Chromium with an empty profile of its own
// and returns a tab's context, ended when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	// Generous: the whole walk takes about 20 s alone, a minute under the
	// race detector, and several on a loaded two-core machine.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// newTab opens another tab with cookies of its own: another person.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return ctx
}

// tab drives one tab for a test.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (b tab) must(err error) {
	b.t.Helper()
	if err != nil {
		b.fatalf("%v", err)
	}
}

// fatalf ends the test, first saving what the tab shows as FAILED.png and
// where it is, for whoever reads a CI log.
func (b tab) fatalf(format string, args ...any) {
	b.t.Helper()
	where, _ := chromedp.Run(b.ctx, chromedp.Location())
	if png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)); err == nil && os.MkdirAll(screenshotDir, 0o755) == nil {
		_ = os.WriteFile(filepath.Join(screenshotDir, "FAILED.png"), png, 0o644)
	}
	b.t.Fatalf("at %s: "+format, append([]any{where}, args...)...)
}

// open navigates to url and returns the response of the page.
func (b tab) open(url string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(url))
	b.must(err)
	return resp
}

// fill types value into the input with id.
func (b tab) fill(id, value string) {
	b.t.Helper()
	b.must(chromedp.Do(b.ctx, chromedp.Clear(chromedp.ID(id)), chromedp.SendKeys(chromedp.ID(id), value)))
}

// submit clicks the button sel and returns the response of the page the
// form leads to.
func (b tab) submit(sel string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	b.must(err)
	return resp
}

// text returns the text of main, as a person reads it.
func (b tab) text() string {
	b.t.Helper()
	s, err := b.mainText()
	b.must(err)
	return s
}

// mainText is text's query, bounded: a query waits for its element, and a
// page without main (a proxy's error page) would otherwise hold the test
// until the browser's deadline, minutes on, with its cause unsaid.
func (b tab) mainText() (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
}

// see fails the test unless the page's main text holds every s.
func (b tab) see(what string, s ...string) {
	b.t.Helper()
	text := b.text()
	for _, want := range s {
		if !strings.Contains(text, want) {
			b.fatalf("%s: page lacks %q; it says:\n%s", what, want, text)
		}
	}
}

// wantStatus fails the test unless resp has status.
func (b tab) wantStatus(what string, resp *network.Response, status int64) {
	b.t.Helper()
	if resp.Status != status {
		page, err := b.mainText()
		if err != nil {
			page = fmt.Sprintf("(no main: %v)", err)
		}
		b.fatalf("%s = %d, want %d; page:\n%s", what, resp.Status, status, page)
	}
}

// eval returns the value of a JavaScript expression in the page (through
// the DevTools protocol, which the page's policy does not limit).
func eval[T any](b tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	b.must(err)
	return v
}

// shot saves a full-page screenshot as name.png.
func (b tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	b.must(err)
	b.must(os.MkdirAll(screenshotDir, 0o755))
	b.must(os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644))
}

// phone and desktop set the viewport.
func (b tab) phone() {
	b.must(chromedp.Do(b.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))))
}

func (b tab) desktop() { b.must(chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, 900))) }

// waitMail waits for the newest .eml under dir/mail to `to` whose subject
// holds subject, and returns its link.
func waitMail(t *testing.T, dir, to, subject string) string {
	t.Helper()
	for range 800 { // polls the mail worker's files, bounded at 20 s
		files, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
		sort.Sort(sort.Reverse(sort.StringSlice(files)))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			m, err := mailtest.ParseMessage(data)
			if err == nil && strings.Contains(m.Header.Get("To"), to) && strings.Contains(m.Subject, subject) {
				return m.Link()
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("no mail to %s about %q", to, subject)
	return ""
}

// evilSite serves, from another origin of the same site (127.0.0.1 on
// another port), a page whose button posts a form to target: the attack
// the pages must refuse even though SameSite=Lax lets the cookie go along.
func evilSite(t *testing.T, target string) string {
	t.Helper()
	ln := freeAddr(t)
	srv := &http.Server{Addr: ln, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>Win a prize</title><form method="post" action="` + target +
			`"><input type="hidden" name="all" value="true"><input type="hidden" name="csrf" value="guess">` +
			`<button id="prize">Claim your prize</button></form>`))
	})}
	go func() { _ = srv.ListenAndServe() }()
	t.Cleanup(func() { srv.Close() })
	for range 200 {
		if res, err := http.Get("http://" + ln); err == nil {
			res.Body.Close()
			return "http://" + ln
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the evil site did not start")
	return ""
}
