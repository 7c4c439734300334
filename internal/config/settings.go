package config

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bizy-auth/bizy/internal/ratelimit"
)

// setting is one row of the settings table: everything Bizy knows about one
// environment variable and its flag.
type setting struct {
	env    string // environment variable; the flag name is derived from it
	def    string // default value, as one would type it; "" means unset
	shown  string // default as Usage describes it, when def alone would mislead
	help   string // meaning, as in SPEC.md's settings table
	isBool bool   // the flag may be given without a value (--rate-limit-enabled)
	parse  func(c *Config, v string) error
}

// flag returns the setting's flag name: AUTH_ADDR becomes auth-addr.
func (s setting) flag() string {
	return strings.ToLower(strings.ReplaceAll(s.env, "_", "-"))
}

// settings lists every setting of SPEC.md, in its order, with its defaults.
var settings = []setting{
	{env: "AUTH_ADDR", def: ":4567", shown: ":4567 (serve: 127.0.0.1:4567)",
		help:  "auth service listen address",
		parse: func(c *Config, v string) (err error) { c.AuthAddr, err = parseAddr(v); return err }},
	{env: "API_ADDR", def: ":8000", help: "API listen address",
		parse: func(c *Config, v string) (err error) { c.APIAddr, err = parseAddr(v); return err }},
	{env: "AUTH_SERVER_URL", def: "http://127.0.0.1:4567", shown: "http://127.0.0.1:4567 (serve: from AUTH_ADDR)",
		help:  "where the API reaches the auth service; under serve, derived from AUTH_ADDR",
		parse: func(c *Config, v string) (err error) { c.AuthServerURL, err = parseHTTPURL(v); return err }},
	{env: "DATA_DIR", def: "./data", help: "home of the embedded default (SQLite file, mail directory)",
		parse: func(c *Config, v string) (err error) { c.DataDir, err = parseNonEmpty(v); return err }},
	{env: "DATA_DIR_ALLOW_SHARED", def: "false", isBool: true,
		help:  "start even when DATA_DIR, its mail folder or the SQLite files can be read or written by group or others (a shared container volume); default: refuse",
		parse: func(c *Config, v string) (err error) { c.DataDirAllowShared, err = parseBool(v); return err }},
	{env: "DATABASE_URL", shown: "sqlite:DATA_DIR/bizy.db", help: "sqlite:PATH or postgres://…; default: SQLite file bizy.db in DATA_DIR",
		parse: func(c *Config, v string) (err error) { c.DatabaseURL, err = parseDatabaseURL(v); return err }},
	{env: "DATABASE_TIMEOUT", def: "4s",
		help:  "PostgreSQL: the longest one database call of a request (waiting for a connection, a statement, a commit) may take; past it the request answers 503 database_unavailable",
		parse: func(c *Config, v string) (err error) { c.DatabaseTimeout, err = parseDuration(v); return err }},
	{env: "REDIS_URL", help: "redis:// or rediss:// URL; when set, session revocations reach every API copy at once through Redis",
		parse: func(c *Config, v string) (err error) { c.RedisURL, err = parseRedisURL(v); return err }},
	{env: "JWT_ALGORITHM", def: "EdDSA", help: "token signing algorithm: EdDSA (Ed25519 keys, JWKS) or HS256 (shared secret)",
		parse: func(c *Config, v string) (err error) { c.JWTAlgorithm, err = parseAlgorithm(v); return err }},
	{env: "JWT_SECRET", help: "HS256 secret, at least 32 bytes, used as raw bytes; required for HS256 (prefer the env var)",
		parse: func(c *Config, v string) (err error) { c.JWTSecret, err = parseJWTSecret(v); return err }},
	{env: "JWT_ISSUER", def: "bizy-auth", help: "iss claim, checked by the API",
		parse: func(c *Config, v string) (err error) { c.JWTIssuer, err = parseNonEmpty(v); return err }},
	{env: "JWT_AUDIENCE", def: "bizy", help: "aud claim, checked by the API",
		parse: func(c *Config, v string) (err error) { c.JWTAudience, err = parseNonEmpty(v); return err }},
	{env: "ACCESS_TOKEN_TTL", def: "15m", help: "access token lifetime",
		parse: func(c *Config, v string) (err error) { c.AccessTokenTTL, err = parseDuration(v); return err }},
	{env: "REFRESH_TOKEN_TTL", def: "720h", help: "refresh token (session) lifetime; longer than ACCESS_TOKEN_TTL",
		parse: func(c *Config, v string) (err error) { c.RefreshTokenTTL, err = parseDuration(v); return err }},
	{env: "REFRESH_REUSE_INTERVAL", def: "10s",
		help:  "a just-rotated refresh token presented again within this gets the session's current tokens (tabs, retries) instead of counting as theft; 0 to 5m, 0 turns it off",
		parse: func(c *Config, v string) (err error) { c.RefreshReuseInterval, err = parseReuseInterval(v); return err }},
	{env: "BCRYPT_COST", def: "12", help: "password hashing cost, 10 to 16",
		parse: func(c *Config, v string) (err error) { c.BcryptCost, err = parseInt(v, 10, 16); return err }},
	{env: "REQUIRE_EMAIL_VERIFICATION", def: "true", isBool: true, help: "refuse login until the email is verified",
		parse: func(c *Config, v string) (err error) { c.RequireEmailVerification, err = parseBool(v); return err }},
	{env: "LOCKOUT_THRESHOLD", def: "5", help: "failed logins of one account from one client IP, within LOCKOUT_DURATION, before that IP is locked out of it",
		parse: func(c *Config, v string) (err error) { c.LockoutThreshold, err = parseInt(v, 1, noMax); return err }},
	{env: "LOCKOUT_DURATION", def: "15m", help: "the window failed logins are counted in, and how long a lock lasts",
		parse: func(c *Config, v string) (err error) { c.LockoutDuration, err = parseDuration(v); return err }},
	{env: "LOCKOUT_ACCOUNT_THRESHOLD", def: "20", help: "failed logins of one account from all IPs together, within the window, before it is locked for everyone and its owner mailed an unlock link",
		parse: func(c *Config, v string) (err error) {
			c.LockoutAccountThreshold, err = parseInt(v, 1, noMax)
			return err
		}},
	{env: "RATE_LIMIT_ENABLED", def: "true", isBool: true,
		help:  "per-client-IP budgets of the auth service (RATE_LIMIT_*), shared through REDIS_URL when set; false turns them all off (lockout stays)",
		parse: func(c *Config, v string) (err error) { c.RateLimitEnabled, err = parseBool(v); return err }},
	{env: "RATE_LIMIT_LOGIN", def: "30/5m", help: "password logins (JSON and page), second-factor and passkey steps per client IP: N/DURATION or off",
		parse: func(c *Config, v string) (err error) { c.RateLimits.Login, err = ratelimit.ParseRate(v); return err }},
	{env: "RATE_LIMIT_REFRESH", def: "150/5m", help: "token refreshes (/refresh, OpenID token endpoint) per client IP: N/DURATION or off",
		parse: func(c *Config, v string) (err error) { c.RateLimits.Refresh, err = ratelimit.ParseRate(v); return err }},
	{env: "RATE_LIMIT_REGISTER", def: "30/1h", help: "registrations per client IP: N/DURATION or off",
		parse: func(c *Config, v string) (err error) { c.RateLimits.Register, err = ratelimit.ParseRate(v); return err }},
	{env: "RATE_LIMIT_VERIFY", def: "30/5m", help: "uses of mailed tokens (verify, reset, unlock) per client IP: N/DURATION or off",
		parse: func(c *Config, v string) (err error) { c.RateLimits.Verify, err = ratelimit.ParseRate(v); return err }},
	{env: "RATE_LIMIT_EMAIL", def: "10/1h", help: "requests that may send mail (forgot-password, resend-verification) per client IP: N/DURATION or off",
		parse: func(c *Config, v string) (err error) { c.RateLimits.Email, err = ratelimit.ParseRate(v); return err }},
	{env: "RATE_LIMIT_EMAIL_ADDRESS", def: "3/1h", help: "mails to one address from those requests, whatever the IP; past it the answer is still 202 and nothing is sent: N/DURATION or off",
		parse: func(c *Config, v string) (err error) {
			c.RateLimits.EmailAddress, err = ratelimit.ParseRate(v)
			return err
		}},
	{env: "HASH_CONCURRENCY", shown: "CPUs − 1 (at least 1)", help: "password hashes (bcrypt) run at once; the rest queue",
		parse: func(c *Config, v string) (err error) { c.HashConcurrency, err = parseHashConcurrency(v); return err }},
	{env: "HASH_QUEUE", def: "64", help: "password hashes allowed to wait for a slot; past it the answer is 503 busy",
		parse: func(c *Config, v string) (err error) { c.HashQueue, err = parseInt(v, 0, noMax); return err }},
	{env: "HASH_WAIT", def: "2s", help: "the longest a password hash waits for a slot before a 503 busy",
		parse: func(c *Config, v string) (err error) { c.HashWait, err = parseDuration(v); return err }},
	{env: "EVENT_RETENTION", def: "2160h", help: "security events older than this are deleted by the retention job; 0 keeps them forever",
		parse: func(c *Config, v string) (err error) { c.EventRetention, err = parseRetention(v); return err }},
	{env: "TRUSTED_PROXIES", shown: "none (serve: loopback)",
		help:  "comma-separated CIDRs or IPs whose X-Forwarded-For is believed, or none; default loopback under serve, else none (under serve the auth service always believes the API's loopback hop)",
		parse: func(c *Config, v string) (err error) { c.TrustedProxies, err = parseProxies(v); return err }},
	{env: "SMTP_HOST", help: "SMTP server host; unset: mail is written to DATA_DIR/mail and logged",
		parse: func(c *Config, v string) error { c.SMTPHost = v; return nil }},
	{env: "SMTP_PORT", def: "1025", help: "SMTP server port",
		parse: func(c *Config, v string) (err error) { c.SMTPPort, err = parseInt(v, 1, 65535); return err }},
	{env: "SMTP_USERNAME", help: "SMTP user name",
		parse: func(c *Config, v string) error { c.SMTPUsername = v; return nil }},
	{env: "SMTP_PASSWORD", help: "SMTP password (prefer the env var)",
		parse: func(c *Config, v string) error { c.SMTPPassword = Secret(v); return nil }},
	{env: "SMTP_TLS", def: "none", help: "SMTP transport security: none, starttls or tls",
		parse: func(c *Config, v string) (err error) { c.SMTPTLS, err = parseSMTPTLS(v); return err }},
	{env: "MAIL_FROM", def: "Bizy <no-reply@localhost>", help: "sender of Bizy's emails",
		parse: func(c *Config, v string) (err error) { c.MailFrom, err = parseMailFrom(v); return err }},
	{env: "PUBLIC_URL", def: "http://localhost:4567", shown: "http://localhost:4567 (serve: the API's, http://localhost:8000)",
		help:  "the public origin: base of the links in emails and of the pages; cookies are Secure when it is https",
		parse: func(c *Config, v string) (err error) { c.PublicURL, err = parseHTTPURL(v); return err }},
	{env: "COOKIE_DOMAIN", help: "Domain of the pages' session cookie (bizy_session); unset: host-only",
		parse: func(c *Config, v string) (err error) { c.CookieDomain, err = parseCookieDomain(v); return err }},
	{env: "DB_ENCRYPTION_KEY",
		help:  "32 bytes as 64 hex digits or base64: signing keys, pending mail and TOTP secrets are encrypted at rest with it (AES-256-GCM); prefer the env var",
		parse: func(c *Config, v string) (err error) { c.DBEncryptionKey, err = parseEncryptionKey(v); return err }},
	{env: "DB_ENCRYPTION_OLD_KEYS",
		help:  "comma-separated earlier DB_ENCRYPTION_KEYs, still read while `bizy keys reseal` moves their values to the current one",
		parse: func(c *Config, v string) (err error) { c.DBEncryptionOldKeys, err = parseEncryptionKeys(v); return err }},
	{env: "ADMIN_REQUIRE_MFA", def: "false", isBool: true,
		help:  "admin routes and pages refuse a session without a second factor (aal2)",
		parse: func(c *Config, v string) (err error) { c.AdminRequireMFA, err = parseBool(v); return err }},
	{env: "WEBAUTHN_RP_ID", shown: "host of PUBLIC_URL", help: "passkey relying party id: a domain, the host of the pages or a parent of it",
		parse: func(c *Config, v string) (err error) { c.WebAuthnRPID, err = parseRPID(v); return err }},
	{env: "WEBAUTHN_RP_NAME", def: "Bizy", help: "passkey relying party name, shown by authenticators",
		parse: func(c *Config, v string) (err error) { c.WebAuthnRPName, err = parseNonEmpty(v); return err }},
	{env: "WEBAUTHN_ORIGINS", shown: "PUBLIC_URL", help: "comma-separated origins passkey ceremonies may come from",
		parse: func(c *Config, v string) (err error) { c.WebAuthnOrigins, err = parseOrigins(v); return err }},
	{env: "CORS_ALLOWED_ORIGINS", def: "http://localhost:3000,http://localhost:5173",
		help:  "comma-separated origins (scheme://host[:port]) the API answers cross-origin, or none",
		parse: func(c *Config, v string) (err error) { c.CORSAllowedOrigins, err = parseOrigins(v); return err }},
	{env: "LOG_LEVEL", def: "info", help: "log level: debug, info, warn or error",
		parse: func(c *Config, v string) (err error) { c.LogLevel, err = parseLevel(v); return err }},
	{env: "LOG_FORMAT", shown: "text on a terminal, else json", help: "log format: text or json; default text on a terminal, else json",
		parse: func(c *Config, v string) (err error) { c.LogFormat, err = parseLogFormat(v); return err }},
	{env: "PPROF_ADDR", help: "loopback address (127.0.0.1:6060, [::1]:6060, localhost:6060) serving Go's net/http/pprof profiles on a listener of its own; unset: off",
		parse: func(c *Config, v string) (err error) { c.PprofAddr, err = parseLoopbackAddr(v); return err }},
}

// boolValue is a flag.Value holding a setting's raw text that may be given
// without a value, as a bool flag. Validation happens in resolve, so a bad
// value is reported with the others rather than by flag.Parse.
type boolValue string

func (b *boolValue) Set(s string) error { *b = boolValue(s); return nil }
func (b *boolValue) IsBoolFlag() bool   { return true }
func (b *boolValue) String() string {
	if b == nil {
		return ""
	}
	return string(*b)
}

// Usage writes a table of every setting, with its environment variable,
// flag, default and meaning, as `bizy --help` shows it. Write errors are
// ignored.
func Usage(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tFLAG\tDEFAULT\tMEANING")
	for _, s := range settings {
		def := s.def
		if s.shown != "" {
			def = s.shown
		}
		if def == "" {
			def = "–"
		}
		fmt.Fprintf(tw, "%s\t--%s\t%s\t%s\n", s.env, s.flag(), def, s.help)
	}
	tw.Flush()
}
