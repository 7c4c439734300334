package mail_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail"
)

func mustTemplates(t *testing.T, publicURL string) *mail.Templates {
	t.Helper()
	tpl, err := mail.NewTemplates(publicURL)
	if err != nil {
		t.Fatalf("NewTemplates(%q): %v", publicURL, err)
	}
	return tpl
}

var hrefPattern = regexp.MustCompile(`href="([^"]*)"`)

func TestTemplatesLinks(t *testing.T) {
	tpl := mustTemplates(t, "https://bizy.example.com/auth/") // trailing slash dropped
	const token = "a+b/c=d&e f"                               // every character that needs escaping
	wantQuery := "?token=" + url.QueryEscape(token)

	for _, tc := range []struct {
		name        string
		render      func() (auth.Email, error)
		wantLink    string
		wantSubject string
		wantText    []string
	}{
		{
			name:        "Verification",
			render:      func() (auth.Email, error) { return tpl.Verification("ann@example.com", "ann_1", token) },
			wantLink:    "https://bizy.example.com/auth/ui/verify-email" + wantQuery,
			wantSubject: "Verify your email for Bizy",
			wantText:    []string{"Hello ann_1", "Bizy", "24 hours"},
		},
		{
			name:        "PasswordReset",
			render:      func() (auth.Email, error) { return tpl.PasswordReset("ann@example.com", "ann_1", token) },
			wantLink:    "https://bizy.example.com/auth/ui/reset-password" + wantQuery,
			wantSubject: "Reset your Bizy password",
			wantText:    []string{"Hello ann_1", "Bizy", "1 hour"},
		},
		{
			name:        "Unlock",
			render:      func() (auth.Email, error) { return tpl.Unlock("ann@example.com", "ann_1", token) },
			wantLink:    "https://bizy.example.com/auth/ui/unlock" + wantQuery,
			wantSubject: "Your Bizy account was locked",
			wantText:    []string{"Hello ann_1", "Bizy", "1 hour", "locked for everyone"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := tc.render()
			if err != nil {
				t.Fatal(err)
			}
			if e.To != "ann@example.com" || e.Subject != tc.wantSubject {
				t.Errorf("To, Subject = %q, %q; want ann@example.com, %q", e.To, e.Subject, tc.wantSubject)
			}
			for _, want := range append(tc.wantText, tc.wantLink) {
				if !strings.Contains(e.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, e.Text)
				}
			}
			for _, want := range tc.wantText {
				if !strings.Contains(e.HTML, want) {
					t.Errorf("HTML lacks %q:\n%s", want, e.HTML)
				}
			}
			// A browser unescapes the attribute (html/template writes + as &#43;).
			m := hrefPattern.FindStringSubmatch(e.HTML)
			if m == nil || html.UnescapeString(m[1]) != tc.wantLink {
				t.Errorf("HTML link = %q, want %q", m, tc.wantLink)
			}
			u, err := url.Parse(tc.wantLink)
			if err != nil || u.Query().Get("token") != token {
				t.Errorf("token does not round-trip through the link: %v %q", err, u.Query().Get("token"))
			}
		})
	}
}

func TestTemplatesPasswordChanged(t *testing.T) {
	e, err := mustTemplates(t, "http://localhost:4567").PasswordChanged("ann@example.com", "ann_1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "Your Bizy password was changed" {
		t.Errorf("Subject = %q", e.Subject)
	}
	for _, body := range []string{e.Text, e.HTML} {
		if !strings.Contains(body, "Hello ann_1") || !strings.Contains(body, "Forgot password") {
			t.Errorf("body lacks greeting or advice:\n%s", body)
		}
		if strings.Contains(body, "token=") {
			t.Errorf("notice carries a token link:\n%s", body)
		}
	}
}

func TestTemplatesEscapeHTML(t *testing.T) {
	tpl := mustTemplates(t, "http://localhost:4567")
	const evil = `<script>alert("x")</script>`
	e, err := tpl.Verification("ann@example.com", evil, "tok")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.HTML, "<script>") {
		t.Errorf("HTML carries the raw username:\n%s", e.HTML)
	}
	if !strings.Contains(e.HTML, "&lt;script&gt;") {
		t.Errorf("HTML lacks the escaped username:\n%s", e.HTML)
	}
	// Plain text is not HTML: the name shows as typed.
	if !strings.Contains(e.Text, evil) {
		t.Errorf("text lacks the username as given:\n%s", e.Text)
	}
}

func TestNewTemplatesRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "localhost:4567", "ftp://x", "http://", "http://x/?a=b", "http://x/#f", "http://u:p@x"} {
		if _, err := mail.NewTemplates(u); err == nil {
			t.Errorf("NewTemplates(%q) = nil error", u)
		}
	}
}

func TestTemplatesRejectEmptyInput(t *testing.T) {
	tpl := mustTemplates(t, "http://localhost:4567")
	if _, err := tpl.Verification("ann@example.com", "ann", ""); err == nil {
		t.Error("Verification with an empty token: nil error")
	}
	if _, err := tpl.PasswordReset("", "ann", "tok"); err == nil {
		t.Error("PasswordReset with no recipient: nil error")
	}
}
