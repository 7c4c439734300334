package authserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// TestPageSession: GET /page-session names the user of a live page session
// cookie, and answers 401 for no cookie, a bad one, and one whose session
// has ended.
func TestPageSession(t *testing.T) {
	f := newFixture(t, options{})
	u := f.mustRegister("pia", "pia@example.com", "Tr1cky!Horse", true)
	ps, err := f.svc.PageLogin(context.Background(), "pia", "Tr1cky!Horse", auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	get := func(cookie string) *httptest.ResponseRecorder {
		req := webtest.NewRequest(t, "GET", "/page-session", nil, "")
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "bizy_session", Value: cookie})
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}

	rec := get(ps.Secret)
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("live cookie = %d %s (Cache-Control %q)", rec.Code, rec.Body, rec.Header().Get("Cache-Control"))
	}
	var body struct {
		SessionID string `json:"session_id"`
		AAL       string `json:"aal"`
		User      struct {
			ID, Username, Email string
			IsAdmin             bool `json:"is_admin"`
		}
	}
	webtest.Decode(t, rec, &body)
	if body.SessionID != ps.Session.ID || body.AAL != "aal1" || body.User.ID != u.ID ||
		body.User.Username != "pia" || body.User.Email != "pia@example.com" || body.User.IsAdmin {
		t.Fatalf("live cookie = %+v", body)
	}

	for name, cookie := range map[string]string{"none": "", "bad": "not-a-secret", "session id": ps.Session.ID} {
		if rec := get(cookie); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", name, rec.Code, rec.Body)
		}
	}
	if err := f.svc.Logout(context.Background(), u.ID, ps.Session.ID, false, auth.Client{}); err != nil {
		t.Fatal(err)
	}
	if rec := get(ps.Secret); rec.Code != http.StatusUnauthorized {
		t.Fatalf("after logout: %d %s, want 401", rec.Code, rec.Body)
	}
}
