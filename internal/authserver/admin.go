package authserver

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// requireAdmin goes inside requireSession: the caller must be an enabled
// admin according to the database now, not merely according to the
// is_admin claim of a token that may be minutes old. Anyone else gets 403.
// Admin answers are never cached.
func requireAdmin(log *slog.Logger, svc *auth.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := token.FromContext(r.Context())
		if !ok {
			web.Error(w, r, log, auth.ErrUnauthenticated)
			return
		}
		if _, err := svc.RequireAdmin(r.Context(), c.UserID); err != nil {
			web.Error(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
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

// handleAdminUsers answers a page of users, newest first, optionally only
// those whose username or email contains q (any case, taken literally).
func handleAdminUsers(log *slog.Logger, svc *auth.Service) http.Handler {
	type response struct {
		Items      []adminUserView `json:"items"`
		NextCursor string          `json:"next_cursor,omitempty"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := input.Limit(r.URL.Query().Get("limit"))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		q := r.URL.Query()
		users, next, err := svc.ListUsers(r.Context(), auth.UserQuery{Query: q.Get("q"), Limit: limit, Cursor: q.Get("cursor")})
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		items := make([]adminUserView, len(users))
		for i, u := range users {
			items[i] = newAdminUserView(u)
		}
		web.JSON(w, http.StatusOK, response{Items: items, NextCursor: next})
	})
}

func handleAdminUser(log *slog.Logger, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !input.ValidID(id) {
			web.Error(w, r, log, auth.ErrNotFound)
			return
		}
		u, err := svc.User(r.Context(), id)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, adminUserResponse{User: newAdminUserView(u)})
	})
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
func handleAdminPatchUser(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !input.ValidID(r.PathValue("id")) {
			web.Error(w, r, log, auth.ErrNotFound)
			return
		}
		req, err := web.Decode[adminPatchRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		c, _ := token.FromContext(r.Context())
		u, err := svc.AdminUpdateUser(r.Context(), c.UserID, r.PathValue("id"),
			auth.UserChanges{IsAdmin: req.IsAdmin, EmailVerified: req.EmailVerified, Disabled: req.Disabled},
			client(r, cfg.TrustedProxies))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, adminUserResponse{User: newAdminUserView(u)})
	})
}

// handleAdminDeleteUser deletes a user and answers 204; an admin deleting
// themselves gets 409.
func handleAdminDeleteUser(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return adminAction(log, func(r *http.Request, actorID, userID string) error {
		return svc.AdminDeleteUser(r.Context(), actorID, userID, client(r, cfg.TrustedProxies))
	})
}

// handleAdminUnlock clears the lockout of a user's username and email.
func handleAdminUnlock(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return adminAction(log, func(r *http.Request, actorID, userID string) error {
		return svc.AdminUnlock(r.Context(), actorID, userID, client(r, cfg.TrustedProxies))
	})
}

// handleAdminRevokeSessions revokes every session of a user.
func handleAdminRevokeSessions(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return adminAction(log, func(r *http.Request, actorID, userID string) error {
		return svc.AdminRevokeSessions(r.Context(), actorID, userID, client(r, cfg.TrustedProxies))
	})
}

// adminAction runs do for the acting admin and the user named in the path,
// and answers 204 or the error.
func adminAction(log *slog.Logger, do func(r *http.Request, actorID, userID string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := token.FromContext(r.Context())
		id := r.PathValue("id")
		if !input.ValidID(id) {
			web.Error(w, r, log, auth.ErrNotFound)
			return
		}
		if err := do(r, c.UserID, id); err != nil {
			web.Error(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
