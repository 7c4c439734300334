package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverShows(t *testing.T) {
	const jwt, smtp = "jwt-secret-value-0123456789abcdef", "smtp-password-value"
	cfg := mustLoad(t, ModeAuth, nil, map[string]string{
		"JWT_ALGORITHM": "HS256", "JWT_SECRET": jwt, "SMTP_PASSWORD": smtp,
		"DATABASE_URL": "postgres://bizy:dbpw-value@db/bizy?password=qpw-value",
		"REDIS_URL":    "redis://:redispw-value@cache:6379",
	})
	if string(cfg.JWTSecret) != jwt {
		t.Fatalf("string(JWTSecret) = %q, want the raw secret", string(cfg.JWTSecret))
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		outputs = append(outputs, fmt.Sprintf(verb, cfg.JWTSecret), fmt.Sprintf(verb, cfg))
	}
	outputs = append(outputs, fmt.Sprint(cfg.SMTPPassword), cfg.JWTSecret.String(), fmt.Sprintln(cfg))
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(js))
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		log := slog.New(h(&b))
		log.Info("start", "config", cfg, "secret", cfg.JWTSecret, slog.Any("password", cfg.SMTPPassword))
		log.Info("group", slog.Group("g", "secret", cfg.JWTSecret))
		if !strings.Contains(b.String(), "REDACTED") {
			t.Errorf("log does not say REDACTED:\n%s", b.String())
		}
		for _, pw := range []string{"dbpw-value", "qpw-value", "redispw-value"} {
			if strings.Contains(b.String(), pw) {
				t.Errorf("log reveals URL password %q:\n%s", pw, b.String())
			}
		}
		outputs = append(outputs, b.String())
	}
	for _, out := range outputs {
		if strings.Contains(out, jwt) || strings.Contains(out, smtp) ||
			strings.Contains(out, fmt.Sprintf("%x", jwt)) || strings.Contains(out, "jwt-secret") {
			t.Errorf("output reveals a secret:\n%s", out)
		}
	}
}

func TestLogValueShowsUnsetSecretsAsEmpty(t *testing.T) {
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("start", "config", mustLoad(t, ModeAuth, nil, nil))
	for _, want := range []string{"config.jwt_secret=\"\"", "config.smtp_password=\"\"", "config.database_url=sqlite:data/bizy.db"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, b.String())
		}
	}
}
