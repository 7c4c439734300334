package main

import (
	"context"
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
	d, err := openAuth(ctx, newLogger(cfg, stderr), cfg)
	if err != nil {
		return err
	}
	defer d.db.Close()
	// Access tokens are signed with JWT_SECRET under HS256: only the
	// OpenID provider's RSA key rotates then.
	if d.keys != nil {
		kid, err := d.keys.Rotate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new signing key %s (EdDSA, access tokens)\n", kid)
	}
	kid, err := d.oidcKeys.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new signing key %s (RS256, OpenID tokens); earlier keys stay published until the tokens they signed expire (ACCESS_TOKEN_TTL %s)\n", kid, cfg.AccessTokenTTL)
	return nil
}
