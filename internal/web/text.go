package web

import (
	"strings"
	"unicode/utf8"
)

// CleanText makes a client-supplied string (a header value such as
// User-Agent) safe to store: invalid UTF-8 becomes U+FFFD, NUL and the other
// C0 control characters except tab are dropped, as is DEL, and the result is
// cut to at most max bytes on a rune boundary. PostgreSQL refuses NUL and
// invalid UTF-8 in text columns, so anything stored from a header goes
// through here first.
func CleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if max < 0 {
		max = 0
	}
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
