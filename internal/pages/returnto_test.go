package pages

import (
	"net/http"
	"net/url"
	"testing"
)

// TestReturnTo: return_to may only name a path on PUBLIC_URL, an origin of
// CORS_ALLOWED_ORIGINS or a registered OpenID redirect; anything else,
// however it is dressed up, is ignored.
func TestReturnTo(t *testing.T) {
	p := newPages(discardLog(), Config{
		PublicURL:          "https://bizy.example",
		CORSAllowedOrigins: []string{"http://localhost:3000"},
		RedirectAllowed:    func(u string) bool { return u == "https://app.example/callback" },
	}, nil)
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"/ui/account", true},
		{"/ui/admin/users?q=a%20b#top", true},
		{"/ui/login?return_to=%2F%2Fevil.example", true}, // a path on this origin, whatever its query says
		{"https://bizy.example/ui/admin", true},
		{"HTTPS://Bizy.Example/ui/admin", true},
		{"http://localhost:3000/after-login", true},
		{"https://app.example/callback", true},

		{"", false},
		{"//evil.example", false},
		{"///evil.example", false},
		{"//evil.example/ui/account", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"\\/evil.example", false},
		{"/\t/evil.example", false},
		{"/\n/evil.example", false},
		{" /ui/account", false},
		{"https://evil.example", false},
		{"https://evil.example/ui/account", false},
		{"http://bizy.example/ui/account", false}, // another scheme is another origin
		{"https://bizy.example.evil.example/", false},
		{"https://bizy.example@evil.example/", false},
		{"https://user:pw@bizy.example/", false},
		{"http://localhost:3001/", false},
		{"https://app.example/other", false},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"java\tscript:alert(1)", false},
		{"javascript://bizy.example/%0aalert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"https:evil.example", false},
		{"https:/evil.example", false},
		{"%2F%2Fevil.example", false},
		{"%2f%2fevil.example", false},
		{"/%2F%2Fevil.example", false},
		{"/%2f/evil.example", false},
		{"/%5Cevil.example", false},
		{"%252F%252Fevil.example", false},
		{"ui/account", false},
		{"/ui/\u00e9t\u00e9", false}, // not percent-encoded: refused rather than guessed at
	} {
		got := p.returnTo(tc.raw)
		if tc.ok && got != tc.raw {
			t.Errorf("returnTo(%q) = %q, want it kept", tc.raw, got)
		}
		if !tc.ok && got != "" {
			t.Errorf("returnTo(%q) = %q, want it ignored", tc.raw, got)
		}
	}
}

// TestReturnToAfterSignIn: the sign-in form carries return_to through and
// follows it only when it is safe.
func TestReturnToAfterSignIn(t *testing.T) {
	f := newFixture(t, Config{CORSAllowedOrigins: []string{"http://localhost:3000"}})
	f.user("rita", false)
	for raw, wantLoc := range map[string]string{
		"/ui/admin":                      "/ui/admin",
		"http://localhost:3000/welcome":  "http://localhost:3000/welcome",
		"//evil.example":                 "/ui/account",
		"https://evil.example/ui/admin":  "/ui/account",
		"javascript:alert(document.URL)": "/ui/account",
		"%2F%2Fevil.example":             "/ui/account",
	} {
		b := f.browser()
		page := b.get("/ui/login?return_to=" + url.QueryEscape(raw))
		want(t, "sign-in page", page, http.StatusOK)
		a := b.post("/ui/login", url.Values{"login": {"rita"}, "password": {goodPassword}, "return_to": {raw}})
		if a.status != http.StatusSeeOther || a.location() != wantLoc {
			t.Errorf("return_to %q: %d to %q, want %q", raw, a.status, a.location(), wantLoc)
		}
		// A browser already signed in goes on at once, by the same rule.
		if a := b.get("/ui/login?return_to=" + url.QueryEscape(raw)); a.location() != wantLoc {
			t.Errorf("signed in, return_to %q: to %q, want %q", raw, a.location(), wantLoc)
		}
	}
}
