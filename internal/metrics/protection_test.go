package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/token"
)

// TestProtectionMetrics: locks and busy refusals show as security event
// counts, and the gate's load as gauges.
func TestProtectionMetrics(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	signer, err := token.NewHS256Signer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	gate := auth.NewHashGate(auth.HashGateConfig{Concurrency: 1, Queue: 0})
	svc, err := auth.NewService(slog.New(slog.NewTextHandler(io.Discard, nil)), db.AuthStore(), auth.StaticSigner{S: signer},
		auth.Config{BcryptCost: 4, AccessTokenTTL: time.Minute, RefreshTokenTTL: time.Hour, Issuer: "i", Audience: "a",
			LockoutThreshold: 1, LockoutAccountThreshold: 1, LockoutDuration: time.Minute, HashGate: gate})
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	RegisterProtection(reg, svc, gate)
	c := auth.Client{IP: "192.0.2.1"}
	svc.Login(ctx, "nobody", "Wr0ng!guess", c) // locks the name, from the IP and for everyone
	svc.Login(ctx, "nobody", "Wr0ng!guess", c) // refused by the lock
	hold, held, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { gate.Do(ctx, func() { close(held); <-hold }); close(done) }()
	<-held
	if _, err := svc.Login(ctx, "other", "Wr0ng!guess", c); !errors.Is(err, auth.ErrBusy) {
		t.Fatalf("login past the gate = %v, want ErrBusy", err)
	}
	out := scrape(t, Handler(reg))
	close(hold)
	<-done
	for _, want := range []string{
		`bizy_security_events_total{type="lock"} 1`,
		`bizy_security_events_total{type="account_locked"} 1`,
		`bizy_security_events_total{type="login_locked"} 1`,
		`bizy_security_events_total{type="busy"} 1`,
		`bizy_security_events_total{type="unlock_mailed"} 0`,
		"bizy_hash_in_flight 1",
		"bizy_hash_waiting 0",
		"bizy_hash_operations_total 1", // the first login's check; the held one has not ended
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q:\n%s", want, grep(out, "bizy_"))
		}
	}
}
