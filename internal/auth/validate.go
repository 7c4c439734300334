package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/input"
)

// Limits on what a user may choose.
const (
	UsernameMinLen    = 3
	UsernameMaxLen    = 50
	EmailMaxLen       = 254 // RFC 5321 path limit
	PasswordMinLen    = 8
	PasswordMaxBytes  = 72 // bcrypt ignores anything past 72 bytes
	loginNameMaxBytes = EmailMaxLen
)

// ValidLoginName reports whether s could be some account's login name
// (username or email) at all: valid UTF-8 without NUL. Anything else matches
// no account and must not reach a store, where PostgreSQL would refuse it;
// Login treats it as an unknown name, with the same answer and bcrypt work
// but without touching the lockout store.
func ValidLoginName(s string) bool { return input.Storable(s) }

// validUsername reports what is wrong with a username, or "".
func validUsername(name string) string {
	if !input.Storable(name) {
		return "must be valid UTF-8 without NUL characters"
	}
	if n := len(name); n < UsernameMinLen || n > UsernameMaxLen {
		return "must be 3 to 50 characters"
	}
	for _, c := range name {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return "may hold only letters, digits and underscores"
		}
	}
	return ""
}

// NormalizeEmail returns an address as it is stored: trimmed, lower-cased,
// its domain in IDNA ASCII form (input.NormalizeEmail), so one mailbox is
// one account however its domain is written.
func NormalizeEmail(email string) string { return input.NormalizeEmail(email) }

// validEmail reports what is wrong with an address, or "" (input.Email):
// a bare addr-spec with a dotted domain IDNA accepts, and no invisible or
// bidirectional control characters.
func validEmail(email string) string {
	_, msg := input.Email(email)
	return msg
}

// commonPasswordList is zxcvbn's list of the 30,000 most used passwords,
// lower-cased, one a line (commonpasswords.LICENSE says where it comes
// from). Embedded, it sits in the binary's read-only data until used; the
// zxcvbn package it came from built all of its frequency lists (1.5 MB of
// maps, 1 to 5 ms) in its init, in every process at every start, for the
// one list Bizy reads.
//
//go:embed commonpasswords.txt
var commonPasswordList string

// commonPasswords returns commonPasswordList as a set. It is built on first
// use, not at start-up: only registrations and password changes need it,
// and every API-only copy, which never checks a password, is spared it.
// The keys share the embedded text's bytes.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 30_000)
	for line := range strings.Lines(commonPasswordList) {
		m[strings.TrimSuffix(line, "\n")] = struct{}{}
	}
	return m
})

// isCommonPassword reports whether pw, ignoring case and the digits and
// symbols people tack on to meet composition rules ("Password1!"), is one
// of the common passwords.
func isCommonPassword(pw string) bool {
	lower := strings.ToLower(pw)
	if _, ok := commonPasswords()[lower]; ok {
		return true
	}
	core := strings.TrimRightFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	core = strings.TrimLeftFunc(core, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(core) < 4 { // too little left to judge
		return false
	}
	_, ok := commonPasswords()[core]
	return ok
}

// validPassword reports what is wrong with a new password, or "".
func validPassword(pw string) string {
	if !utf8.ValidString(pw) {
		return "must be valid UTF-8"
	}
	if utf8.RuneCountInString(pw) < PasswordMinLen {
		return "must be at least 8 characters"
	}
	if len(pw) > PasswordMaxBytes {
		return "must be at most 72 bytes"
	}
	var upper, lower, digit, special bool
	for _, c := range pw {
		switch {
		case unicode.IsUpper(c):
			upper = true
		case unicode.IsLower(c):
			lower = true
		case unicode.IsDigit(c):
			digit = true
		case unicode.IsPunct(c) || unicode.IsSymbol(c) || c == ' ':
			special = true
		}
	}
	if !upper || !lower || !digit || !special {
		return "must contain an upper-case letter, a lower-case letter, a digit and a special character"
	}
	if isCommonPassword(pw) {
		return "is too common; choose a less predictable password"
	}
	return ""
}
