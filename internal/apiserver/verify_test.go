package apiserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/webtest"
	"github.com/bizy-auth/bizy/token"
)

func TestVerifyToken(t *testing.T) {
	for _, hs := range []bool{false, true} {
		f := newFixture(t, options{hs256: hs})
		u, tok := f.mustUser("alice", true)
		rec := f.do("GET", "/api/auth/verify-token", nil, tok)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("hs256=%v: verify-token = %d %v %s", hs, rec.Code, rec.Header(), rec.Body)
		}
		var body struct {
			Valid bool
			User  struct {
				UserID   string `json:"user_id"`
				Username string
				Email    string
				IsAdmin  bool `json:"is_admin"`
			}
			ExpiresAt string `json:"expires_at"`
		}
		webtest.Decode(t, rec, &body)
		exp, err := time.Parse(time.RFC3339, body.ExpiresAt)
		if !body.Valid || body.User.UserID != u.ID || body.User.Username != "alice" || body.User.Email != "alice@example.com" ||
			!body.User.IsAdmin || err != nil || !strings.HasSuffix(body.ExpiresAt, "Z") ||
			exp.Sub(f.clock.Now()) > 15*time.Minute || exp.Sub(f.clock.Now()) < 14*time.Minute {
			t.Fatalf("hs256=%v: verify-token = %s", hs, rec.Body)
		}
	}
}

// TestTokenRejections: every Bearer route refuses a missing, malformed,
// expired, badly signed or wrong-algorithm token with 401 and never asks
// the auth service.
func TestTokenRejections(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	parts := strings.Split(tok, ".")

	// Signed by a key the auth service never had, under its real kid.
	var hdr struct{ Kid string }
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(hb, &hdr); err != nil || hdr.Kid == "" {
		t.Fatalf("token header %s: %v", hb, err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	claims := token.Claims{
		Issuer: "bizy-auth", Subject: "u1", UserID: "u1", SessionID: "s1", Audience: []string{"bizy"},
		IssuedAt: f.clock.Now(), ExpiresAt: f.clock.Now().Add(10 * time.Minute), IsAdmin: true,
	}
	forged, err := token.NewEdDSASigner(hdr.Kid, priv).Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := token.NewHS256Signer(testSecret)
	wrongAlg, err := hs.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}

	cases := map[string]string{
		"missing":       "",
		"malformed":     "not-a-token",
		"tampered":      parts[0] + "." + parts[1] + "x." + parts[2],
		"badly signed":  forged,
		"wrong alg":     wrongAlg,
		"bad signature": parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
	}
	routes := []struct{ method, path string }{
		{"GET", "/api/tasks"}, {"POST", "/api/tasks"}, {"GET", "/api/tasks/x"}, {"PATCH", "/api/tasks/x"},
		{"DELETE", "/api/tasks/x"}, {"GET", "/api/goals"}, {"POST", "/api/goals"}, {"GET", "/api/goals/x"},
		{"PATCH", "/api/goals/x"}, {"DELETE", "/api/goals/x"}, {"GET", "/api/auth/verify-token"},
		{"GET", "/api/admin/stats"}, {"GET", "/api/auth/profile"}, {"POST", "/api/auth/logout"},
		{"POST", "/api/auth/change-password"}, {"GET", "/api/auth/sessions"}, {"DELETE", "/api/auth/sessions/x"},
	}
	before := f.authRec.len()
	for name, bearer := range cases {
		for _, r := range routes {
			rec := f.do(r.method, r.path, map[string]string{"title": "x"}, bearer)
			if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s token, %s %s = %d %s", name, r.method, r.path, rec.Code, rec.Body)
			}
		}
	}
	// Expired, by the fake clock (15 min lifetime plus the verifier's leeway).
	f.clock.Advance(16 * time.Minute)
	for _, r := range routes {
		rec := f.do(r.method, r.path, map[string]string{"title": "x"}, tok)
		p := webtest.WantProblem(t, rec, http.StatusUnauthorized)
		if p.Detail != "token expired" {
			t.Errorf("expired token, %s %s: detail %q", r.method, r.path, p.Detail)
		}
	}
	f.authRec.mu.Lock()
	defer f.authRec.mu.Unlock()
	for _, q := range f.authRec.reqs[before:] {
		if q.URL.Path != "/.well-known/jwks.json" {
			t.Errorf("the auth service got %s %s for a bad token", q.Method, q.URL.Path)
		}
	}
}

func TestAdminStats(t *testing.T) {
	f := newFixture(t, options{})
	_, admin := f.mustUser("root", true)
	_, alice := f.mustUser("alice", false)
	g := f.mustCreateGoal(alice, map[string]string{"title": "g"})
	f.mustCreateTask(alice, map[string]string{"title": "a", "goal_id": g.ID})
	f.mustCreateTask(alice, map[string]string{"title": "b", "status": "done"})
	f.mustCreateTask(admin, map[string]string{"title": "c"})

	webtest.WantProblem(t, f.do("GET", "/api/admin/stats", nil, ""), http.StatusUnauthorized)
	p := webtest.WantProblem(t, f.do("GET", "/api/admin/stats", nil, alice), http.StatusForbidden)
	if p.Code != "forbidden" {
		t.Errorf("code = %q", p.Code)
	}
	rec := f.do("GET", "/api/admin/stats", nil, admin)
	if rec.Code != http.StatusOK {
		t.Fatalf("stats = %d %s", rec.Code, rec.Body)
	}
	var s struct {
		Tasks         int            `json:"tasks"`
		TasksByStatus map[string]int `json:"tasks_by_status"`
		Goals         int            `json:"goals"`
		Users         int            `json:"users_with_data"`
	}
	webtest.Decode(t, rec, &s)
	if s.Tasks != 3 || s.TasksByStatus["todo"] != 2 || s.TasksByStatus["done"] != 1 || s.Goals != 1 || s.Users != 2 {
		t.Fatalf("stats = %s", rec.Body)
	}
}

// TestVerifyAnswerEncoding: the hand-written answer of verify-token is
// byte for byte what encoding/json writes for it, whatever the claims hold.
func TestVerifyAnswerEncoding(t *testing.T) {
	type user struct {
		UserID   string `json:"user_id"`
		Username string `json:"username"`
		Email    string `json:"email"`
		IsAdmin  bool   `json:"is_admin"`
	}
	type answer struct {
		Valid     bool   `json:"valid"`
		User      user   `json:"user"`
		ExpiresAt string `json:"expires_at"`
		AAL       string `json:"aal"`
	}
	odd := []string{"", "alice", `q"uote`, `back\slash`, "<b>&</b>", "ctl\x00\x01\n\t", "bad \xff utf-8", "Zoë ☃ 😀", "sep\u2028\u2029"}
	exp := []time.Time{time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC), time.Date(2026, 12, 4, 18, 0, 0, 0, time.FixedZone("X", 5*3600))}
	for i, s := range odd {
		c := &token.Claims{UserID: s, Username: odd[(i+1)%len(odd)], Email: odd[(i+2)%len(odd)], IsAdmin: i%2 == 0,
			ExpiresAt: exp[i%len(exp)], AAL: []string{"", token.AAL2, s}[i%3]}
		want, _ := json.Marshal(answer{Valid: true,
			User:      user{UserID: c.UserID, Username: c.Username, Email: c.Email, IsAdmin: c.IsAdmin},
			ExpiresAt: c.ExpiresAt.UTC().Format(time.RFC3339), AAL: c.Level()})
		if got := appendVerifyAnswer(nil, c); string(got) != string(want) {
			t.Errorf("claims %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
