package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/bizy-auth/bizy/internal/apiserver"
	"github.com/bizy-auth/bizy/internal/config"
	"github.com/bizy-auth/bizy/internal/metrics"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/token"
)

func runAPI(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, log, db, err := setupServer(ctx, "api", config.ModeAPI, args, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, h, err := listenAPI(ctx, log, cfg, db)
	if err != nil {
		return err
	}
	return serveHTTP(ctx, log, ln, h)
}

// listenAPI builds the API over db and opens its listener.
func listenAPI(ctx context.Context, log *slog.Logger, cfg config.Config, db database) (net.Listener, http.Handler, error) {
	h, err := buildAPI(ctx, log, cfg, db)
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", cfg.APIAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("API_ADDR: %w", err)
	}
	log.Info("API listening", "addr", ln.Addr().String(), "auth_server", cfg.AuthServerURL)
	return ln, h, nil
}

// buildAPI migrates the API's own tables and assembles its handler. The API
// verifies tokens itself: with the auth service's published keys (EdDSA) or
// the shared secret (HS256).
func buildAPI(ctx context.Context, log *slog.Logger, cfg config.Config, db database) (http.Handler, error) {
	if err := db.MigrateTasks(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	vcfg := token.Config{
		Algorithm: cfg.JWTAlgorithm, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience,
		CacheSize: verifierCacheSize,
	}
	if cfg.JWTAlgorithm == token.HS256 {
		vcfg.Secret = []byte(cfg.JWTSecret)
	} else {
		vcfg.Keys = token.NewJWKS(strings.TrimRight(cfg.AuthServerURL, "/")+"/.well-known/jwks.json", token.JWKSOptions{})
	}
	v, err := token.NewVerifier(vcfg)
	if err != nil {
		return nil, err
	}
	svc := tasks.NewService(db.TasksStore(), nil)
	reg := metrics.NewRegistry()
	return apiserver.NewServer(log.With("service", "api"), apiserver.Config{
		AuthServerURL:      cfg.AuthServerURL,
		TrustedProxies:     cfg.TrustedProxies,
		CORSAllowedOrigins: cfg.CORSAllowedOrigins,
		Metrics:            metrics.Handler(reg),
		Instrument:         metrics.HTTP(reg),
	}, svc, v), nil
}
