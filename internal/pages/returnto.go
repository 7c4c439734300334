package pages

import (
	"net/url"
	"strings"
)

// returnTo returns where to send the browser after signing in: raw when it
// is a safe target, else "". Safe targets are a path on this origin
// ("/ui/account", never "//host" or "/\host", which browsers read as
// another host), or an absolute http(s) URL whose origin is PUBLIC_URL's
// or one of CORS_ALLOWED_ORIGINS, or a registered OpenID redirect.
// Anything with a backslash, a control character or white space is
// refused whole, since browsers drop or reinterpret those.
func (p *pages) returnTo(raw string) string {
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
	if p.allowed[strings.ToLower(u.Scheme+"://"+u.Host)] {
		return raw
	}
	if p.cfg.RedirectAllowed != nil && p.cfg.RedirectAllowed(raw) {
		return raw
	}
	return ""
}
