package deploy

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/apiserver"
	"sigs.k8s.io/yaml"
)

// identityHeaders are the headers forward auth answers with, which every
// proxy configuration must copy to the app.
var identityHeaders = []string{apiserver.HeaderUserID, apiserver.HeaderUsername, apiserver.HeaderEmail,
	apiserver.HeaderAdmin, apiserver.HeaderAAL}

// TestTraefikForwardAuth checks forward-auth/traefik.yml, the one proxy
// file no test runs (Debian has no Traefik): decoded strictly, its
// middleware asks /api/auth/forward, sets X-Forwarded-* itself, sends the
// headers Bizy reads, and copies exactly the identity headers (Traefik
// deletes the client's own under those names first), and the app's router
// uses it. nginx.conf and Caddyfile run for real in cmd/bizy's
// TestForwardAuthNginx and TestForwardAuthCaddy; here they are only
// checked to name every identity header.
func TestTraefikForwardAuth(t *testing.T) {
	b, err := os.ReadFile("forward-auth/traefik.yml")
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		HTTP struct {
			Middlewares map[string]struct {
				ForwardAuth struct {
					Address             string   `json:"address"`
					TrustForwardHeader  bool     `json:"trustForwardHeader"`
					AuthRequestHeaders  []string `json:"authRequestHeaders"`
					AuthResponseHeaders []string `json:"authResponseHeaders"`
				} `json:"forwardAuth"`
			} `json:"middlewares"`
			Routers map[string]struct {
				Rule        string   `json:"rule"`
				Middlewares []string `json:"middlewares"`
				Service     string   `json:"service"`
			} `json:"routers"`
			Services map[string]any `json:"services"`
		} `json:"http"`
	}
	if err := yaml.UnmarshalStrict(b, &conf); err != nil {
		t.Fatal(err)
	}
	fa := conf.HTTP.Middlewares["bizy"].ForwardAuth
	if !strings.HasSuffix(fa.Address, "/api/auth/forward") || fa.TrustForwardHeader {
		t.Errorf("middleware bizy: address %q, trustForwardHeader %v", fa.Address, fa.TrustForwardHeader)
	}
	for _, h := range []string{"Accept", "Authorization", "Cookie"} {
		if !slices.Contains(fa.AuthRequestHeaders, h) {
			t.Errorf("authRequestHeaders lacks %s, which forward auth reads", h)
		}
	}
	if !slices.Equal(fa.AuthResponseHeaders, identityHeaders) {
		t.Errorf("authResponseHeaders = %v, want %v", fa.AuthResponseHeaders, identityHeaders)
	}
	app := conf.HTTP.Routers["app"]
	if !slices.Contains(app.Middlewares, "bizy") || conf.HTTP.Services[app.Service] == nil {
		t.Errorf("router app = %+v, want it to use middleware bizy and a declared service", app)
	}

	for _, f := range []string{"forward-auth/nginx.conf", "forward-auth/Caddyfile"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range identityHeaders {
			if !strings.Contains(strings.ToLower(string(b)), strings.ToLower(h)) {
				t.Errorf("%s does not name %s", f, h)
			}
		}
	}
}
