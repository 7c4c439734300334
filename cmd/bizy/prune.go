package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/config"
)

// retentionInterval is how often the auth service prunes finished rows.
// Each run deletes little once the first has cleared any backlog.
const retentionInterval = time.Hour

// runPrune is `bizy prune`: one retention run, whose counts it prints.
func runPrune(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseSettings("prune", "bizy prune [flags]", config.ModeTool, args, getenv, stderr)
	if err != nil {
		return err
	}
	d, err := openAuth(ctx, newLogger(cfg, stderr), cfg)
	if err != nil {
		return err
	}
	defer d.db.Close()
	c, err := d.svc.Prune(ctx)
	if err != nil {
		return fmt.Errorf("prune: %w (deleted before the error: %v)", err, c)
	}
	fmt.Fprintf(stdout, "pruned %v\n", c)
	return nil
}

// pruner is what runRetention needs of the auth service.
type pruner interface {
	Prune(ctx context.Context) (auth.PruneCounts, error)
}

// runRetention prunes at once and then every interval until ctx ends,
// logging what it deleted (at INFO, only when something went) and its
// failures; a failed run is retried at the next tick. Several copies of the
// auth service may run it at once: deleting a finished row is idempotent.
// It returns nil when ctx ends.
func runRetention(ctx context.Context, log *slog.Logger, p pruner, interval time.Duration) error {
	log = log.With("component", "retention")
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		c, err := p.Prune(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.ErrorContext(ctx, "prune failed; retrying at the next run", "err", err, "deleted", c)
		case c.Total() > 0:
			log.InfoContext(ctx, "pruned finished rows", "deleted", c)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
