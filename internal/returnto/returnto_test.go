package returnto

import "testing"

// TestRule: the zero Rule accepts only paths on this origin; New adds
// origins (without regard to case) and registered redirects. The full
// table of tricks lives in internal/pages' TestReturnTo, which goes
// through this Rule.
func TestRule(t *testing.T) {
	var zero Rule
	if zero.Check("/ui/account") != "/ui/account" || zero.Check("https://app.example/") != "" {
		t.Errorf("zero Rule: path %q, absolute %q", zero.Check("/ui/account"), zero.Check("https://app.example/"))
	}
	r := New([]string{"https://App.Example"}, func(u string) bool { return u == "https://rp.example/cb" })
	for raw, want := range map[string]string{
		"https://app.example/x?y=1": "https://app.example/x?y=1",
		"HTTPS://APP.EXAMPLE/":      "HTTPS://APP.EXAMPLE/",
		"http://app.example/":       "",
		"https://rp.example/cb":     "https://rp.example/cb",
		"https://rp.example/other":  "",
		"//app.example/":            "",
	} {
		if got := r.Check(raw); got != want {
			t.Errorf("Check(%q) = %q, want %q", raw, got, want)
		}
	}
}
