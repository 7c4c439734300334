package authserver

import (
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/web"
)

// requireAdmin goes inside requireSession: the caller must be an enabled
// admin according to the database now, not merely according to the
// is_admin claim of a token that may be minutes old. Anyone else gets 403.
// Admin answers are never cached.
func requireAdmin(svc *auth.Service, next http.Handler) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		if _, err := svc.RequireAdmin(r.Context(), c.UserID); err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
		return nil
	}
}

// adminUserView is a user as an admin sees it: the public user object plus
// whether the account is disabled and when it last changed.
type adminUserView struct {
	ID            string    `json:"id"`
	Username      string    `json:"username"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	IsAdmin       bool      `json:"is_admin"`
	Disabled      bool      `json:"disabled"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func newAdminUserView(u auth.User) adminUserView {
	return adminUserView{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified,
		IsAdmin: u.IsAdmin, Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// adminUserResponse is the answer about one user.
type adminUserResponse struct {
	User adminUserView `json:"user"`
}

// page is one page of an admin list; next_cursor is absent on the last.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// handleAdminUsers answers a page of users, newest first, optionally only
// those whose username or email contains q (any case, taken literally).
func handleAdminUsers(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		limit, err := input.Limit(q.Get("limit"))
		if err != nil {
			return err
		}
		users, next, err := svc.ListUsers(r.Context(), auth.UserQuery{Query: q.Get("q"), Limit: limit, Cursor: q.Get("cursor")})
		if err != nil {
			return err
		}
		items := make([]adminUserView, len(users))
		for i, u := range users {
			items[i] = newAdminUserView(u)
		}
		return web.JSON(w, http.StatusOK, page[adminUserView]{Items: items, NextCursor: next})
	}
}

func handleAdminUser(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		u, err := svc.User(r.Context(), id)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, adminUserResponse{User: newAdminUserView(u)})
	}
}

// adminPatchRequest is the body of PATCH /admin/users/{id}; absent (or
// null) fields stay as they are.
type adminPatchRequest struct {
	IsAdmin       *bool `json:"is_admin"`
	EmailVerified *bool `json:"email_verified"`
	Disabled      *bool `json:"disabled"`
}

// handleAdminPatchUser changes a user's role, verification or disabled
// flag and answers the whole updated user. An admin removing their own role
// or disabling themselves gets 409.
func handleAdminPatchUser(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		req, err := web.Decode[adminPatchRequest](r)
		if err != nil {
			return err
		}
		admin, c, err := caller(r)
		if err != nil {
			return err
		}
		u, err := svc.AdminUpdateUser(r.Context(), admin.UserID, id,
			auth.UserChanges{IsAdmin: req.IsAdmin, EmailVerified: req.EmailVerified, Disabled: req.Disabled}, c)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, adminUserResponse{User: newAdminUserView(u)})
	}
}
