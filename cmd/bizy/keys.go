package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bizy-auth/bizy/internal/config"
)

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "Usage: bizy keys rotate [flags]")
		return errUsage
	}
	cfg, _, err := parseFlags("keys rotate", "bizy keys rotate [flags]", config.ModeTool, args[1:], getenv, stderr, nil)
	if err != nil {
		return err
	}
	if cfg.JWTAlgorithm != "EdDSA" {
		return errors.New("keys rotate: JWT_ALGORITHM is HS256, which signs with JWT_SECRET; change the secret to rotate")
	}
	d, err := openAuth(ctx, newLogger(cfg, stderr), cfg)
	if err != nil {
		return err
	}
	defer d.db.Close()
	kid, err := d.keys.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new signing key %s; earlier keys stay published until the tokens they signed expire (ACCESS_TOKEN_TTL %s)\n", kid, cfg.AccessTokenTTL)
	return nil
}
