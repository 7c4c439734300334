package authserver

import (
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/web"
)

func handleJWKS(log *slog.Logger, keys KeyPublisher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set, err := keys.JWKS(r.Context())
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		// Short caching: verifiers refetch on an unknown kid anyway.
		w.Header().Set("Cache-Control", "public, max-age=60")
		web.JSON(w, http.StatusOK, set)
	})
}
