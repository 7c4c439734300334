package config

import (
	"strings"
	"testing"
)

func TestInvalidSettingIsNamed(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		want   string // the one error line starts with this
		hidden string // must not appear in the error
	}{
		{"address", nil, map[string]string{"AUTH_ADDR": "x"}, `AUTH_ADDR: invalid address "x"`, ""},
		{"address port range", nil, map[string]string{"API_ADDR": ":65536"}, `API_ADDR: invalid address ":65536"`, ""},
		{"address port name", []string{"--api-addr=:http"}, nil, `API_ADDR: invalid address ":http"`, ""},
		{"url without scheme", nil, map[string]string{"AUTH_SERVER_URL": "127.0.0.1:4567"}, "AUTH_SERVER_URL: want an absolute", ""},
		{"url scheme", nil, map[string]string{"PUBLIC_URL": "ftp://example.com"}, "PUBLIC_URL: want an absolute", ""},
		{"url relative", nil, map[string]string{"PUBLIC_URL": "/bizy"}, "PUBLIC_URL: want an absolute", ""},
		{"url query", nil, map[string]string{"PUBLIC_URL": "https://x.example/?a=b"}, "PUBLIC_URL: must not have a query", ""},
		{"empty data dir", []string{"--data-dir="}, nil, "DATA_DIR: must not be empty", ""},
		{"database scheme", nil, map[string]string{"DATABASE_URL": "mysql://u:dbpw@h/db"},
			`DATABASE_URL: want sqlite:PATH or postgres://…, got scheme "mysql"`, "dbpw"},
		{"database junk", nil, map[string]string{"DATABASE_URL": "u:dbpw@h"}, "DATABASE_URL: want sqlite:PATH", "dbpw"},
		{"database sqlite no path", nil, map[string]string{"DATABASE_URL": "sqlite:"}, "DATABASE_URL: sqlite: needs a path", ""},
		{"redis scheme", nil, map[string]string{"REDIS_URL": "http://:redispw@cache"}, "REDIS_URL: want redis://", "redispw"},
		{"algorithm", nil, map[string]string{"JWT_ALGORITHM": "RS256"}, `JWT_ALGORITHM: must be EdDSA or HS256, got "RS256"`, ""},
		{"short secret", nil, map[string]string{"JWT_ALGORITHM": "HS256", "JWT_SECRET": "tooshort-secret"},
			"JWT_SECRET: must be at least 32 bytes, got 15", "tooshort"},
		{"HS256 without secret", nil, map[string]string{"JWT_ALGORITHM": "HS256"},
			"JWT_SECRET: required when JWT_ALGORITHM is HS256", ""},
		{"empty issuer", []string{"--jwt-issuer="}, nil, "JWT_ISSUER: must not be empty", ""},
		{"empty audience", []string{"--jwt-audience="}, nil, "JWT_AUDIENCE: must not be empty", ""},
		{"duration unit", nil, map[string]string{"ACCESS_TOKEN_TTL": "15"}, `ACCESS_TOKEN_TTL: must be a positive duration`, ""},
		{"duration negative", nil, map[string]string{"LOCKOUT_DURATION": "-1m"}, `LOCKOUT_DURATION: must be a positive duration`, ""},
		{"refresh not longer", nil, map[string]string{"REFRESH_TOKEN_TTL": "15m"},
			"REFRESH_TOKEN_TTL: must be longer than ACCESS_TOKEN_TTL (15m0s), got 15m0s", ""},
		{"bcrypt low", nil, map[string]string{"BCRYPT_COST": "9"}, `BCRYPT_COST: must be between 10 and 16, got "9"`, ""},
		{"bcrypt high", nil, map[string]string{"BCRYPT_COST": "17"}, `BCRYPT_COST: must be between 10 and 16, got "17"`, ""},
		{"bcrypt text", nil, map[string]string{"BCRYPT_COST": "twelve"}, `BCRYPT_COST: must be between 10 and 16`, ""},
		{"bool", nil, map[string]string{"REQUIRE_EMAIL_VERIFICATION": "yes"}, `REQUIRE_EMAIL_VERIFICATION: must be true or false, got "yes"`, ""},
		{"bool flag", []string{"--rate-limit-enabled=maybe"}, nil, `RATE_LIMIT_ENABLED: must be true or false, got "maybe"`, ""},
		{"rate limit form", nil, map[string]string{"RATE_LIMIT_LOGIN": "30 per 5m"}, `RATE_LIMIT_LOGIN: want N/DURATION such as 30/5m, or off; got "30 per 5m"`, ""},
		{"rate limit count", []string{"--rate-limit-refresh=0/5m"}, nil, `RATE_LIMIT_REFRESH: want a count of at least 1`, ""},
		{"rate limit window", nil, map[string]string{"RATE_LIMIT_EMAIL_ADDRESS": "3/500ms"}, `RATE_LIMIT_EMAIL_ADDRESS: want a window of whole seconds`, ""},
		{"rate limit checked while disabled", nil, map[string]string{"RATE_LIMIT_ENABLED": "false", "RATE_LIMIT_VERIFY": "lots"},
			`RATE_LIMIT_VERIFY: want N/DURATION`, ""},
		{"lockout threshold", nil, map[string]string{"LOCKOUT_THRESHOLD": "0"}, `LOCKOUT_THRESHOLD: must be an integer of at least 1, got "0"`, ""},
		{"proxy CIDR", nil, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,10.0.0.0/33"}, `TRUSTED_PROXIES: invalid CIDR "10.0.0.0/33"`, ""},
		{"proxy host name", nil, map[string]string{"TRUSTED_PROXIES": "proxy.local"}, `TRUSTED_PROXIES: invalid IP or CIDR "proxy.local"`, ""},
		{"smtp port low", nil, map[string]string{"SMTP_PORT": "0"}, `SMTP_PORT: must be between 1 and 65535, got "0"`, ""},
		{"smtp port high", nil, map[string]string{"SMTP_PORT": "65536"}, `SMTP_PORT: must be between 1 and 65535`, ""},
		{"smtp tls", nil, map[string]string{"SMTP_TLS": "ssl"}, `SMTP_TLS: must be none, starttls or tls, got "ssl"`, ""},
		{"mail from", nil, map[string]string{"MAIL_FROM": "Bizy"}, `MAIL_FROM: want an address`, ""},
		{"cors wildcard", nil, map[string]string{"CORS_ALLOWED_ORIGINS": "*"}, `CORS_ALLOWED_ORIGINS: invalid origin "*"`, ""},
		{"cors path", nil, map[string]string{"CORS_ALLOWED_ORIGINS": "http://localhost:3000/"}, `CORS_ALLOWED_ORIGINS: invalid origin "http://localhost:3000/"`, ""},
		{"cors no scheme", nil, map[string]string{"CORS_ALLOWED_ORIGINS": "localhost:3000"}, `CORS_ALLOWED_ORIGINS: invalid origin`, ""},
		{"log level", nil, map[string]string{"LOG_LEVEL": "verbose"}, `LOG_LEVEL: must be debug, info, warn or error, got "verbose"`, ""},
		{"log format", nil, map[string]string{"LOG_FORMAT": "yaml"}, `LOG_FORMAT: must be text or json, got "yaml"`, ""},
		{"pprof all interfaces", nil, map[string]string{"PPROF_ADDR": ":6060"}, `PPROF_ADDR: must be a loopback address`, ""},
		{"pprof public ip", nil, map[string]string{"PPROF_ADDR": "10.0.0.5:6060"}, `PPROF_ADDR: must be a loopback address`, ""},
		{"pprof host name", nil, map[string]string{"PPROF_ADDR": "example.com:6060"}, `PPROF_ADDR: must be a loopback address`, ""},
		{"pprof no port", nil, map[string]string{"PPROF_ADDR": "127.0.0.1"}, `PPROF_ADDR: invalid address`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, ModeAuth, tt.args, tt.env)
			if err == nil {
				t.Fatalf("no error; Config = %+v", c)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) {
				t.Errorf("error:\n%v\nwant one line starting with:\n%s", err, tt.want)
			}
			if tt.hidden != "" && strings.Contains(err.Error(), tt.hidden) {
				t.Errorf("error %q reveals %q", err, tt.hidden)
			}
		})
	}
}

func TestPprofAddrTakesLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:6060", "127.0.0.2:0", "[::1]:6060", "localhost:6060"} {
		if c := mustLoad(t, ModeServe, nil, map[string]string{"PPROF_ADDR": addr}); c.PprofAddr != addr {
			t.Errorf("PPROF_ADDR=%s: PprofAddr = %q", addr, c.PprofAddr)
		}
	}
}

func TestEveryBadSettingIsListed(t *testing.T) {
	env := map[string]string{
		"LOG_LEVEL":     "loud",
		"AUTH_ADDR":     "x",
		"JWT_ALGORITHM": "HS256", // and no JWT_SECRET
		"BCRYPT_COST":   "9",
	}
	_, err := load(t, ModeServe, []string{"--smtp-port=0"}, env)
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{"AUTH_ADDR: ", "JWT_SECRET: ", "BCRYPT_COST: ", "SMTP_PORT: ", "LOG_LEVEL: "}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%v", len(lines), len(want), err)
	}
	for i, prefix := range want {
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], prefix)
		}
	}
}
