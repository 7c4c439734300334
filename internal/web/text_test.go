package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CleanText(tc.in, tc.max)
			if got != tc.want {
				t.Fatalf("CleanText(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "a", "\x00", "\xff", "ab€", strings.Repeat("é", 300), "\t\r\n"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<12 {
			max = 512
		}
		got := CleanText(s, max)
		if !utf8.ValidString(got) || len(got) > max || strings.ContainsRune(got, 0) {
			t.Fatalf("CleanText(%q, %d) = %q: invalid, too long or holds NUL", s, max, got)
		}
	})
}
