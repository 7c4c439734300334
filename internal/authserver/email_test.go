package authserver

import (
	"context"
	"net/http"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// One mailbox is one account however its domain is written (Unicode or
// its IDNA ASCII form), and an address with an invisible or bidirectional
// control character is refused, naming email.
func TestEmailDomainsAreOneFormAndVisible(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open})
			rec := f.do("POST", "/register", map[string]string{
				"username": "bob", "email": "Bob@Bücher.example", "password": goodPassword}, "")
			if rec.Code != http.StatusCreated {
				t.Fatalf("register = %d %s", rec.Code, rec.Body)
			}
			var reg struct{ User auth.User }
			webtest.Decode(t, rec, &reg)
			if reg.User.Email != "bob@xn--bcher-kva.example" {
				t.Fatalf("stored email = %q, want the IDNA ASCII form", reg.User.Email)
			}
			p := webtest.WantProblem(t, f.do("POST", "/register", map[string]string{
				"username": "bob2", "email": "bob@xn--bcher-kva.example", "password": goodPassword}, ""), http.StatusConflict)
			if p.Detail != "email already taken" {
				t.Fatalf("second account for one mailbox: %+v", p)
			}
			for _, login := range []string{"bob@bücher.example", "BOB@xn--bcher-kva.example"} {
				if u, err := f.svc.UserByLogin(context.Background(), login); err != nil || u.ID != reg.User.ID {
					t.Fatalf("UserByLogin(%q) = %v, %v", login, u.ID, err)
				}
			}
			for _, email := range []string{"carl\u202e@example.com", "carl@exam\u200bple.com", "\ufeffcarl@example.com", "carl@-x-.example"} {
				wantFieldProblem(t, f.do("POST", "/register", map[string]string{
					"username": "carl", "email": email, "password": goodPassword}, ""), "email")
			}
		})
	}
}
