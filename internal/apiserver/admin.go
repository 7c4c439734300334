package apiserver

import (
	"net/http"

	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// handleAdminStats answers counts over every user. It runs inside
// requireAdmin.
func handleAdminStats(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := svc.Stats(r.Context())
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, s)
	}
}
