package authserver

import (
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/pages"
	"github.com/bizy-auth/bizy/internal/web"
)

// pageSessionAAL is the assurance level of a page session: a password,
// until second factors land and a session records what it was opened with.
const pageSessionAAL = "aal1"

// handlePageSession answers GET /page-session: who the bizy_session cookie
// sent with the request names, as the database has them now. It is how the
// API's forward auth (GET /api/auth/forward) learns about a browser's
// cookie without reading the auth service's tables: 200 {session_id,
// expires_at, aal, user}, or a 401 problem when the cookie is missing or
// names no live session of an enabled user. The cookie's secret is 256
// random bits, stored only hashed, so this answers nothing to a guesser.
func handlePageSession(svc *auth.Service) web.Handler {
	type response struct {
		SessionID string    `json:"session_id"`
		ExpiresAt time.Time `json:"expires_at"`
		AAL       string    `json:"aal"`
		User      auth.User `json:"user"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		c, err := r.Cookie(pages.SessionCookie)
		if err != nil {
			return auth.ErrUnauthenticated
		}
		ps, err := svc.ResumePageSession(r.Context(), c.Value)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, response{
			SessionID: ps.Session.ID,
			ExpiresAt: ps.Session.ExpiresAt.UTC(),
			AAL:       pageSessionAAL,
			User:      ps.User,
		})
	}
}
