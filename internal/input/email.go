package input

import (
	"net/mail"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// EmailMaxBytes bounds an address (the RFC 5321 path limit), counted on
// its normalised form.
const EmailMaxBytes = 254

// emailDomain is the IDNA profile of address domains: UTS #46 mapping
// (case, width, compatibility forms), non-transitional (IDNA2008: ß stays
// ß), the bidi rule and label checks, and only letters, digits and
// hyphens in the result.
var emailDomain = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.BidiRule(),
	idna.ValidateLabels(true), idna.StrictDomainName(true), idna.CheckHyphens(true))

// NormalizeEmail returns an address as Bizy stores, compares and sends to
// it: trimmed, lower-cased, its domain in IDNA ASCII form, so that
// bob@bücher.example and bob@xn--bcher-kva.example are one account. A
// domain IDNA refuses is left as lower-cased text (Email reports it); the
// result is stable: normalising it again changes nothing.
func NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 0 || !Storable(s) {
		return s
	}
	domain, err := emailDomain.ToASCII(s[at+1:])
	if err != nil {
		return s
	}
	return s[:at+1] + domain
}

// Email normalises s (NormalizeEmail) and checks it: a bare addr-spec (no
// display name), valid UTF-8 without NUL, no invisible or bidirectional
// control character anywhere (a right-to-left override or a zero-width
// space would make one address look like another), a dotted domain that
// IDNA accepts, at most EmailMaxBytes. It returns the normalised address
// and "", or what is wrong with it.
func Email(s string) (string, string) {
	if strings.TrimSpace(s) == "" {
		return "", "is required"
	}
	if !Storable(s) {
		return "", "must be valid UTF-8 without NUL characters"
	}
	trimmed := strings.TrimSpace(s)
	if strings.IndexFunc(trimmed, invisible) >= 0 {
		return "", "must not contain invisible or bidirectional control characters"
	}
	e := NormalizeEmail(s)
	if len(e) > EmailMaxBytes {
		return "", "must be at most 254 characters"
	}
	at := strings.LastIndexByte(e, '@')
	if at < 0 {
		return "", "must be a valid email address"
	}
	domain := e[at+1:]
	if _, err := emailDomain.ToASCII(domain); err != nil || domain != strings.ToLower(domain) {
		return "", "must be a valid email address"
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", "must be a valid email address"
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") || strings.ContainsAny(domain, "[]") {
		return "", "must be a valid email address"
	}
	return e, ""
}

// invisible reports whether r shows as nothing, or changes how the text
// around it is laid out: controls, format characters (bidi controls,
// zero-width spaces and joiners, the BOM, the soft hyphen), every space,
// variation selectors and the other default-ignorable code points
// (Hangul fillers among them).
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) ||
		unicode.Is(unicode.Zs, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		r == '\u115f' || r == '\u1160' || r == '\u3164' || r == '\uffa0'
}
