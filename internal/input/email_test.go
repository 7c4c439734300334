package input

import "testing"

func TestEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"bob@example.com", "bob@example.com", true},
		{"  Bob@Example.COM ", "bob@example.com", true},
		// One mailbox, one form: the domain in its ASCII (punycode) form.
		{"bob@bücher.example", "bob@xn--bcher-kva.example", true},
		{"bob@BÜCHER.example", "bob@xn--bcher-kva.example", true},
		{"bob@xn--bcher-kva.example", "bob@xn--bcher-kva.example", true},
		{"bob@ＥＸＡＭＰＬＥ.com", "bob@example.com", true}, // full-width letters map to ASCII
		{"josé@example.com", "josé@example.com", true},
		// Invisible and bidirectional characters, anywhere.
		{"bob\u202e@example.com", "", false},
		{"bob@exa\u202emple.com", "", false},
		{"b\u200bob@example.com", "", false},
		{"bob@exam\u200bple.com", "", false},
		{"bob@example.com\u200d", "", false},
		{"\ufeffbob@example.com", "", false},
		{"bo\u00adb@example.com", "", false},
		{"bob\u2066@example.com", "", false},
		{"bob\u061c@example.com", "", false},
		{"bob\u180e@example.com", "", false},
		{"bob\u3164@example.com", "", false},
		{"bob\ufe0f@example.com", "", false},
		// Not an address, or a domain IDNA refuses.
		{"", "", false},
		{"bob", "", false},
		{"bob@localhost", "", false},
		{"bob@-bad-.example", "", false},
		{"bob@xn--zz.example", "", false},
		{"a\x00b@example.com", "", false},
		{"a\xffb@example.com", "", false},
		{"bob@exa mple.com", "", false},
		{"Bob <bob@example.com>", "", false},
	} {
		got, msg := Email(tc.in)
		if tc.ok && (msg != "" || got != tc.want) {
			t.Errorf("Email(%q) = %q, %q; want %q", tc.in, got, msg, tc.want)
		}
		if !tc.ok && msg == "" {
			t.Errorf("Email(%q) = %q accepted", tc.in, got)
		}
	}
}

func TestNormalizeEmailIsIdempotent(t *testing.T) {
	for _, s := range []string{"bob@bücher.example", "Bob@Example.com", "nonsense", "a@\u202e.example", "x@-.example"} {
		once := NormalizeEmail(s)
		if twice := NormalizeEmail(once); twice != once {
			t.Errorf("NormalizeEmail(%q) = %q, again %q", s, once, twice)
		}
	}
}
