package authserver

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bizy-auth/bizy/internal/webtest"
)

const goodPassword = "Tr1cky!Horse"

func TestRegister(t *testing.T) {
	f := newFixture(t, options{requireVerified: true})
	rec := f.do("POST", "/register", map[string]string{
		"username": "Alice_1", "email": "  Alice@Example.COM ", "password": goodPassword,
	}, "")
	if rec.Code != http.StatusCreated {
		t.Fatalf("register = %d %s", rec.Code, rec.Body)
	}
	var body struct {
		Message string
		User    map[string]any
	}
	webtest.Decode(t, rec, &body)
	if body.Message == "" {
		t.Error("no message")
	}
	u := body.User
	if u["username"] != "Alice_1" || u["email"] != "alice@example.com" || u["email_verified"] != false ||
		u["is_admin"] != false || u["id"] == "" || u["created_at"] == nil {
		t.Errorf("user = %v", u)
	}
	if strings.Contains(strings.ToLower(rec.Body.String()), "hash") || strings.Contains(rec.Body.String(), goodPassword) {
		t.Errorf("answer leaks the password or its hash: %s", rec.Body)
	}
}

func TestRegisterRejects(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("taken", "taken@example.com", goodPassword, true)
	long := strings.Repeat("a", 51)
	for _, tc := range []struct {
		name       string
		body       any
		wantStatus int
		wantField  string
	}{
		{"short username", map[string]string{"username": "ab", "email": "a@example.com", "password": goodPassword}, 422, "username"},
		{"long username", map[string]string{"username": long, "email": "a@example.com", "password": goodPassword}, 422, "username"},
		{"username with dash", map[string]string{"username": "a-b-c", "email": "a@example.com", "password": goodPassword}, 422, "username"},
		{"missing username", map[string]string{"email": "a@example.com", "password": goodPassword}, 422, "username"},
		{"bad email", map[string]string{"username": "bob", "email": "not-an-email", "password": goodPassword}, 422, "email"},
		{"email without dotted domain", map[string]string{"username": "bob", "email": "bob@localhost", "password": goodPassword}, 422, "email"},
		{"email with display name", map[string]string{"username": "bob", "email": "Bob <bob@example.com>", "password": goodPassword}, 422, "email"},
		{"short password", map[string]string{"username": "bob", "email": "b@example.com", "password": "Aa1!aaa"}, 422, "password"},
		{"no upper case", map[string]string{"username": "bob", "email": "b@example.com", "password": "tr1cky!horse"}, 422, "password"},
		{"no lower case", map[string]string{"username": "bob", "email": "b@example.com", "password": "TR1CKY!HORSE"}, 422, "password"},
		{"no digit", map[string]string{"username": "bob", "email": "b@example.com", "password": "Tricky!Horse"}, 422, "password"},
		{"no special", map[string]string{"username": "bob", "email": "b@example.com", "password": "Tr1ckyHorse"}, 422, "password"},
		{"over 72 bytes", map[string]string{"username": "bob", "email": "b@example.com", "password": "Aa1!" + strings.Repeat("x", 69)}, 422, "password"},
		{"common password", map[string]string{"username": "bob", "email": "b@example.com", "password": "Password1!"}, 422, "password"},
		{"common password dressed up", map[string]string{"username": "bob", "email": "b@example.com", "password": "!Sunshine2024"}, 422, "password"},
		{"wrong type", `{"username": 5, "email": "b@example.com", "password": "x"}`, 422, "username"},
		{"username taken, other case", map[string]string{"username": "TAKEN", "email": "new@example.com", "password": goodPassword}, 409, ""},
		{"email taken, other case", map[string]string{"username": "newbie", "email": "Taken@Example.com", "password": goodPassword}, 409, ""},
		{"malformed JSON", `{"username": "bob",`, 400, ""},
		{"not an object", `[1,2]`, 400, ""},
		{"two values", `{} {}`, 400, ""},
		{"empty body", ``, 400, ""},
		{"over 1 MiB", `{"username":"` + strings.Repeat("a", 1<<20) + `"}`, 413, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := webtest.WantProblem(t, f.do("POST", "/register", tc.body, ""), tc.wantStatus)
			if tc.wantField != "" && !slices.Contains(p.Fields(), tc.wantField) {
				t.Errorf("errors = %+v, want one naming %q", p.Errors, tc.wantField)
			}
		})
	}
}

func TestRegisterWrongContentType(t *testing.T) {
	f := newFixture(t, options{})
	req := `{"username":"bob","email":"b@example.com","password":"` + goodPassword + `"}`
	rec := f.doRaw("POST", "/register", "text/plain", req)
	webtest.WantProblem(t, rec, http.StatusUnsupportedMediaType)
}

// TestRegisterTwentyConcurrent is the uniqueness promise under load: one
// username sent twenty times at once makes one account.
func TestRegisterTwentyConcurrent(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open})
			codes := make([]int, 20)
			var wg sync.WaitGroup
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := f.do("POST", "/register", map[string]string{
						"username": []string{"racer", "RACER", "Racer"}[i%3],
						"email":    "racer" + string(rune('a'+i)) + "@example.com",
						"password": goodPassword,
					}, "")
					codes[i] = rec.Code
				}()
			}
			wg.Wait()
			var created, conflict int
			for _, c := range codes {
				switch c {
				case 201:
					created++
				case 409:
					conflict++
				}
			}
			if created != 1 || conflict != 19 {
				t.Fatalf("codes = %v: %d created, %d conflicts; want 1 and 19", codes, created, conflict)
			}
		})
	}
}
