package authserver

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
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

func handleRefresh(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.Decode[refreshRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		t, err := svc.Refresh(r.Context(), req.RefreshToken, client(r, cfg.TrustedProxies))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		web.JSON(w, http.StatusOK, newTokenResponse("token refreshed", t))
	})
}

// handleLogout revokes the caller's session, or every session of the user
// with ?all=true. It answers 204.
func handleLogout(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := token.FromContext(r.Context())
		all := r.URL.Query().Get("all") == "true"
		if err := svc.Logout(r.Context(), c.UserID, c.SessionID, all, client(r, cfg.TrustedProxies)); err != nil {
			web.Error(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
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

func handleSessions(log *slog.Logger, svc *auth.Service) http.Handler {
	type response struct {
		Items []sessionView `json:"items"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := token.FromContext(r.Context())
		sessions, err := svc.Sessions(r.Context(), c.UserID)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		items := make([]sessionView, len(sessions))
		for i, s := range sessions {
			items[i] = sessionView{ID: s.ID, CreatedAt: s.CreatedAt, RefreshedAt: s.RefreshedAt, ExpiresAt: s.ExpiresAt,
				IP: s.IP, UserAgent: s.UserAgent, Current: s.ID == c.SessionID}
		}
		w.Header().Set("Cache-Control", "no-store")
		web.JSON(w, http.StatusOK, response{Items: items})
	})
}

func handleDeleteSession(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := token.FromContext(r.Context())
		id := r.PathValue("id")
		if !input.ValidID(id) {
			web.Error(w, r, log, auth.ErrNotFound)
			return
		}
		if err := svc.RevokeUserSession(r.Context(), c.UserID, id, client(r, cfg.TrustedProxies)); err != nil {
			web.Error(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleRevocations is the feed API copies poll to learn of revoked
// sessions whose access tokens have not expired yet.
func handleRevocations(log *slog.Logger, svc *auth.Service) http.Handler {
	type response struct {
		Revoked    []auth.Revocation `json:"revoked"`
		NextCursor string            `json:"next_cursor"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		revoked, next, err := svc.Revocations(r.Context(), r.URL.Query().Get("since"))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		web.JSON(w, http.StatusOK, response{Revoked: revoked, NextCursor: next})
	})
}
