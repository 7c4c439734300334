package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bizy-auth/bizy/internal/config"
)

const keysUsage = `Usage:
  bizy keys rotate        make a new signing key; earlier ones stay published until their tokens expire
  bizy keys reseal        encrypt every secret at rest again under DB_ENCRYPTION_KEY (after rotating it)`

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, keysUsage)
		return errUsage
	}
	switch args[0] {
	case "rotate":
		return runKeysRotate(ctx, args[1:], getenv, stdout, stderr)
	case "reseal":
		return runKeysReseal(ctx, args[1:], getenv, stdout, stderr)
	}
	fmt.Fprintln(stderr, keysUsage)
	return errUsage
}

func runKeysRotate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlags("keys rotate", "bizy keys rotate [flags]", config.ModeTool, args, getenv, stderr, nil)
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

// runKeysReseal is the rotation command of DB_ENCRYPTION_KEY: with the new
// key in DB_ENCRYPTION_KEY and the old one in DB_ENCRYPTION_OLD_KEYS, it
// seals every secret again under the new key (plaintext ones too, written
// before a key was set), after which the old key can be dropped.
func runKeysReseal(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlags("keys reseal", "bizy keys reseal [flags]", config.ModeTool, args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if cfg.DBEncryptionKey == "" {
		return errors.New("keys reseal: DB_ENCRYPTION_KEY is not set, so there is no key to encrypt with")
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.MigrateAuth(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := checkSealed(ctx, newLogger(cfg, io.Discard), cfg, db); err != nil {
		return err
	}
	n, err := db.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("keys reseal: %w", err)
	}
	fmt.Fprintf(stdout, "%d secrets encrypted again under key %s; every secret is now under it, so DB_ENCRYPTION_OLD_KEYS can be emptied\n", n, keyID(cfg))
	return nil
}
