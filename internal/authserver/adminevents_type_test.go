package authserver

import (
	"regexp"
	"strings"
	"testing"
)

// TestIsEventType: the loop accepts exactly what the pattern it replaced,
// ^[a-z_]{1,64}$, accepts.
func TestIsEventType(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z_]{1,64}$`)
	for _, s := range []string{"", "login", "login_failed", "_", "Login", "login1", "login-failed",
		"login failed", "é", "ß", "a\x00", strings.Repeat("a", 64), strings.Repeat("a", 65), "abc\n"} {
		if got, want := isEventType(s), pattern.MatchString(s); got != want {
			t.Errorf("isEventType(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}
