package authserver

import (
	"net/http"

	"github.com/bizy-auth/bizy/internal/web"
)

func handleJWKS(keys KeyPublisher) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		set, err := keys.JWKS(r.Context())
		if err != nil {
			return err
		}
		// Short caching: verifiers refetch on an unknown kid anyway.
		w.Header().Set("Cache-Control", "public, max-age=60")
		return web.JSON(w, http.StatusOK, set)
	}
}
