// Package input holds the rules client input obeys before it reaches a
// store or a log, written once for both servers and both domains: text a
// database can store, header text cleaned of control characters, the ids
// the services issue, and a page's limit.
//
// It imports only the standard library, internal/invalid, google/uuid and
// golang.org/x/net/idna (address domains), so the domains and web may all
// use it.
package input

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/invalid"
	"github.com/google/uuid"
)

// Storable reports whether s can be stored in, and compared against, a
// text column of every supported database: valid UTF-8 without NUL.
// PostgreSQL refuses NUL and invalid UTF-8 where SQLite takes them.
func Storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// Clean makes a client-supplied string (a header value such as User-Agent)
// safe to store and log: invalid UTF-8 becomes U+FFFD, NUL and the other C0
// control characters except tab are dropped, as is DEL, and the result is
// cut to at most max bytes on a rune boundary (a negative max counts as 0).
// Its result is always Storable, and cleaning it again changes nothing.
func Clean(s string, max int) string {
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

// UserAgentMaxBytes bounds the User-Agent kept with sessions and security
// events.
const UserAgentMaxBytes = 512

// UserAgent is a User-Agent header value as both servers keep it:
// Clean(s, UserAgentMaxBytes).
func UserAgent(s string) string { return Clean(s, UserAgentMaxBytes) }

// ValidID reports whether s is an id the services issue: a UUID in its
// canonical lower-case form. Ids from paths, queries and cursors are
// checked before any query, so a client's stray bytes (NUL, invalid UTF-8,
// "../") never reach a store; anything else names no row.
func ValidID(s string) bool {
	id, err := uuid.Parse(s)
	return err == nil && id.String() == s
}

// Page sizes of every list: DefaultLimit when a request names none, and
// at most MaxLimit (SPEC: limit defaults to 50; outside 1–100 is a 422).
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// Limit reads a list's limit query parameter: DefaultLimit when s is empty,
// else an integer from 1 to MaxLimit, or an *invalid.Error naming "limit".
func Limit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, invalid.Field("limit", "must be an integer from 1 to "+strconv.Itoa(MaxLimit))
	}
	return n, nil
}
