package auth

import (
	"strings"
	"testing"
)

func TestValidPassword(t *testing.T) {
	for _, tc := range []struct {
		pw   string
		okay bool
	}{
		{"Tr1cky!Horse", true},
		{"Ünïcode9!ok", true},
		{"Aa1!aaaa", true},
		{"Aa1!aaa", false},                        // 7 characters
		{"Password1!", false},                     // common, dressed up
		{"Qwerty123!", false},                     // common
		{"!!Dragon2024", false},                   // common core
		{"Letmein!1", false},                      // common core
		{"Aa1!" + strings.Repeat("é", 35), false}, // 74 bytes
		{"Aa1!" + strings.Repeat("x", 68), true},  // exactly 72 bytes
		{"NoDigits!!", false},
		{"nouppercase1!", false},
		{"NOLOWERCASE1!", false},
		{"NoSpecial123", false},
	} {
		msg := validPassword(tc.pw)
		if (msg == "") != tc.okay {
			t.Errorf("validPassword(%q) = %q, want ok=%v", tc.pw, msg, tc.okay)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for _, tc := range []struct {
		email string
		okay  bool
	}{
		{"a@example.com", true},
		{"first.last+tag@sub.example.co.uk", true},
		{"", false},
		{"plain", false},
		{"a@b", false},
		{"a@.example.com", false},
		{"a@example..com", false},
		{"a b@example.com", false},
		{"<a@example.com>", false},
		{"a@[127.0.0.1]", false},
		{strings.Repeat("a", 250) + "@example.com", false},
	} {
		if got := validEmail(NormalizeEmail(tc.email)) == ""; got != tc.okay {
			t.Errorf("validEmail(%q) ok = %v, want %v", tc.email, got, tc.okay)
		}
	}
}

func TestValidUsername(t *testing.T) {
	for name, okay := range map[string]bool{
		"abc": true, "A_b_9": true, strings.Repeat("x", 50): true,
		"ab": false, strings.Repeat("x", 51): false, "a-b": false, "a b": false, "ñam": false, "a.b": false,
	} {
		if got := validUsername(name) == ""; got != okay {
			t.Errorf("validUsername(%q) ok = %v, want %v", name, got, okay)
		}
	}
}

// TestCommonPasswordList: the embedded list reads as zxcvbn's 30,000
// passwords, first to last, with no line ending (a checkout that turned
// the file's newlines into CRLF would leave a "\r" on every entry, and no
// password would match).
func TestCommonPasswordList(t *testing.T) {
	set := commonPasswords()
	if len(set) != 30_000 {
		t.Fatalf("%d common passwords, want 30000", len(set))
	}
	for pw := range set {
		if pw == "" || strings.ContainsAny(pw, "\r\n") || pw != strings.ToLower(pw) {
			t.Fatalf("entry %q: want a lower-case password without a line ending", pw)
		}
	}
	for _, pw := range []string{"123456", "password", "dragon", "geekboy"} {
		if !isCommonPassword(pw) {
			t.Errorf("%q is not found common", pw)
		}
	}
}
