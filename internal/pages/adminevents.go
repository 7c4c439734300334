package pages

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// eventTypes are the kinds of event the filter offers, in the order of
// the menu.
var eventTypes = []string{
	auth.EventLoginSuccess, auth.EventLoginFailure, auth.EventLoginLocked, auth.EventLock, auth.EventAccountLocked,
	auth.EventUnlockMailed, auth.EventUnlock, auth.EventRateLimited, auth.EventBusy, auth.EventRegister, auth.EventVerificationSent, auth.EventEmailVerified,
	auth.EventResetRequested, auth.EventPasswordReset, auth.EventPasswordChanged,
	auth.EventRefresh, auth.EventRefreshReuse, auth.EventLogout, auth.EventSessionRevoked,
	auth.EventAdminGranted, auth.EventUserCreatedCLI, auth.EventAdminUserUpdated, auth.EventAdminUserDeleted,
	auth.EventAdminUnlock, auth.EventAdminSessionsRevoked,
	auth.EventMFAEnrolled, auth.EventMFARemoved, auth.EventMFAChallengePassed, auth.EventMFAChallengeFailed,
	auth.EventRecoveryCodeUsed, auth.EventRecoveryCodesNew, auth.EventPasskeyCloned, auth.EventAdminMFARemoved,
}

// timeLayout is the value of an <input type="datetime-local">, read as UTC.
const timeLayout = "2006-01-02T15:04"

type eventsView struct {
	page
	Form   *form
	Types  []string
	Events []auth.Event
	Next   string
	First  string
}

// handleAdminEvents lists the security events, newest first, filtered by
// user (id, username or email), type, client IP and time range (UTC), a
// page at a time.
func (p *pages) handleAdminEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := newForm("user", "type", "ip", "from", "to")
	for _, k := range []string{"user", "type", "ip", "from", "to"} {
		f.Values[k] = q.Get(k)
	}
	v := eventsView{page: p.adminBase(w, r, "Security events", "events"), Form: f, Types: eventTypes}
	filter, ok, err := p.eventFilter(r, f)
	if err != nil {
		return err
	}
	filter.Limit, filter.Cursor = adminPageSize, q.Get("cursor")
	if !f.OK() {
		return p.render(w, r, http.StatusUnprocessableEntity, "admin_events", v)
	}
	if ok {
		var next string
		v.Events, next, err = p.svc.Events(r.Context(), filter)
		var ve *auth.ValidationError
		if errors.As(err, &ve) {
			f.Errors["user"] = "That page link is not valid; start again from the first page"
			return p.render(w, r, http.StatusUnprocessableEntity, "admin_events", v)
		} else if err != nil {
			return err
		}
		params := url.Values{}
		for k, val := range f.Values {
			if val != "" {
				params.Set(k, val)
			}
		}
		if next != "" {
			params.Set("cursor", next)
			v.Next = "/ui/admin/events?" + params.Encode()
			params.Del("cursor")
		}
		if filter.Cursor != "" {
			v.First = "/ui/admin/events?" + params.Encode()
		}
	}
	return p.render(w, r, http.StatusOK, "admin_events", v)
}

// eventFilter reads the filter form into an auth.EventFilter, setting the
// form's errors for what does not parse. ok is false when the filter can
// match nothing (a user that does not exist).
func (p *pages) eventFilter(r *http.Request, f *form) (auth.EventFilter, bool, error) {
	var ef auth.EventFilter
	if s := f.Values["user"]; s != "" {
		switch {
		case validID(s):
			ef.UserID = s
		case !auth.ValidLoginName(s):
			f.Errors["user"] = "No user has that id, username or email"
		default:
			u, err := p.svc.UserByLogin(r.Context(), s)
			switch {
			case errors.Is(err, auth.ErrNotFound):
				f.Errors["user"] = "No user has that id, username or email"
			case err != nil:
				return ef, false, err
			default:
				ef.UserID = u.ID
			}
		}
	}
	if s := f.Values["type"]; s != "" {
		if !slices.Contains(eventTypes, s) {
			f.Errors["type"] = "Choose a type from the list"
		}
		ef.Type = s
	}
	if s := f.Values["ip"]; s != "" {
		a, err := netip.ParseAddr(s)
		if err != nil {
			f.Errors["ip"] = "Enter an IPv4 or IPv6 address, such as 203.0.113.7"
		} else {
			ef.IP = a.Unmap().String()
		}
	}
	for _, b := range []struct {
		name string
		to   *time.Time
	}{{"from", &ef.Since}, {"to", &ef.Until}} {
		if s := f.Values[b.name]; s != "" {
			t, err := time.Parse(timeLayout, s)
			if err != nil {
				f.Errors[b.name] = "Enter a date and time, such as 2026-01-31T14:00"
			}
			*b.to = t.UTC()
		}
	}
	if !ef.Since.IsZero() && !ef.Until.IsZero() && !ef.Until.After(ef.Since) {
		f.Errors["to"] = "Must be after the start"
	}
	return ef, f.OK(), nil
}

// validID reports whether s is an id Bizy issues: a canonical UUID.
// Anything else names nothing and never reaches the store.
func validID(s string) bool {
	id, err := uuid.Parse(s)
	return err == nil && id.String() == s
}
