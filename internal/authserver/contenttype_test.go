package authserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/webtest"
)

// JSON endpoints refuse a body that is not labelled application/json
// (415); bodiless POSTs need no Content-Type.
func TestJSONBodiesNeedJSONContentType(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("mia", "mia@example.com", goodPassword, true)
	for _, path := range []string{"/login", "/register", "/forgot-password", "/resend-verification", "/refresh", "/verify-email", "/reset-password"} {
		for _, ct := range []string{"", "text/plain", "multipart/form-data; boundary=x"} {
			req := httptest.NewRequest("POST", path, strings.NewReader(`{"username":"mia","password":"`+goodPassword+`","email":"mia@example.com"}`))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, req)
			if p := webtest.WantProblem(t, rec, http.StatusUnsupportedMediaType); p.Code != "unsupported_media_type" {
				t.Errorf("POST %s with Content-Type %q: code %q", path, ct, p.Code)
			}
		}
	}
	tok := f.mustLogin("mia", goodPassword)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/logout", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("bodiless logout = %d %s", rec.Code, rec.Body)
	}
}
