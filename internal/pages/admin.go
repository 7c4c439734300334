package pages

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// adminPageSize is how many users or events an admin page lists.
const adminPageSize = 25

type adminHomeView struct {
	page
	Chart chart
}

// chartRanges are the spans the chart offers, in hours.
var chartRanges = map[string]int{"24h": 24, "7d": 7 * 24}

// handleAdminHome is the console's first page: the chart of sign-in
// attempts per hour by outcome, over 24 hours or 7 days.
func (p *pages) handleAdminHome(w http.ResponseWriter, r *http.Request) error {
	rng := r.URL.Query().Get("range")
	if _, ok := chartRanges[rng]; !ok {
		rng = "24h"
	}
	hours, err := p.svc.LoginsPerHour(r.Context(), chartRanges[rng])
	if err != nil {
		return err
	}
	v := adminHomeView{page: p.adminBase(w, r, "Admin", "home"), Chart: newChart(rng, hours)}
	return p.render(w, r, http.StatusOK, "admin_home", v)
}

// adminBase is base for a console page, with its tab marked.
func (p *pages) adminBase(w http.ResponseWriter, r *http.Request, title, section string) page {
	pg := p.base(w, r, title)
	pg.Wide, pg.Section = true, section
	pg.Notice = notices[r.URL.Query().Get("m")]
	return pg
}

// userRow is a user with the state the console shows as badges.
type userRow struct {
	auth.User
	LockedUntil time.Time
	MFA         bool // has a second factor (TOTP or a passkey)
}

func (p *pages) userRow(r *http.Request, u auth.User) (userRow, error) {
	until, err := p.svc.LockedUntil(r.Context(), u)
	if err != nil {
		return userRow{}, err
	}
	mfa, err := p.svc.HasMFA(r.Context(), u.ID)
	return userRow{User: u, LockedUntil: until, MFA: mfa}, err
}

type adminUsersView struct {
	page
	Query string
	Users []userRow
	Next  string // URL of the next page, or ""
	First string // URL of the first page, when this is not it
	Error string
}

// handleAdminUsers lists users, newest first, with a search over username
// and email and paging by cursor.
func (p *pages) handleAdminUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := adminUsersView{page: p.adminBase(w, r, "Users", "users"), Query: q.Get("q")}
	users, next, err := p.svc.ListUsers(r.Context(), auth.UserQuery{Query: v.Query, Limit: adminPageSize, Cursor: q.Get("cursor")})
	if ve := (*auth.ValidationError)(nil); errors.As(err, &ve) {
		v.Error = "That search or page link is not valid."
		return p.render(w, r, http.StatusUnprocessableEntity, "admin_users", v)
	} else if err != nil {
		return err
	}
	for _, u := range users {
		row, err := p.userRow(r, u)
		if err != nil {
			return err
		}
		v.Users = append(v.Users, row)
	}
	if next != "" {
		v.Next = "/ui/admin/users?" + url.Values{"q": {v.Query}, "cursor": {next}}.Encode()
	}
	if q.Get("cursor") != "" {
		v.First = "/ui/admin/users?" + url.Values{"q": {v.Query}}.Encode()
	}
	return p.render(w, r, http.StatusOK, "admin_users", v)
}

type adminUserView struct {
	page
	Target   userRow
	Self     bool // the admin looking at their own account
	Sessions int
	Events   []auth.Event
	Error    string
}

// handleAdminUser shows one user, every admin action on them, and their
// latest events.
func (p *pages) handleAdminUser(w http.ResponseWriter, r *http.Request) error {
	v, err := p.adminUserView(w, r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, "admin_user", v)
}

func (p *pages) adminUserView(w http.ResponseWriter, r *http.Request, id string) (adminUserView, error) {
	if !validID(id) {
		return adminUserView{}, auth.ErrNotFound
	}
	u, err := p.svc.User(r.Context(), id)
	if err != nil {
		return adminUserView{}, err
	}
	row, err := p.userRow(r, u)
	if err != nil {
		return adminUserView{}, err
	}
	sessions, err := p.svc.Sessions(r.Context(), u.ID)
	if err != nil {
		return adminUserView{}, err
	}
	events, _, err := p.svc.Events(r.Context(), auth.EventFilter{UserID: u.ID, Limit: 10})
	if err != nil {
		return adminUserView{}, err
	}
	v := adminUserView{page: p.adminBase(w, r, u.Username, "users"), Target: row,
		Self: u.ID == visitorOf(r).session.User.ID, Sessions: len(sessions), Events: events}
	return v, nil
}
