package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/ratelimit"
)

// Mode names the command being started; a few defaults depend on it.
type Mode string

// The modes Bind knows. Only ModeServe changes defaults: AUTH_ADDR is
// 127.0.0.1:4567, AUTH_SERVER_URL is derived from AUTH_ADDR, PUBLIC_URL
// from API_ADDR, TRUSTED_PROXIES defaults to loopback, and the auth
// service trusts loopback (the API's hop) whatever TRUSTED_PROXIES says.
const (
	ModeServe Mode = "serve" // both services in one process
	ModeAuth  Mode = "auth"  // the auth service alone
	ModeAPI   Mode = "api"   // the API alone
	ModeTool  Mode = "tool"  // command-line tools: migrate, user, keys
)

// Config holds every setting of SPEC.md, parsed, validated and resolved.
// Its LogValue hides secrets and URL passwords; formatting it with %v hides
// the Secret fields but not a password inside DatabaseURL or RedisURL.
type Config struct {
	AuthAddr      string // auth service listen address, host:port
	APIAddr       string // API listen address, host:port
	AuthServerURL string // where the API reaches the auth service, no trailing slash
	DataDir       string // home of the embedded default
	DatabaseURL   string // "sqlite:PATH" or "postgres://…"; never empty
	RedisURL      string // "" or a redis:// or rediss:// URL

	// DatabaseTimeout bounds each call of the PostgreSQL stores (> 0);
	// see postgres.OpenTimeout.
	DatabaseTimeout time.Duration

	// DataDirAllowShared lets Bizy start though DataDir, its mail folder
	// or the SQLite files are open to group or others.
	DataDirAllowShared bool

	JWTAlgorithm    string // "EdDSA" or "HS256"
	JWTSecret       Secret // at least 32 bytes when set; set when JWTAlgorithm is "HS256"
	JWTIssuer       string
	JWTAudience     string
	AccessTokenTTL  time.Duration // > 0
	RefreshTokenTTL time.Duration // > AccessTokenTTL
	// RefreshReuseInterval is how long a rotated-out refresh token is still
	// answered with its session's current tokens; 0 to 5m, 0 off.
	RefreshReuseInterval time.Duration

	BcryptCost               int           // 10 to 16
	RequireEmailVerification bool          // refuse login until the email is verified
	LockoutThreshold         int           // >= 1
	LockoutDuration          time.Duration // > 0: the counting window and the lock length
	LockoutAccountThreshold  int           // >= LockoutThreshold
	RateLimitEnabled         bool
	RateLimits               ratelimit.Rates // the budgets in force: all off when RateLimitEnabled is false
	TrustedProxies           []netip.Prefix  // masked; bare IPs as /32 or /128
	// AuthTrustedProxies are the peers the auth service believes:
	// TrustedProxies, and under serve also loopback, the hop of the
	// in-process API (which passes the client IP on in X-Forwarded-For),
	// whatever TRUSTED_PROXIES says. Without it, setting TRUSTED_PROXIES
	// for the API's own proxies would make every event and per-IP limit of
	// the auth service see 127.0.0.1.
	AuthTrustedProxies []netip.Prefix

	HashConcurrency int           // >= 1
	HashQueue       int           // >= 0
	HashWait        time.Duration // > 0
	EventRetention  time.Duration // >= 0; 0 keeps security events forever

	SMTPHost     string // "" means: write mail to DataDir/mail and log it
	SMTPPort     int    // 1 to 65535
	SMTPUsername string
	SMTPPassword Secret
	SMTPTLS      string // "none", "starttls" or "tls"
	MailFrom     string // as given; valid for net/mail.ParseAddress

	PublicURL          string   // absolute http(s) URL, no trailing slash
	CookieDomain       string   // "" (host-only) or a lower-case domain name
	CORSAllowedOrigins []string // lower-case scheme://host[:port]; empty means none

	// DBEncryptionKey is the 32 raw bytes that seal secrets at rest, or ""
	// (nothing sealed). DBEncryptionOldKeys still open what earlier keys
	// sealed, until `bizy keys reseal` has run.
	DBEncryptionKey     Secret
	DBEncryptionOldKeys []Secret
	AdminRequireMFA     bool   // admin routes and pages need aal2
	WebAuthnRPID        string // the host of PublicURL unless set; "" (passkeys off) when that is an IP address
	WebAuthnRPName      string
	WebAuthnOrigins     []string // never empty: PublicURL's origin unless set

	LogLevel  slog.Level
	LogFormat string // "text", "json", or "" for the caller to pick (text on a terminal)

	// PprofAddr is "" (off) or a loopback host:port serving net/http/pprof.
	PprofAddr string
}

// Bind registers a flag for every setting on fs and returns the function
// that resolves them. Call that function after fs.Parse: for each setting a
// flag given on the command line wins (even an empty one), then a non-empty
// value from getenv, then the default. It returns the validated Config, or
// the zero Config and an error listing every bad setting, one per line, each
// starting with the environment variable's name.
//
// Bind panics, as flag.FlagSet does, if fs already has a flag of the same
// name. A nil getenv reads no environment.
func Bind(fs *flag.FlagSet, mode Mode, getenv func(string) string) func() (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	raw := make(map[string]*string, len(settings))
	for _, s := range settings {
		p := new(string)
		*p = s.def
		usage := s.help + " (env " + s.env + ")"
		if s.isBool {
			fs.Var((*boolValue)(p), s.flag(), usage)
		} else {
			fs.StringVar(p, s.flag(), s.def, usage)
		}
		raw[s.env] = p
	}
	return func() (Config, error) { return resolve(fs, mode, getenv, raw) }
}

// resolve picks each setting's value, parses it, applies the rules that tie
// settings together and derives the mode-dependent defaults.
func resolve(fs *flag.FlagSet, mode Mode, getenv func(string) string, raw map[string]*string) (Config, error) {
	onCommandLine := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })

	var c Config
	given := make(map[string]bool, len(settings)) // by flag or environment
	bad := make(map[string]error)
	for _, s := range settings {
		v := s.def
		if onCommandLine[s.flag()] {
			v, given[s.env] = *raw[s.env], true
		} else if e := getenv(s.env); e != "" {
			v, given[s.env] = e, true
		}
		if err := s.parse(&c, v); err != nil {
			bad[s.env] = err
		}
	}

	// Each rule runs only when its inputs parsed, so one mistake gives one line.
	ok := func(envs ...string) bool {
		for _, e := range envs {
			if bad[e] != nil {
				return false
			}
		}
		return true
	}
	if ok("JWT_ALGORITHM", "JWT_SECRET") && c.JWTAlgorithm == "HS256" && c.JWTSecret == "" {
		bad["JWT_SECRET"] = errors.New("required when JWT_ALGORITHM is HS256")
	}
	if ok("ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL") && c.RefreshTokenTTL <= c.AccessTokenTTL {
		bad["REFRESH_TOKEN_TTL"] = fmt.Errorf("must be longer than ACCESS_TOKEN_TTL (%s), got %s",
			c.AccessTokenTTL, c.RefreshTokenTTL)
	}
	if ok("LOCKOUT_THRESHOLD", "LOCKOUT_ACCOUNT_THRESHOLD") && c.LockoutAccountThreshold < c.LockoutThreshold {
		bad["LOCKOUT_ACCOUNT_THRESHOLD"] = fmt.Errorf("must be at least LOCKOUT_THRESHOLD (%d), got %d",
			c.LockoutThreshold, c.LockoutAccountThreshold)
	}
	if ok("DB_ENCRYPTION_KEY", "DB_ENCRYPTION_OLD_KEYS") && len(c.DBEncryptionOldKeys) > 0 && c.DBEncryptionKey == "" {
		bad["DB_ENCRYPTION_OLD_KEYS"] = errors.New("needs DB_ENCRYPTION_KEY: old keys are only read, the current one seals")
	}
	if ok("RATE_LIMIT_ENABLED") && !c.RateLimitEnabled {
		c.RateLimits = ratelimit.Rates{} // each budget was still checked, so a typo shows before it is switched on
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "bizy.db")
	}
	c.AuthTrustedProxies = c.TrustedProxies
	if mode == ModeServe {
		if !given["AUTH_ADDR"] {
			// The API is the public origin; the auth service answers it alone.
			c.AuthAddr = serveAuthAddr
		}
		if !given["AUTH_SERVER_URL"] && ok("AUTH_ADDR") {
			c.AuthServerURL = LoopbackURL(c.AuthAddr)
		}
		if !given["PUBLIC_URL"] && ok("API_ADDR") {
			c.PublicURL = localOrigin(c.APIAddr) // the API is the public origin
		}
		if !given["TRUSTED_PROXIES"] {
			c.TrustedProxies = loopbackNets()
		}
		c.AuthTrustedProxies = append(append([]netip.Prefix(nil), c.TrustedProxies...), loopbackNets()...)
		if !given["TRUSTED_PROXIES"] {
			c.AuthTrustedProxies = loopbackNets()
		}
	}

	if c.WebAuthnRPID == "" && ok("PUBLIC_URL") {
		// Browsers refuse an IP address as a relying party: PUBLIC_URL at
		// one leaves passkeys off rather than failing to start.
		if u, err := url.Parse(c.PublicURL); err == nil && net.ParseIP(u.Hostname()) == nil {
			c.WebAuthnRPID = strings.ToLower(u.Hostname())
		}
	}
	if len(c.WebAuthnOrigins) == 0 && ok("PUBLIC_URL", "WEBAUTHN_ORIGINS") {
		if u, err := url.Parse(c.PublicURL); err == nil {
			c.WebAuthnOrigins = []string{u.Scheme + "://" + strings.ToLower(u.Host)}
		}
	}

	var errs []error
	for _, s := range settings { // table order, whatever order the rules ran in
		if err := bad[s.env]; err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// serveAuthAddr is AUTH_ADDR's default under serve: loopback only, since
// the API, in the same process, is the public origin.
const serveAuthAddr = "127.0.0.1:4567"

// loopbackNets returns the loopback networks, the peers of a proxy on this
// machine.
func loopbackNets() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// LoopbackURL returns the http URL at which a process on this machine
// reaches a server listening on addr (host:port): an empty or unspecified
// host becomes 127.0.0.1 (::1 for "::"); any other host is kept. Port 0 is
// kept, so pass a listener's Addr().String() once it is bound. LoopbackURL
// returns "" when addr is not host:port.
func LoopbackURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if host == "" {
		host = "127.0.0.1"
	} else if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "::1"
		if ip.Unmap().Is4() {
			host = "127.0.0.1"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// localOrigin is the URL a browser on this machine opens for a server
// listening on addr (host:port): an empty or unspecified host is
// localhost.
func localOrigin(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// LogValue returns the settings as a slog group, with secrets shown as
// REDACTED (or "" when unset) and passwords in DatabaseURL and RedisURL
// replaced, so that the effective Config can be logged at start-up.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("auth_addr", c.AuthAddr),
		slog.String("api_addr", c.APIAddr),
		slog.String("auth_server_url", c.AuthServerURL),
		slog.String("data_dir", c.DataDir),
		slog.Bool("data_dir_allow_shared", c.DataDirAllowShared),
		slog.String("database_url", redactURL(c.DatabaseURL)),
		slog.Duration("database_timeout", c.DatabaseTimeout),
		slog.String("redis_url", redactURL(c.RedisURL)),
		slog.String("jwt_algorithm", c.JWTAlgorithm),
		secretAttr("jwt_secret", c.JWTSecret),
		slog.String("jwt_issuer", c.JWTIssuer),
		slog.String("jwt_audience", c.JWTAudience),
		slog.Duration("access_token_ttl", c.AccessTokenTTL),
		slog.Duration("refresh_token_ttl", c.RefreshTokenTTL),
		slog.Duration("refresh_reuse_interval", c.RefreshReuseInterval),
		slog.Int("bcrypt_cost", c.BcryptCost),
		slog.Bool("require_email_verification", c.RequireEmailVerification),
		slog.Int("lockout_threshold", c.LockoutThreshold),
		slog.Duration("lockout_duration", c.LockoutDuration),
		slog.Int("lockout_account_threshold", c.LockoutAccountThreshold),
		slog.Bool("rate_limit_enabled", c.RateLimitEnabled),
		slog.Group("rate_limits",
			slog.String("login", c.RateLimits.Login.String()),
			slog.String("refresh", c.RateLimits.Refresh.String()),
			slog.String("register", c.RateLimits.Register.String()),
			slog.String("verify", c.RateLimits.Verify.String()),
			slog.String("email", c.RateLimits.Email.String()),
			slog.String("email_address", c.RateLimits.EmailAddress.String()),
		),
		slog.Int("hash_concurrency", c.HashConcurrency),
		slog.Int("hash_queue", c.HashQueue),
		slog.Duration("hash_wait", c.HashWait),
		slog.Duration("event_retention", c.EventRetention),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.Any("auth_trusted_proxies", c.AuthTrustedProxies),
		slog.String("smtp_host", c.SMTPHost),
		slog.Int("smtp_port", c.SMTPPort),
		slog.String("smtp_username", c.SMTPUsername),
		secretAttr("smtp_password", c.SMTPPassword),
		slog.String("smtp_tls", c.SMTPTLS),
		slog.String("mail_from", c.MailFrom),
		slog.String("public_url", c.PublicURL),
		slog.String("cookie_domain", c.CookieDomain),
		slog.Any("cors_allowed_origins", c.CORSAllowedOrigins),
		secretAttr("db_encryption_key", c.DBEncryptionKey),
		slog.Int("db_encryption_old_keys", len(c.DBEncryptionOldKeys)),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
	)
}

// secretAttr shows whether a secret is set without showing it.
func secretAttr(key string, s Secret) slog.Attr {
	if s == "" {
		return slog.String(key, "")
	}
	return slog.Any(key, s)
}

// redactURL hides the password of a URL, in its user info or in a
// PostgreSQL-style password query parameter.
func redactURL(s string) string {
	if s == "" || strings.HasPrefix(s, "sqlite:") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return redacted
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
