package authserver

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/bizy-auth/bizy/internal/oidc"
	"github.com/bizy-auth/bizy/internal/openapitest"
	"github.com/bizy-auth/bizy/internal/pages"
	"github.com/bizy-auth/bizy/openapi"
)

// TestRoutesDocumented holds the routes to openapi/auth.json: a route
// served but not documented, or documented but not served, fails it. The
// exchanges of this package's tests are held to the document by the
// fixture (openapitest.Checker).
func TestRoutesDocumented(t *testing.T) {
	var routes openapitest.Routes
	// Nothing is served: the dependencies are only captured, so nil will do.
	addRoutes(&routes, slog.New(slog.DiscardHandler), Config{Metrics: http.NotFoundHandler(),
		OpenID: &oidc.Provider{}, Pages: pages.Config{OpenID: &oidc.Provider{}}}, nil, nil, noKeys{})
	openapitest.CheckRoutes(t, openapi.Auth(), routes.Patterns())
}

func TestOpenAPIServed(t *testing.T) {
	f := newFixture(t, options{})
	rec := f.do("GET", "/openapi.json", nil, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" ||
		rec.Body.String() != string(openapi.Auth()) {
		t.Fatalf("GET /openapi.json = %d %s %.100s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}
