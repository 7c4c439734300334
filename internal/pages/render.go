package pages

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/fault"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// templates holds one template set per page: the layout and partials,
// plus that page's "content". Each set is parsed when its page is first
// rendered, not at start: parsing all of them took 4 to 7 ms of every
// start and held 1.2 MB that a process which never serves a page (the API
// alone, or an auth service behind a mobile app) does not need. The
// templates are embedded, so a parse error is a bug that
// TestEveryPageTemplateParses finds, never a setting.
type templates struct {
	pages map[string]func() (*template.Template, error)
	// cssVersion is a hash of the stylesheet, put in its URL so that
	// browsers may keep it as long as it does not change.
	cssVersion string
}

// funcs are the helpers the templates use.
var funcs = template.FuncMap{
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"date":    func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"act":     newActionButton,
	"evclass": eventClass,
	// plus and minus take the operand first, for pipelines: {{.X | plus 4}}.
	"plus":  func(a, b int) int { return b + a },
	"minus": func(a, b int) int { return b - a },
}

// newTemplates lists the pages, whose templates are parsed on first use.
func newTemplates() *templates {
	base := sync.OnceValues(func() (*template.Template, error) {
		return template.New("").Funcs(funcs).ParseFS(templateFS, "templates/_*.html")
	})
	names, err := fs.Glob(templateFS, "templates/[a-z]*.html")
	if err != nil {
		panic(err)
	}
	t := &templates{pages: make(map[string]func() (*template.Template, error), len(names))}
	for _, n := range names {
		t.pages[n[len("templates/"):len(n)-len(".html")]] = sync.OnceValues(func() (*template.Template, error) {
			b, err := base()
			if err != nil {
				return nil, err
			}
			page, err := b.Clone()
			if err != nil {
				return nil, err
			}
			return page.ParseFS(templateFS, n)
		})
	}
	css, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(css)
	t.cssVersion = hex.EncodeToString(sum[:6])
	return t
}

// actionButton is one admin action on the user page.
type actionButton struct {
	ID, Name, Label, Class, Note, CSRF string
}

func newActionButton(v adminUserView, name, label, class, note string) actionButton {
	return actionButton{ID: v.Target.ID, Name: name, Label: label, Class: class, Note: note, CSRF: v.CSRF}
}

// eventClass colours an event type's badge by what it says.
func eventClass(typ string) string {
	switch typ {
	case auth.EventLoginSuccess, auth.EventEmailVerified, auth.EventRegister, auth.EventUnlock, auth.EventAdminUnlock,
		auth.EventMFAChallengePassed, auth.EventMFAEnrolled:
		return "good"
	case auth.EventLoginFailure, auth.EventRefreshReuse, auth.EventAdminUserDeleted, auth.EventAccountLocked,
		auth.EventMFAChallengeFailed, auth.EventPasskeyCloned:
		return "bad"
	case auth.EventLock, auth.EventLoginLocked, auth.EventRateLimited, auth.EventBusy, auth.EventUnlockMailed:
		return "warn"
	}
	return "muted"
}

// page is what the layout needs of every page; each page's data embeds it.
type page struct {
	Title      string
	User       *auth.User // signed in, or nil
	CSRF       string
	Notice     string // a green box at the top: what just happened
	Wide       bool   // the app layout (account, admin) rather than a card
	Section    string // the admin tab to mark current
	CSSVersion string
}

// base fills the layout's part of a page for r.
func (p *pages) base(w http.ResponseWriter, r *http.Request, title string) page {
	pg := page{Title: title, CSRF: p.csrfToken(w, r), CSSVersion: p.tmpl.cssVersion}
	if v := visitorOf(r); v.session != nil {
		u := v.session.User
		pg.User = &u
	}
	return pg
}

// render writes page name with data and status. The page is rendered to a
// buffer first, so a template error is a clean 500 rather than half a page.
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	parsed, ok := p.tmpl.pages[name]
	if !ok {
		return errors.New("pages: no template " + name)
	}
	t, err := parsed()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// messageView is a page that says one thing, with an optional link on.
type messageView struct {
	page
	Heading, Text  string
	Link, LinkText string
	Error          bool
}

// renderError answers status with a page that says what went wrong. Its
// own failure can only be logged.
func (p *pages) renderError(w http.ResponseWriter, r *http.Request, status int, heading, text string) {
	v := messageView{page: p.base(w, r, heading), Heading: heading, Text: text, Error: true}
	if status == http.StatusForbidden || status == http.StatusNotFound {
		v.Link, v.LinkText = "/ui/account", "Go to your account"
	}
	if err := p.render(w, r, status, "message", v); err != nil {
		p.log.ErrorContext(r.Context(), "render error page", "err", err)
		http.Error(w, heading, status)
	}
}

// fail answers a page's error: a sign-in for a visitor who must be signed
// in, a page that says what happened for the errors people can meet, and a
// logged 500 for anything else.
func (p *pages) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		limited *LimitedError
		locked  *auth.LockedError
		mbe     *http.MaxBytesError
		bad     *formError
		fe      *fault.Error
	)
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
	case errors.Is(err, auth.ErrForbidden):
		p.renderError(w, r, http.StatusForbidden, "Admins only",
			"This part of Bizy is for administrators. Your account does not have that role.")
	case errors.Is(err, auth.ErrNotFound):
		p.renderError(w, r, http.StatusNotFound, "Not found", "There is nothing here. It may have been deleted.")
	case errors.Is(err, errBadForm):
		p.renderError(w, r, http.StatusForbidden, "This form has expired",
			"The page was open while you signed in or out somewhere else, or the form did not come from Bizy. Go back, reload the page and try again.")
	case errors.As(err, &mbe):
		p.renderError(w, r, http.StatusRequestEntityTooLarge, "That was too much", "The form sent more than Bizy accepts.")
	case errors.As(err, &bad):
		p.renderError(w, r, http.StatusBadRequest, "Something is wrong with the form", "Go back, reload the page and try again.")
	case errors.As(err, &limited):
		secs := int((limited.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		p.renderError(w, r, http.StatusTooManyRequests, "Too many attempts",
			"Too many requests came from your network. Wait "+minutes(secs)+" and try again.")
	case errors.As(err, &locked):
		w.Header().Set("Retry-After", strconv.Itoa(locked.RetryAfterSeconds))
		p.renderError(w, r, http.StatusLocked, "Account temporarily locked",
			"There were too many failed sign-ins. Try again in "+minutes(locked.RetryAfterSeconds)+", or reset your password.")
	case errors.As(err, &fe) && fe.Kind == fault.TooManyRequests:
		// The lockout's answer to more sign-ins of one account at once
		// than it has room for.
		secs := int((fe.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		p.renderError(w, r, http.StatusTooManyRequests, "Too many attempts",
			"Too many sign-ins to this account are under way. Wait "+minutes(secs)+" and try again.")
	case errors.Is(err, auth.ErrBusy):
		w.Header().Set("Retry-After", "1")
		p.renderError(w, r, http.StatusServiceUnavailable, "Bizy is busy",
			"Too many sign-ins are being checked right now. Try again in a second.")
	default:
		p.log.ErrorContext(r.Context(), "page failed", "err", err, "method", r.Method, "path", r.URL.Path)
		p.renderError(w, r, http.StatusInternalServerError, "Something went wrong",
			"Bizy could not finish that. Try again in a moment.")
	}
}

// minutes says how long secs seconds is, rounded up, for people.
func minutes(secs int) string {
	switch m := (secs + 59) / 60; {
	case secs < 60:
		return strconv.Itoa(max(secs, 1)) + " seconds"
	case m == 1:
		return "a minute"
	default:
		return strconv.Itoa(m) + " minutes"
	}
}

// handleStatic serves the stylesheet and images. A stylesheet URL with the
// current version may be kept a year; anything else an hour.
func (p *pages) handleStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("f")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		return auth.ErrNotFound
	}
	if r.URL.Query().Get("v") == p.tmpl.cssVersion {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	return nil
}
