package authserver

import (
	"context"
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

// healthTimeout bounds the database check so a hung database answers 503
// rather than hanging the load balancer's probe.
const healthTimeout = 2 * time.Second

func handleHealth(svc *auth.Service) web.Handler {
	type response struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		if err := svc.Ping(ctx); err != nil {
			return web.JSON(w, http.StatusServiceUnavailable, response{Status: "unavailable", Checks: map[string]string{"database": "unreachable"}})
		}
		return web.JSON(w, http.StatusOK, response{Status: "ok", Checks: map[string]string{"database": "ok"}})
	}
}
