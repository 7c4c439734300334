package auth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidLoginName(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"alice", true},
		{"alice@example.com", true},
		{"ünï", true},
		{"al\x00ice", false},
		{"al\xffice", false},
		{"\xc3", false}, // a cut rune
	} {
		if got := ValidLoginName(tc.s); got != tc.want {
			t.Errorf("ValidLoginName(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

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

func TestCleanTextKeepsRunesWhole(t *testing.T) {
	ua := strings.Repeat("é", 300) // 600 bytes
	got := cleanText(ua, userAgentMaxBytes)
	if !utf8.ValidString(got) || len(got) != 512 {
		t.Fatalf("cleanText cut to %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
	if got := cleanText("x\xff\x00y", 512); got != "x\uFFFDy" {
		t.Fatalf("cleanText = %q", got)
	}
	odd := "a" + strings.Repeat("é", 300) // a rune straddles byte 512
	if got := cleanText(odd, userAgentMaxBytes); !utf8.ValidString(got) || len(got) != 511 {
		t.Fatalf("cleanText cut to %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
}
