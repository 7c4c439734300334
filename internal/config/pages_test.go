package config

import (
	"strings"
	"testing"
)

// TestPublicURLDefault: under serve the API is the public origin, so the
// links in mail and the pages default to it.
func TestPublicURLDefault(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
		env  map[string]string
		want string
	}{
		{"serve default", ModeServe, nil, "http://localhost:8000"},
		{"serve API port", ModeServe, map[string]string{"API_ADDR": ":9100"}, "http://localhost:9100"},
		{"serve any host", ModeServe, map[string]string{"API_ADDR": "0.0.0.0:9100"}, "http://localhost:9100"},
		{"serve named host", ModeServe, map[string]string{"API_ADDR": "127.0.0.1:9100"}, "http://127.0.0.1:9100"},
		{"serve IPv6 any", ModeServe, map[string]string{"API_ADDR": "[::]:9100"}, "http://localhost:9100"},
		{"serve given", ModeServe, map[string]string{"PUBLIC_URL": "https://bizy.example"}, "https://bizy.example"},
		{"auth alone", ModeAuth, map[string]string{"API_ADDR": ":9100"}, "http://localhost:4567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustLoad(t, tt.mode, nil, tt.env).PublicURL; got != tt.want {
				t.Errorf("PublicURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCookieDomain(t *testing.T) {
	for in, want := range map[string]string{"": "", "example.com": "example.com", ".Example.COM": "example.com",
		"auth.bizy-app.example": "auth.bizy-app.example"} {
		if got := mustLoad(t, ModeAuth, nil, map[string]string{"COOKIE_DOMAIN": in}).CookieDomain; got != want {
			t.Errorf("COOKIE_DOMAIN=%q: got %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"exa mple.com", "example..com", "-x.example", "x_y.example", "example.com/", "a;b"} {
		_, err := load(t, ModeAuth, nil, map[string]string{"COOKIE_DOMAIN": bad})
		if err == nil || !strings.Contains(err.Error(), "COOKIE_DOMAIN: want a domain name") {
			t.Errorf("COOKIE_DOMAIN=%q: err = %v, want COOKIE_DOMAIN named", bad, err)
		}
	}
}
