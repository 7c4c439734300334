package apiserver

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// pageRequest is a browser's request for a page through the API, with the
// cookies it holds.
func pageRequest(method, path string, form url.Values, cookies []*http.Cookie) *http.Request {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return req
}

// TestPagesThroughTheAPI: the pages work at the API's origin: cookies go
// through both ways, the pages' security policy wins over the API's, and a
// cross-site form post is refused by the auth service behind the proxy.
func TestPagesThroughTheAPI(t *testing.T) {
	f := newFixture(t, options{})
	f.mustUser("pia", false)

	rec := f.serve(pageRequest("GET", "/ui/login", nil, nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `action="/ui/login"`) {
		t.Fatalf("GET /ui/login = %d\n%s", rec.Code, rec.Body)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
		t.Errorf("page CSP through the API = %q, want the pages' policy", csp)
	}
	if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("page headers = %v", rec.Header())
	}
	anon := rec.Result().Cookies()
	m := csrfInput.FindStringSubmatch(rec.Body.String())
	if len(anon) != 1 || m == nil {
		t.Fatalf("sign-in page set cookies %v and form token %v", anon, m)
	}

	form := url.Values{"csrf": {m[1]}, "login": {"pia"}, "password": {goodPassword}}
	cross := pageRequest("POST", "/ui/login", form, anon)
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	if rec := f.serve(cross); rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site sign-in through the API = %d, want 403", rec.Code)
	}
	rec = f.serve(pageRequest("POST", "/ui/login", form, anon))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/account" {
		t.Fatalf("sign-in = %d %v\n%s", rec.Code, rec.Header(), rec.Body)
	}
	if seen := f.authRec.last("/ui/login"); seen == nil || !strings.Contains(seen.Header.Get("Cookie"), "bizy_csrf=") {
		t.Fatalf("the auth service saw no cookie: %v", seen)
	}
	var session []*http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "bizy_session" {
			session = append(session, c)
		}
	}
	if len(session) != 1 || !session[0].HttpOnly || session[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie through the API = %v", rec.Result().Cookies())
	}
	rec = f.serve(pageRequest("GET", "/ui/account", nil, session))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "pia@example.com") {
		t.Fatalf("account page = %d\n%s", rec.Code, rec.Body)
	}
}

// TestAPIRootAndOldLinksLeadToThePages: a person opening the API, or the
// verification link of an older mail through it, lands on a page.
func TestAPIRootAndOldLinksLeadToThePages(t *testing.T) {
	f := newFixture(t, options{})
	for path, want := range map[string]string{
		"/":                                  "/ui/",
		"/api/auth/verify-email?token=abc":   "/ui/verify-email?token=abc",
		"/api/auth/reset-password?token=abc": "/ui/reset-password?token=abc",
	} {
		rec := f.do("GET", path, nil, "")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Errorf("GET %s = %d, Location %q; want 303 to %s", path, rec.Code, rec.Header().Get("Location"), want)
		}
	}
}
