package authserver

import (
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/web"
)

// isEventType reports whether s looks like an event type (auth.EventLogin…):
// 1 to 64 of a-z and _. A loop rather than the regexp `^[a-z_]{1,64}$`,
// which every process compiled at start (64 copies of the class: 46 KB
// and 600 allocations, half of the package inits' work in bizy's own code).
func isEventType(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// eventView is one entry of the security event log as an admin sees it.
// UserID is null when the login name matched no account.
type eventView struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	UserID    *string   `json:"user_id"`
	LoginName string    `json:"login_name"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Detail    string    `json:"detail"`
	CreatedAt time.Time `json:"created_at"`
}

// handleAdminEvents answers a page of the security event log, newest
// first, optionally only one user's or one type's events.
func handleAdminEvents(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		limit, err := input.Limit(q.Get("limit"))
		if err != nil {
			return err
		}
		f := auth.EventFilter{UserID: q.Get("user_id"), Type: q.Get("type"), Limit: limit, Cursor: q.Get("cursor")}
		if err := checkEventFilter(f); err != nil {
			return err
		}
		events, next, err := svc.Events(r.Context(), f) // a bad cursor is a *auth.ValidationError: 422
		if err != nil {
			return err
		}
		items := make([]eventView, len(events))
		for i, e := range events {
			items[i] = eventView{ID: e.ID, Type: e.Type, LoginName: e.LoginName, IP: e.IP,
				UserAgent: e.UserAgent, Detail: e.Detail, CreatedAt: e.CreatedAt}
			if e.UserID != "" {
				items[i].UserID = &e.UserID
			}
		}
		return web.JSON(w, http.StatusOK, page[eventView]{Items: items, NextCursor: next})
	}
}

// checkEventFilter refuses, before any query, filters that can match no
// event: a user_id that is not an id, a type that is not an event type, or
// a cursor that is not one the stores make (its id part included). It
// returns a *auth.ValidationError naming each such field.
func checkEventFilter(f auth.EventFilter) error {
	fields := map[string]string{}
	if f.UserID != "" && !input.ValidID(f.UserID) {
		fields["user_id"] = "must be a user id"
	}
	if f.Type != "" && !isEventType(f.Type) {
		fields["type"] = "must be an event type (1 to 64 lower-case letters and underscores)"
	}
	if f.Cursor != "" {
		if _, id, err := auth.DecodeEventCursor(f.Cursor); err != nil || !input.ValidID(id) {
			fields["cursor"] = "invalid cursor"
		}
	}
	if len(fields) > 0 {
		return &auth.ValidationError{Fields: fields}
	}
	return nil
}
