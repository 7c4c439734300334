package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/authserver"
	"github.com/bizy-auth/bizy/internal/config"
)

// Server time-outs: slow or stuck clients can't hold connections forever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout is how long in-flight requests get after SIGTERM.
	shutdownTimeout = 20 * time.Second
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, _, err := parseFlags("serve", "bizy serve [flags]", config.ModeServe, args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	return serveAuth(ctx, cfg, stderr)
}

func runAuth(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, _, err := parseFlags("auth", "bizy auth [flags]", config.ModeAuth, args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	return serveAuth(ctx, cfg, stderr)
}

// serveAuth runs the auth service until ctx ends.
func serveAuth(ctx context.Context, cfg config.Config, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	d, err := openAuth(ctx, log, cfg)
	if err != nil {
		return err
	}
	defer d.db.Close()
	h := authserver.NewServer(log.With("service", "auth"), authserver.Config{TrustedProxies: cfg.TrustedProxies},
		d.svc, d.verifier, keyPublisher(d))
	ln, err := net.Listen("tcp", cfg.AuthAddr)
	if err != nil {
		return fmt.Errorf("AUTH_ADDR: %w", err)
	}
	log.Info("auth service listening", "addr", ln.Addr().String(), "database", databaseKind(cfg.DatabaseURL),
		"jwt_algorithm", cfg.JWTAlgorithm)
	return serveHTTP(ctx, log, ln, h)
}

// keyPublisher returns the key ring, or nil (an empty JWKS) under HS256.
func keyPublisher(d *authDeps) authserver.KeyPublisher {
	if d.keys == nil {
		return nil
	}
	return d.keys
}

func databaseKind(url string) string {
	if len(url) >= 7 && url[:7] == "sqlite:" {
		return "sqlite"
	}
	return "postgres"
}

// serveHTTP serves h on ln until ctx ends, then stops accepting and gives
// in-flight requests shutdownTimeout to finish.
func serveHTTP(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "addr", ln.Addr().String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
