package authserver

import (
	"context"
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/health"
	"github.com/bizy-auth/bizy/internal/web"
)

// healthTimeout bounds the database check so a hung database answers 503
// rather than hanging the load balancer's probe.
const healthTimeout = 2 * time.Second

// handleHealth answers from a database check cached for about a second and
// shared by concurrent callers (internal/health), so a flood of probes
// costs about what a 404 costs.
func handleHealth(svc *auth.Service) web.Handler {
	db := health.NewCached(func(ctx context.Context) (struct{}, error) {
		return struct{}{}, svc.Ping(ctx)
	}, health.DefaultTTL, healthTimeout, nil)
	type response struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		if _, err := db.Do(ctx); err != nil {
			return web.JSON(w, http.StatusServiceUnavailable, response{Status: "unavailable", Checks: map[string]string{"database": "unreachable"}})
		}
		return web.JSON(w, http.StatusOK, response{Status: "ok", Checks: map[string]string{"database": "ok"}})
	}
}
