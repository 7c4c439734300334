package authserver

import (
	"context"
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (q refreshRequest) Valid(context.Context) map[string]string {
	if q.RefreshToken == "" {
		return map[string]string{"refresh_token": "is required"}
	}
	return nil
}

func handleRefresh(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[refreshRequest](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		t, err := svc.Refresh(r.Context(), req.RefreshToken, c)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, newTokenResponse("token refreshed", t))
	}
}

// handleLogout revokes the caller's session, or every session of the user
// with ?all=true. It answers 204.
func handleLogout(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		claims, c, err := caller(r)
		if err != nil {
			return err
		}
		all := r.URL.Query().Get("all") == "true"
		if err := svc.Logout(r.Context(), claims.UserID, claims.SessionID, all, c); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// sessionView is a session as its owner sees it.
type sessionView struct {
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	RefreshedAt time.Time `json:"refreshed_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	IP          string    `json:"ip"`
	UserAgent   string    `json:"user_agent"`
	Current     bool      `json:"current"`
}

func handleSessions(svc *auth.Service) web.Handler {
	type response struct {
		Items []sessionView `json:"items"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		claims, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		sessions, err := svc.Sessions(r.Context(), claims.UserID)
		if err != nil {
			return err
		}
		items := make([]sessionView, len(sessions))
		for i, s := range sessions {
			items[i] = sessionView{ID: s.ID, CreatedAt: s.CreatedAt, RefreshedAt: s.RefreshedAt, ExpiresAt: s.ExpiresAt,
				IP: s.IP, UserAgent: s.UserAgent, Current: s.ID == claims.SessionID}
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, response{Items: items})
	}
}

// handleRevocations is the feed API copies poll to learn of revoked
// sessions whose access tokens have not expired yet, and of revoked
// signing keys (whole, on every page).
func handleRevocations(svc *auth.Service) web.Handler {
	type response struct {
		Revoked     []auth.Revocation `json:"revoked"`
		NextCursor  string            `json:"next_cursor"`
		RevokedKeys []string          `json:"revoked_keys"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		revoked, next, err := svc.Revocations(r.Context(), r.URL.Query().Get("since"))
		if err != nil {
			return err
		}
		keys, err := svc.RevokedKeys(r.Context())
		if err != nil {
			return err
		}
		if keys == nil {
			keys = []string{}
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, response{Revoked: revoked, NextCursor: next, RevokedKeys: keys})
	}
}

// handleDeletions is the feed API copies poll to learn of deleted users,
// whose tasks and goals they erase. Like /revocations it needs no token:
// it gives ids of accounts that no longer exist, and the auth service is
// reached by the API copies, not the public.
func handleDeletions(svc *auth.Service) web.Handler {
	type response struct {
		Deleted    []auth.UserDeletion `json:"deleted"`
		NextCursor string              `json:"next_cursor"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		deleted, next, err := svc.UserDeletions(r.Context(), r.URL.Query().Get("since"))
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, response{Deleted: deleted, NextCursor: next})
	}
}
