package authserver

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// doXFF is do with the given X-Forwarded-For and User-Agent, from the peer
// httptest gives every request (192.0.2.1).
func (f *fixture) doXFF(method, path string, body any, xff, ua string) *httptest.ResponseRecorder {
	f.t.Helper()
	req := webtest.NewRequest(f.t, method, path, body, "")
	req.Header.Set("X-Forwarded-For", xff)
	req.Header.Set("User-Agent", ua)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// A forwarded address with an IPv6 zone (invalid UTF-8, or 64 KiB of it)
// is no client IP: the peer is recorded instead, nothing answers 500 and
// every security event is stored, on PostgreSQL as on SQLite.
func TestForwardedZoneFallsBackToPeer(t *testing.T) {
	peer := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open, trusted: peer})
			for i, xff := range []string{"fe80::1%\xff\xfe", "fe80::1%" + strings.Repeat("z", 64<<10), "fe80::1%eth0"} {
				ua := "ua\xff\x00" + strings.Repeat("é", 400)
				user := []string{"erin", "frank", "gina"}[i]
				rec := f.doXFF("POST", "/register", map[string]string{
					"username": user, "email": user + "@example.com", "password": goodPassword}, xff, ua)
				if rec.Code != http.StatusCreated {
					t.Fatalf("register with X-Forwarded-For %.20q = %d %s", xff, rec.Code, rec.Body)
				}
				var reg struct{ User auth.User }
				webtest.Decode(t, rec, &reg)
				wrong := f.doXFF("POST", "/login", map[string]string{"username": user, "password": "Wrong!Pass1"}, xff, ua)
				webtest.WantProblem(t, wrong, http.StatusUnauthorized)
				for _, typ := range []string{auth.EventRegister, auth.EventLoginFailure} {
					evs := f.events(typ, reg.User.ID)
					if len(evs) != 1 || evs[0].IP != "192.0.2.1" {
						t.Fatalf("%s events with X-Forwarded-For %.20q = %+v, want one from the peer 192.0.2.1", typ, xff, evs)
					}
				}
			}
		})
	}
}
