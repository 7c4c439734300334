package auth

import "testing"

func TestRegistrationRejectsUnstorableText(t *testing.T) {
	for _, name := range []string{"al\x00ice", "al\xffice", "\xff\xff\xff"} {
		if validUsername(name) == "" {
			t.Errorf("validUsername(%q) accepted", name)
		}
	}
	for _, email := range []string{"a\x00b@example.com", "a\xffb@example.com", "ab@exa\x00mple.com"} {
		if validEmail(email) == "" {
			t.Errorf("validEmail(%q) accepted", email)
		}
	}
}
