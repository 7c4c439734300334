package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Product is the product name the messages carry.
const Product = "Bizy"

// Link paths and lifetimes of the messages. The lifetimes are the ones SPEC
// gives the tokens; the templates only state them, the auth service enforces
// them.
const (
	// VerifyEmailPath is the page that confirms an address: its GET shows
	// a button, and only the button's POST spends the token, so mail
	// scanners that fetch links use up nothing.
	VerifyEmailPath = "/ui/verify-email"
	// ResetPasswordPath is the page that asks for the new password and
	// spends the token when it is sent.
	ResetPasswordPath = "/ui/reset-password"
	// UnlockPath is the page that unlocks an account locked for everyone;
	// like the others it spends the token only on its button's POST.
	UnlockPath = "/ui/unlock"

	// VerificationLifetime is how long a verification link works.
	VerificationLifetime = 24 * time.Hour
	// PasswordResetLifetime is how long a reset link works.
	PasswordResetLifetime = time.Hour
	// UnlockLifetime is how long an unlock link works.
	UnlockLifetime = time.Hour
)

//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

// Templates renders the messages Bizy sends. Build one with NewTemplates;
// it is safe for concurrent use.
type Templates struct {
	product   string
	publicURL string // no trailing slash
}

// parsedTemplates is the embedded templates, parsed.
type parsedTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// parsed parses the embedded templates on the first message rendered, not
// at start: a process may send no mail for hours, and parsing pulls in
// text/template's and html/template's parsers and escapers (their code
// pages and some 50 KB of heap) that nothing else touches until a page is
// rendered. TestTemplatesParse parses them in every test run, so a broken
// template still fails the build's tests rather than a send.
var parsed = sync.OnceValues(func() (parsedTemplates, error) {
	text, err := texttemplate.ParseFS(templateFS, "templates/*.txt")
	if err != nil {
		return parsedTemplates{}, fmt.Errorf("mail: parse text templates: %w", err)
	}
	// Missing fields must fail rendering rather than print "<no value>".
	text.Option("missingkey=error")
	html, err := htmltemplate.ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return parsedTemplates{}, fmt.Errorf("mail: parse HTML templates: %w", err)
	}
	html.Option("missingkey=error")
	return parsedTemplates{text: text, html: html}, nil
})

// templateData is what every template sees.
type templateData struct {
	Product  string
	Username string
	Link     string
	Lifetime string
}

// NewTemplates returns the renderer of the embedded templates, which are
// parsed on the first message rendered. publicURL is the absolute
// http(s) base of the links (config PUBLIC_URL); it may carry a path prefix
// but no query or fragment. It returns an error for any other URL.
func NewTemplates(publicURL string) (*Templates, error) {
	u, err := url.Parse(publicURL)
	if err != nil {
		return nil, fmt.Errorf("mail: public URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("mail: public URL %q: want an absolute http(s) URL without user, query or fragment", publicURL)
	}
	return &Templates{
		product:   Product,
		publicURL: strings.TrimRight(publicURL, "/"),
	}, nil
}

// Verification renders the message that asks username to confirm the
// address to. Its link is PUBLIC_URL/ui/verify-email?token=TOKEN.
func (t *Templates) Verification(to, username, token string) (auth.Email, error) {
	if token == "" {
		return auth.Email{}, errors.New("mail: verification: empty token")
	}
	return t.render("verification", "Verify your email for "+t.product, to, templateData{
		Username: username,
		Link:     t.link(VerifyEmailPath, token),
		Lifetime: hours(VerificationLifetime),
	})
}

// PasswordReset renders the message carrying a password reset link,
// PUBLIC_URL/ui/reset-password?token=TOKEN.
func (t *Templates) PasswordReset(to, username, token string) (auth.Email, error) {
	if token == "" {
		return auth.Email{}, errors.New("mail: password reset: empty token")
	}
	return t.render("password_reset", "Reset your "+t.product+" password", to, templateData{
		Username: username,
		Link:     t.link(ResetPasswordPath, token),
		Lifetime: hours(PasswordResetLifetime),
	})
}

// PasswordChanged renders the notice sent after a password change or reset,
// so that a user whose password was changed by someone else hears of it.
func (t *Templates) PasswordChanged(to, username string) (auth.Email, error) {
	return t.render("password_changed", "Your "+t.product+" password was changed", to, templateData{
		Username: username,
	})
}

// Unlock renders the message sent when username's account is locked for
// everyone (auth.UnlockMailer), with the link
// PUBLIC_URL/ui/unlock?token=TOKEN.
func (t *Templates) Unlock(to, username, token string) (auth.Email, error) {
	if token == "" {
		return auth.Email{}, errors.New("mail: unlock: empty token")
	}
	return t.render("unlock", "Your "+t.product+" account was locked", to, templateData{
		Username: username,
		Link:     t.link(UnlockPath, token),
		Lifetime: hours(UnlockLifetime),
	})
}

// hours writes a whole number of hours for people: "1 hour", "24 hours".
func hours(d time.Duration) string {
	if h := int(d / time.Hour); h != 1 {
		return fmt.Sprintf("%d hours", h)
	}
	return "1 hour"
}

// link builds PUBLIC_URL + path + "?token=" + the escaped token.
func (t *Templates) link(path, token string) string {
	return t.publicURL + path + "?token=" + url.QueryEscape(token)
}

func (t *Templates) render(name, subject, to string, data templateData) (auth.Email, error) {
	if to == "" {
		return auth.Email{}, fmt.Errorf("mail: %s: empty recipient", name)
	}
	tmpl, err := parsed()
	if err != nil {
		return auth.Email{}, err
	}
	data.Product = t.product
	var text, html bytes.Buffer
	if err := tmpl.text.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return auth.Email{}, fmt.Errorf("mail: render %s text: %w", name, err)
	}
	if err := tmpl.html.ExecuteTemplate(&html, name+".html", data); err != nil {
		return auth.Email{}, fmt.Errorf("mail: render %s HTML: %w", name, err)
	}
	return auth.Email{To: to, Subject: subject, Text: text.String(), HTML: html.String()}, nil
}
