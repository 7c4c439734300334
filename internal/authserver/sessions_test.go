package authserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// loginTokens logs in and returns the access and refresh tokens.
func (f *fixture) loginTokens(login, password string) (access, refresh string) {
	f.t.Helper()
	rec := f.do("POST", "/login", map[string]string{"username": login, "password": password}, "")
	if rec.Code != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", login, rec.Code, rec.Body)
	}
	var body struct {
		Token        string `json:"token"`
		RefreshToken string `json:"refresh_token"`
	}
	webtest.Decode(f.t, rec, &body)
	return body.Token, body.RefreshToken
}

func (f *fixture) refresh(tok string) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do("POST", "/refresh", map[string]string{"refresh_token": tok}, "")
}

func TestRefreshRotates(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("pia", "pia@example.com", goodPassword, true)
	_, r1 := f.loginTokens("pia", goodPassword)

	rec := f.refresh(r1)
	if rec.Code != http.StatusOK {
		t.Fatalf("refresh = %d %s", rec.Code, rec.Body)
	}
	var body struct {
		Token        string `json:"token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		RefreshToken string `json:"refresh_token"`
		User         struct{ Username string }
	}
	webtest.Decode(t, rec, &body)
	if body.Token == "" || body.TokenType != "Bearer" || body.ExpiresIn != 900 || body.RefreshToken == "" ||
		body.RefreshToken == r1 || body.User.Username != "pia" {
		t.Fatalf("refresh answer = %s", rec.Body)
	}
	if rec := f.do("GET", "/profile", nil, body.Token); rec.Code != http.StatusOK {
		t.Fatalf("profile with the refreshed token = %d", rec.Code)
	}
	r2 := body.RefreshToken

	// The old refresh token is dead, and presenting it revokes the session.
	p := webtest.WantProblem(t, f.refresh(r1), http.StatusUnauthorized)
	if p.Code != "invalid_refresh_token" {
		t.Errorf("code = %q", p.Code)
	}
	webtest.WantProblem(t, f.refresh(r2), http.StatusUnauthorized)
	webtest.WantProblem(t, f.do("GET", "/profile", nil, body.Token), http.StatusUnauthorized)
	if evs, _, _ := f.svc.Events(context.Background(), auth.EventFilter{Type: auth.EventRefreshReuse, Limit: 10}); len(evs) != 1 {
		t.Errorf("refresh_reuse events = %d, want 1", len(evs))
	}
}

func TestRefreshRejects(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("quin", "quin@example.com", goodPassword, true)
	_, r := f.loginTokens("quin", goodPassword)
	webtest.WantProblem(t, f.refresh("not-a-token"), http.StatusUnauthorized)
	webtest.WantProblem(t, f.do("POST", "/refresh", map[string]string{}, ""), http.StatusUnprocessableEntity)
	f.clock.Advance(720*time.Hour + time.Second)
	webtest.WantProblem(t, f.refresh(r), http.StatusUnauthorized)
}

// TestRefreshConcurrentReuse: one refresh token sent twice at once yields
// one new pair; the other attempt counts as reuse and ends the session.
func TestRefreshConcurrentReuse(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("rosa", "rosa@example.com", goodPassword, true)
	_, r := f.loginTokens("rosa", goodPassword)
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = f.refresh(r).Code }()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		if c == http.StatusOK {
			ok++
		} else if c != http.StatusUnauthorized {
			t.Fatalf("codes = %v", codes)
		}
	}
	if ok > 1 {
		t.Fatalf("codes = %v: one refresh token was traded twice", codes)
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("sam", "sam@example.com", goodPassword, true)
	a1, r1 := f.loginTokens("sam", goodPassword)
	a2, _ := f.loginTokens("sam", goodPassword)

	if rec := f.do("POST", "/logout", nil, a1); rec.Code != http.StatusNoContent {
		t.Fatalf("logout = %d %s", rec.Code, rec.Body)
	}
	webtest.WantProblem(t, f.do("GET", "/profile", nil, a1), http.StatusUnauthorized)
	webtest.WantProblem(t, f.refresh(r1), http.StatusUnauthorized)
	if rec := f.do("GET", "/profile", nil, a2); rec.Code != http.StatusOK {
		t.Fatalf("the other session after logout = %d", rec.Code)
	}

	a3, _ := f.loginTokens("sam", goodPassword)
	if rec := f.do("POST", "/logout?all=true", nil, a3); rec.Code != http.StatusNoContent {
		t.Fatalf("logout all = %d", rec.Code)
	}
	for _, tok := range []string{a2, a3} {
		webtest.WantProblem(t, f.do("GET", "/profile", nil, tok), http.StatusUnauthorized)
	}
	webtest.WantProblem(t, f.do("POST", "/logout", nil, ""), http.StatusUnauthorized)
}

func TestSessionsListAndRevoke(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("tia", "tia@example.com", goodPassword, true)
	f.mustRegister("uma", "uma@example.com", goodPassword, true)
	mine, _ := f.loginTokens("tia", goodPassword)
	f.clock.Advance(time.Second)
	other, _ := f.loginTokens("tia", goodPassword)
	umas, _ := f.loginTokens("uma", goodPassword)

	rec := f.do("GET", "/sessions", nil, mine)
	var list struct {
		Items []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"items"`
	}
	webtest.Decode(t, rec, &list)
	if rec.Code != http.StatusOK || len(list.Items) != 2 || list.Items[0].Current || !list.Items[1].Current {
		t.Fatalf("sessions = %d %s", rec.Code, rec.Body)
	}
	otherID := list.Items[0].ID

	// Uma can't see or end Tia's session: 404, as for an unknown one.
	webtest.WantProblem(t, f.do("DELETE", "/sessions/"+otherID, nil, umas), http.StatusNotFound)
	webtest.WantProblem(t, f.do("DELETE", "/sessions/01a22418-0000-7000-8000-000000000000", nil, mine), http.StatusNotFound)
	if rec := f.do("GET", "/profile", nil, other); rec.Code != http.StatusOK {
		t.Fatalf("session after a foreign delete = %d", rec.Code)
	}
	if rec := f.do("DELETE", "/sessions/"+otherID, nil, mine); rec.Code != http.StatusNoContent {
		t.Fatalf("delete own session = %d %s", rec.Code, rec.Body)
	}
	webtest.WantProblem(t, f.do("GET", "/profile", nil, other), http.StatusUnauthorized)
}

func TestRevocationsFeed(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("vera", "vera@example.com", goodPassword, true)
	a1, _ := f.loginTokens("vera", goodPassword)
	var feed struct {
		Revoked []struct {
			SID       string    `json:"sid"`
			ExpiresAt time.Time `json:"expires_at"`
		} `json:"revoked"`
		NextCursor string `json:"next_cursor"`
	}
	rec := f.do("GET", "/revocations", nil, "")
	webtest.Decode(t, rec, &feed)
	if rec.Code != http.StatusOK || len(feed.Revoked) != 0 || feed.NextCursor == "" {
		t.Fatalf("empty feed = %d %s", rec.Code, rec.Body)
	}
	cursor := feed.NextCursor

	f.do("POST", "/logout", nil, a1)
	rec = f.do("GET", "/revocations?since="+cursor, nil, "")
	feed.Revoked = nil
	webtest.Decode(t, rec, &feed)
	if len(feed.Revoked) != 1 || feed.Revoked[0].SID == "" || !feed.Revoked[0].ExpiresAt.After(f.clock.Now()) {
		t.Fatalf("feed after logout = %s", rec.Body)
	}
	// Once every access token of the session has expired, it leaves the feed.
	f.clock.Advance(16 * time.Minute)
	rec = f.do("GET", "/revocations", nil, "")
	feed.Revoked = nil
	webtest.Decode(t, rec, &feed)
	if len(feed.Revoked) != 0 {
		t.Fatalf("feed long after = %s", rec.Body)
	}
	webtest.WantProblem(t, f.do("GET", "/revocations?since=@@@", nil, ""), http.StatusUnprocessableEntity)
}
