package pages

// returnTo returns where to send the browser after signing in: raw when
// it is a safe target, else "". The rule (returnto.Rule) accepts a path on
// this origin, or an absolute http(s) URL whose origin is PUBLIC_URL's or
// one of CORS_ALLOWED_ORIGINS, or a registered OpenID redirect; the API's
// forward auth applies the same rule.
func (p *pages) returnTo(raw string) string { return p.ret.Check(raw) }
