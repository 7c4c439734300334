package config

import (
	"flag"
	"io"
	"log/slog"
	"net/netip"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/ratelimit"
)

// load binds a fresh FlagSet in mode, parses args and resolves with env.
func load(t *testing.T, mode Mode, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("bizy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	resolve := Bind(fs, mode, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	return resolve()
}

// mustLoad is load for inputs that must be valid.
func mustLoad(t *testing.T, mode Mode, args []string, env map[string]string) Config {
	t.Helper()
	c, err := load(t, mode, args, env)
	if err != nil {
		t.Fatalf("load(%q, %q, %v): unexpected error:\n%v", mode, args, env, err)
	}
	return c
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// secret32 is a JWT_SECRET of exactly the shortest accepted length.
const secret32 = "0123456789abcdef0123456789abcdef"

func TestDefaultsAreSPECs(t *testing.T) {
	want := Config{
		AuthAddr:                 ":4567",
		APIAddr:                  ":8000",
		AuthServerURL:            "http://127.0.0.1:4567",
		DataDir:                  "./data",
		DatabaseURL:              "sqlite:data/bizy.db",
		DatabaseTimeout:          4 * time.Second,
		JWTAlgorithm:             "EdDSA",
		JWTIssuer:                "bizy-auth",
		JWTAudience:              "bizy",
		AccessTokenTTL:           15 * time.Minute,
		RefreshTokenTTL:          720 * time.Hour,
		RefreshReuseInterval:     10 * time.Second,
		BcryptCost:               12,
		RequireEmailVerification: true,
		LockoutThreshold:         5,
		LockoutDuration:          15 * time.Minute,
		LockoutAccountThreshold:  20,
		RateLimitEnabled:         true,
		RateLimits:               ratelimit.DefaultRates(), // SPEC's budgets, in one place
		HashConcurrency:          max(1, runtime.NumCPU()-1),
		HashQueue:                64,
		HashWait:                 2 * time.Second,
		EventRetention:           2160 * time.Hour,
		SMTPPort:                 1025,
		SMTPTLS:                  "none",
		MailFrom:                 "Bizy <no-reply@localhost>",
		PublicURL:                "http://localhost:4567",
		CORSAllowedOrigins:       []string{"http://localhost:3000", "http://localhost:5173"},
		WebAuthnRPID:             "localhost", // the host of PUBLIC_URL
		WebAuthnRPName:           "Bizy",
		WebAuthnOrigins:          []string{"http://localhost:4567"}, // PUBLIC_URL
		LogLevel:                 slog.LevelInfo,
	}
	for _, mode := range []Mode{ModeAuth, ModeAPI, ModeTool} {
		if got := mustLoad(t, mode, nil, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("mode %s: defaults\n got %+v\nwant %+v", mode, got, want)
		}
	}
}

func TestPrecedenceAndParsing(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		field func(Config) any
		want  any
	}{
		{"env overrides default", nil, map[string]string{"AUTH_ADDR": ":9000"},
			func(c Config) any { return c.AuthAddr }, ":9000"},
		{"flag overrides env", []string{"--auth-addr", "127.0.0.1:9100"}, map[string]string{"AUTH_ADDR": ":9000"},
			func(c Config) any { return c.AuthAddr }, "127.0.0.1:9100"},
		{"empty env is unset", nil, map[string]string{"API_ADDR": ""},
			func(c Config) any { return c.APIAddr }, ":8000"},
		{"explicitly empty flag wins", []string{"--cors-allowed-origins="}, nil,
			func(c Config) any { return c.CORSAllowedOrigins }, []string(nil)},
		{"none means no origins", nil, map[string]string{"CORS_ALLOWED_ORIGINS": "none"},
			func(c Config) any { return c.CORSAllowedOrigins }, []string(nil)},
		{"bool flag without value", []string{"-rate-limit-enabled"}, map[string]string{"RATE_LIMIT_ENABLED": "false"},
			func(c Config) any { return c.RateLimitEnabled }, true},
		{"bool flag false", []string{"--require-email-verification=false"}, nil,
			func(c Config) any { return c.RequireEmailVerification }, false},
		{"bool env", nil, map[string]string{"RATE_LIMIT_ENABLED": "0"},
			func(c Config) any { return c.RateLimitEnabled }, false},
		{"shared data dir allowed", []string{"--data-dir-allow-shared"}, nil,
			func(c Config) any { return c.DataDirAllowShared }, true},
		{"algorithm normalised", nil, map[string]string{"JWT_ALGORITHM": "hs256", "JWT_SECRET": secret32},
			func(c Config) any { return c.JWTAlgorithm }, "HS256"},
		{"secret kept raw", nil, map[string]string{"JWT_ALGORITHM": "HS256", "JWT_SECRET": " " + secret32 + " "},
			func(c Config) any { return string(c.JWTSecret) }, " " + secret32 + " "},
		{"database in DATA_DIR", nil, map[string]string{"DATA_DIR": "/var/lib/bizy"},
			func(c Config) any { return c.DatabaseURL }, "sqlite:/var/lib/bizy/bizy.db"},
		{"sqlite path", nil, map[string]string{"DATABASE_URL": "sqlite:/tmp/x.db"},
			func(c Config) any { return c.DatabaseURL }, "sqlite:/tmp/x.db"},
		{"postgresql", nil, map[string]string{"DATABASE_URL": "postgresql://u:p@db:5432/bizy?sslmode=disable"},
			func(c Config) any { return c.DatabaseURL }, "postgresql://u:p@db:5432/bizy?sslmode=disable"},
		{"redis", []string{"--redis-url", "rediss://:pw@cache:6380/0"}, nil,
			func(c Config) any { return c.RedisURL }, "rediss://:pw@cache:6380/0"},
		{"ttls", nil, map[string]string{"ACCESS_TOKEN_TTL": "1h", "REFRESH_TOKEN_TTL": "1h30m"},
			func(c Config) any { return []time.Duration{c.AccessTokenTTL, c.RefreshTokenTTL} },
			[]time.Duration{time.Hour, 90 * time.Minute}},
		{"bcrypt bounds", []string{"--bcrypt-cost=16"}, nil,
			func(c Config) any { return c.BcryptCost }, 16},
		{"trusted proxies", nil, map[string]string{"TRUSTED_PROXIES": "10.1.2.3/16, 192.168.1.7,::1,,::ffff:10.0.0.9"},
			func(c Config) any { return c.TrustedProxies },
			[]netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("192.168.1.7/32"),
				netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.9/32")}},
		{"cors lower-cased", nil, map[string]string{"CORS_ALLOWED_ORIGINS": "https://App.Example.com, http://localhost:3000"},
			func(c Config) any { return c.CORSAllowedOrigins }, []string{"https://app.example.com", "http://localhost:3000"}},
		{"public url trimmed", nil, map[string]string{"PUBLIC_URL": "https://auth.example.com/bizy/"},
			func(c Config) any { return c.PublicURL }, "https://auth.example.com/bizy"},
		{"smtp", nil, map[string]string{"SMTP_HOST": "mail", "SMTP_PORT": "587", "SMTP_TLS": "STARTTLS", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"},
			func(c Config) any {
				return []any{c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPUsername, string(c.SMTPPassword)}
			},
			[]any{"mail", 587, "starttls", "u", "p"}},
		{"mail from kept", nil, map[string]string{"MAIL_FROM": "no-reply@example.com"},
			func(c Config) any { return c.MailFrom }, "no-reply@example.com"},
		{"rate limits", []string{"--rate-limit-login=5/1m"}, map[string]string{"RATE_LIMIT_REFRESH": "off", "RATE_LIMIT_EMAIL_ADDRESS": "1/24h"},
			func(c Config) any { return c.RateLimits },
			ratelimit.Rates{Login: ratelimit.Rate{N: 5, Window: time.Minute}, Refresh: ratelimit.Rate{},
				Register: ratelimit.Rate{N: 30, Window: time.Hour}, Verify: ratelimit.Rate{N: 30, Window: 5 * time.Minute},
				Email: ratelimit.Rate{N: 10, Window: time.Hour}, EmailAddress: ratelimit.Rate{N: 1, Window: 24 * time.Hour}}},
		{"rate limits disabled", nil, map[string]string{"RATE_LIMIT_ENABLED": "false", "RATE_LIMIT_LOGIN": "5/1m"},
			func(c Config) any { return []any{c.RateLimitEnabled, c.RateLimits} }, []any{false, ratelimit.Rates{}}},
		{"log", nil, map[string]string{"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"},
			func(c Config) any { return []any{c.LogLevel, c.LogFormat} }, []any{slog.LevelDebug, "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, ModeAuth, tt.args, tt.env)
			if got := tt.field(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestServeModeDerivations(t *testing.T) {
	tenNet := netip.MustParsePrefix("10.0.0.0/8")
	tests := []struct {
		name        string
		mode        Mode
		args        []string
		env         map[string]string
		wantAddr    string
		wantURL     string
		wantProxies []netip.Prefix
		// wantAuth is what the auth service believes: under serve the
		// in-process API's hop (loopback) always, whatever TRUSTED_PROXIES says.
		wantAuth []netip.Prefix
	}{
		{"serve defaults", ModeServe, nil, nil, "127.0.0.1:4567", "http://127.0.0.1:4567", loopback, loopback},
		{"serve any host", ModeServe, nil, map[string]string{"AUTH_ADDR": "0.0.0.0:9000"}, "0.0.0.0:9000", "http://127.0.0.1:9000", loopback, loopback},
		{"serve port 0", ModeServe, []string{"--auth-addr=127.0.0.1:0"}, nil, "127.0.0.1:0", "http://127.0.0.1:0", loopback, loopback},
		{"serve IPv6 any", ModeServe, nil, map[string]string{"AUTH_ADDR": "[::]:9000"}, "[::]:9000", "http://[::1]:9000", loopback, loopback},
		{"serve explicit URL", ModeServe, nil, map[string]string{"AUTH_ADDR": ":9000", "AUTH_SERVER_URL": "http://auth:4567"},
			":9000", "http://auth:4567", loopback, loopback},
		{"serve explicit proxies", ModeServe, nil, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8"},
			"127.0.0.1:4567", "http://127.0.0.1:4567", []netip.Prefix{tenNet}, append([]netip.Prefix{tenNet}, loopback...)},
		{"serve proxies include loopback", ModeServe, nil, map[string]string{"TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8"},
			"127.0.0.1:4567", "http://127.0.0.1:4567", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), tenNet},
			[]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), tenNet, loopback[0], loopback[1]}},
		{"serve empty proxies flag", ModeServe, []string{"--trusted-proxies="}, nil, "127.0.0.1:4567", "http://127.0.0.1:4567", nil, loopback},
		{"serve proxies none", ModeServe, nil, map[string]string{"TRUSTED_PROXIES": "none"}, "127.0.0.1:4567", "http://127.0.0.1:4567", nil, loopback},
		{"auth not derived", ModeAuth, nil, map[string]string{"AUTH_ADDR": ":9000"}, ":9000", "http://127.0.0.1:4567", nil, nil},
		{"auth proxies as given", ModeAuth, nil, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8"}, ":4567", "http://127.0.0.1:4567",
			[]netip.Prefix{tenNet}, []netip.Prefix{tenNet}},
		{"api not derived", ModeAPI, nil, map[string]string{"AUTH_ADDR": ":9000"}, ":9000", "http://127.0.0.1:4567", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.mode, tt.args, tt.env)
			if c.AuthAddr != tt.wantAddr {
				t.Errorf("AuthAddr = %q, want %q", c.AuthAddr, tt.wantAddr)
			}
			if c.AuthServerURL != tt.wantURL {
				t.Errorf("AuthServerURL = %q, want %q", c.AuthServerURL, tt.wantURL)
			}
			if !reflect.DeepEqual(c.TrustedProxies, tt.wantProxies) {
				t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, tt.wantProxies)
			}
			if !reflect.DeepEqual(c.AuthTrustedProxies, tt.wantAuth) {
				t.Errorf("AuthTrustedProxies = %v, want %v", c.AuthTrustedProxies, tt.wantAuth)
			}
		})
	}
}

func TestLoopbackURL(t *testing.T) {
	tests := map[string]string{
		":4567":           "http://127.0.0.1:4567",
		"0.0.0.0:9000":    "http://127.0.0.1:9000",
		"127.0.0.1:0":     "http://127.0.0.1:0",
		"[::]:80":         "http://[::1]:80",
		"localhost:8080":  "http://localhost:8080",
		"192.168.1.5:443": "http://192.168.1.5:443",
		"no-port":         "",
	}
	for addr, want := range tests {
		if got := LoopbackURL(addr); got != want {
			t.Errorf("LoopbackURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestFlags(t *testing.T) {
	fs := flag.NewFlagSet("bizy", flag.ContinueOnError)
	Bind(fs, ModeServe, nil)
	for _, s := range settings {
		f := fs.Lookup(s.flag())
		if f == nil {
			t.Errorf("no flag for %s", s.env)
			continue
		}
		if f.DefValue != s.def {
			t.Errorf("--%s default = %q, want %q", f.Name, f.DefValue, s.def)
		}
		if !strings.HasSuffix(f.Usage, "(env "+s.env+")") {
			t.Errorf("--%s usage %q does not name %s", f.Name, f.Usage, s.env)
		}
	}
	if f := fs.Lookup("auth-addr"); f == nil || f.Usage != "auth service listen address (env AUTH_ADDR)" {
		t.Errorf("auth-addr flag = %+v", f)
	}

	var b strings.Builder
	Usage(&b)
	for _, s := range settings {
		if !strings.Contains(b.String(), s.env) || !strings.Contains(b.String(), "--"+s.flag()) {
			t.Errorf("Usage does not show %s / --%s:\n%s", s.env, s.flag(), b.String())
		}
	}
}

func TestLogValueShowsRateLimitsInForce(t *testing.T) {
	for env, want := range map[string][]string{
		"true":  {"config.rate_limits.login=30/5m0s", "config.rate_limits.email_address=1/1h0m0s"},
		"false": {"config.rate_limit_enabled=false", "config.rate_limits.login=off", "config.rate_limits.email_address=off"},
	} {
		var b strings.Builder
		c := mustLoad(t, ModeAuth, nil, map[string]string{"RATE_LIMIT_ENABLED": env, "RATE_LIMIT_EMAIL_ADDRESS": "1/1h"})
		slog.New(slog.NewTextHandler(&b, nil)).Info("start", "config", c)
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("RATE_LIMIT_ENABLED=%s: log lacks %s:\n%s", env, w, b.String())
			}
		}
	}
}

func TestProtectionSettings(t *testing.T) {
	c := mustLoad(t, ModeAuth, []string{"--hash-concurrency=3", "--hash-queue=0", "--hash-wait=500ms",
		"--event-retention=0", "--lockout-account-threshold=5", "--database-timeout=2s"}, nil)
	if c.HashConcurrency != 3 || c.HashQueue != 0 || c.HashWait != 500*time.Millisecond ||
		c.EventRetention != 0 || c.LockoutAccountThreshold != 5 || c.DatabaseTimeout != 2*time.Second {
		t.Errorf("parsed %+v", c)
	}
	for _, bad := range []map[string]string{
		{"HASH_CONCURRENCY": "0"},
		{"HASH_QUEUE": "-1"},
		{"HASH_WAIT": "0"},
		{"DATABASE_TIMEOUT": "0"},
		{"DATABASE_TIMEOUT": "5"},
		{"EVENT_RETENTION": "-1h"},
		{"LOCKOUT_ACCOUNT_THRESHOLD": "4"}, // below LOCKOUT_THRESHOLD (5)
	} {
		_, err := load(t, ModeAuth, nil, bad)
		for k := range bad {
			if err == nil || !strings.Contains(err.Error(), k+":") {
				t.Errorf("%v: error %v, want one naming %s", bad, err, k)
			}
		}
	}
}

func TestSecondFactorSettings(t *testing.T) {
	c := mustLoad(t, ModeAuth, []string{"--public-url", "https://Auth.Example.com:8443"},
		map[string]string{"ADMIN_REQUIRE_MFA": "true", "DB_ENCRYPTION_KEY": strings.Repeat("ab", 32)})
	if !c.AdminRequireMFA || c.DBEncryptionKey == "" || c.WebAuthnRPID != "auth.example.com" ||
		!reflect.DeepEqual(c.WebAuthnOrigins, []string{"https://auth.example.com:8443"}) {
		t.Errorf("config = %+v", c)
	}
	_, err := load(t, ModeAuth, nil, map[string]string{"DB_ENCRYPTION_KEY": "short"})
	if err == nil || !strings.HasPrefix(err.Error(), "DB_ENCRYPTION_KEY: ") || strings.Contains(err.Error(), "short") {
		t.Errorf("a bad key: %v", err)
	}
}

func TestWebAuthnRPIDNeverAnIP(t *testing.T) {
	c := mustLoad(t, ModeAuth, []string{"--public-url", "http://127.0.0.1:8000"}, nil)
	if c.WebAuthnRPID != "" {
		t.Errorf("RP id derived from an IP address: %q", c.WebAuthnRPID)
	}
	if _, err := load(t, ModeAuth, []string{"--webauthn-rp-id", "10.0.0.1"}, nil); err == nil {
		t.Error("an IP address accepted as WEBAUTHN_RP_ID")
	}
}
