package apiserver

import (
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// handleAdminStats answers counts over every user. It runs inside
// requireAdmin.
func handleAdminStats(log *slog.Logger, svc *tasks.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := svc.Stats(r.Context())
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, s)
	})
}
