// Package returnto holds the one rule for where a browser may be sent once
// it has signed in: the pages follow it for ?return_to=, and the API's
// forward auth applies it before it puts a URL in a sign-in link, so a
// link Bizy makes never names a place the sign-in page would refuse.
package returnto

import (
	"net/url"
	"strings"
)

// Rule decides which return_to targets are safe. The zero Rule accepts
// only paths on this origin. A Rule is safe for concurrent use.
type Rule struct {
	allowed  map[string]bool
	redirect func(string) bool
}

// New returns the Rule that accepts, besides paths on this origin, absolute
// URLs on the given origins (exact scheme://host[:port], compared without
// regard to case) and those redirect reports as registered OpenID
// redirects; redirect may be nil.
func New(origins []string, redirect func(u string) bool) Rule {
	r := Rule{allowed: make(map[string]bool, len(origins)), redirect: redirect}
	for _, o := range origins {
		r.allowed[strings.ToLower(o)] = true
	}
	return r
}

// Check returns raw when it is a safe target, else "". Safe targets are a
// path on this origin ("/ui/account", never "//host" or "/\host", which
// browsers read as another host), or an absolute http(s) URL whose origin
// is one of the Rule's, or a registered OpenID redirect. Anything with a
// backslash, a control character, white space or a byte outside ASCII is
// refused whole, since browsers drop or reinterpret those.
func (r Rule) Check(raw string) string {
	if raw == "" || len(raw) > 2048 {
		return ""
	}
	for _, c := range raw {
		if c <= ' ' || c == 0x7f || c == '\\' || c > 0x7e {
			return ""
		}
	}
	if raw[0] == '/' {
		if len(raw) > 1 && raw[1] == '/' {
			return "" // scheme-relative: another host
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			return ""
		}
		// Browsers keep "/%2F…" a path, but a server or app further on
		// may decode it once: refuse what would then read as another host.
		if p := u.Path; strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
			return ""
		}
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	if r.allowed[strings.ToLower(u.Scheme+"://"+u.Host)] {
		return raw
	}
	if r.redirect != nil && r.redirect(raw) {
		return raw
	}
	return ""
}
