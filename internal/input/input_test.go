package input

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/invalid"
)

func TestStorable(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"alice", true},
		{"ünï", true},
		{"", true},
		{"al\x00ice", false},
		{"al\xffice", false},
		{"\xc3", false}, // a cut rune
	} {
		if got := Storable(tc.s); got != tc.want {
			t.Errorf("Storable(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "Mozilla/5.0 (X11)", 512, "Mozilla/5.0 (X11)"},
		{"invalid byte", "x\xff", 512, "x\uFFFD"},
		{"nul dropped", "a\x00b", 512, "ab"},
		{"controls dropped, tab kept", "a\r\nb\tc\x1b\x7f", 512, "ab\tc"},
		{"ascii cut", "abcdef", 3, "abc"},
		{"cut before a split rune", "ab€", 4, "ab"}, // € is 3 bytes
		{"cut after a whole rune", "ab€x", 5, "ab€"},
		{"replacement counted after repair", "a\xff\xffb", 4, "a\uFFFD"},
		{"zero", "abc", 0, ""},
		{"negative", "abc", -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Clean(tc.in, tc.max); got != tc.want {
				t.Fatalf("Clean(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func TestUserAgentKeepsRunesWhole(t *testing.T) {
	ua := strings.Repeat("é", 300) // 600 bytes
	if got := UserAgent(ua); !utf8.ValidString(got) || len(got) != UserAgentMaxBytes {
		t.Fatalf("UserAgent cut to %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
	odd := "a" + strings.Repeat("é", 300) // a rune straddles byte 512
	if got := UserAgent(odd); !utf8.ValidString(got) || len(got) != UserAgentMaxBytes-1 {
		t.Fatalf("UserAgent cut to %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "a", "\x00", "\xff", "ab€", strings.Repeat("é", 300), "\t\r\n"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<12 {
			max = 512
		}
		got := Clean(s, max)
		if !Storable(got) || len(got) > max || Clean(got, max) != got {
			t.Fatalf("Clean(%q, %d) = %q: not storable, too long or not stable", s, max, got)
		}
	})
}

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"0190a000-0000-7000-8000-000000000000", true},
		{"0190A000-0000-7000-8000-000000000000", false}, // not the form the services issue
		{"0190a00000007000800000000000000", false},
		{"{0190a000-0000-7000-8000-000000000000}", false},
		{"urn:uuid:0190a000-0000-7000-8000-000000000000", false},
		{"0190a000-0000-7000-8000-00000000000\x00", false},
		{"../etc", false},
		{"", false},
	} {
		if got := ValidID(tc.s); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestLimit(t *testing.T) {
	for in, want := range map[string]int{"": DefaultLimit, "1": 1, "50": 50, "100": 100} {
		if got, err := Limit(in); err != nil || got != want {
			t.Errorf("Limit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "101", "-1", "abc", "1.5", " 5", "1e2"} {
		_, err := Limit(in)
		var ie *invalid.Error
		if !errors.As(err, &ie) || ie.Fields["limit"] != "must be an integer from 1 to 100" {
			t.Errorf("Limit(%q) = %v, want an *invalid.Error naming limit", in, err)
		}
	}
}
