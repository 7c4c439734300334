package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/config"
	"github.com/bizy-auth/bizy/internal/redis"
)

const keysUsage = `Usage:
  bizy keys rotate        make a new signing key; earlier ones stay published until their tokens expire
  bizy keys revoke [--] KID  withdraw a compromised signing key now: unpublished, its tokens refused everywhere
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
	case "revoke":
		return runKeysRevoke(ctx, args[1:], getenv, stdout, stderr)
	}
	fmt.Fprintln(stderr, keysUsage)
	return errUsage
}

func runKeysRotate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseSettings("keys rotate", "bizy keys rotate [flags]", config.ModeTool, args, getenv, stderr)
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

// runKeysReseal is the rotation command of DB_ENCRYPTION_KEY: with the new
// key in DB_ENCRYPTION_KEY and the old one in DB_ENCRYPTION_OLD_KEYS, it
// seals every secret again under the new key (plaintext ones too, written
// before a key was set), after which the old key can be dropped.
func runKeysReseal(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseSettings("keys reseal", "bizy keys reseal [flags]", config.ModeTool, args, getenv, stderr)
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

// runKeysRevoke is the answer to a leaked signing key: the key leaves the
// JWKS at once, its private key is erased, a new signing key is made if it
// was the current one, and every API copy refuses its tokens within the
// revocation bound: through Redis at once when REDIS_URL is set, and
// through the auth service's /revocations feed, which they poll every
// second, in any case.
func runKeysRevoke(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "bizy keys revoke [--] KID [flags]   (a KID that starts with '-' goes after --)"
	// A kid is base64url, so one in 64 starts with '-' and would read as
	// a flag: after "--" the next word is the kid whatever it looks like.
	explicit := len(args) > 0 && args[0] == "--"
	if explicit {
		args = args[1:]
	}
	if len(args) == 0 || args[0] == "" || (!explicit && args[0][0] == '-') {
		fmt.Fprintln(stderr, "Usage: "+usage)
		return errUsage
	}
	kid := args[0]
	cfg, err := parseSettings("keys revoke", usage, config.ModeTool, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.JWTAlgorithm != "EdDSA" {
		return errors.New("keys revoke: JWT_ALGORITHM is HS256, which has no key ids; change JWT_SECRET instead")
	}
	log := newLogger(cfg, stderr)
	d, err := openAuth(ctx, log, cfg)
	if err != nil {
		return err
	}
	defer d.db.Close()
	current, err := d.keys.Revoke(ctx, kid)
	if errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("keys revoke: no signing key %q (the kid of a token's header, as the JWKS lists it)", kid)
	}
	if err != nil {
		return err
	}
	d.svc.RecordKeyRevoked(ctx, kid, current, cliClient)
	if cfg.RedisURL != "" {
		c, err := openRedis(ctx, log, cfg.RedisURL)
		if err != nil {
			log.Warn("revoked key not announced on Redis; API copies learn it from /revocations within a second", "err", err)
		} else {
			defer c.Close()
			pctx, cancel := context.WithTimeout(ctx, publishTimeout)
			defer cancel()
			if err := redis.NewPublisher(c, redis.Channel).PublishKey(pctx, kid); err != nil {
				log.Warn("revoked key not announced on Redis; API copies learn it from /revocations within a second", "err", err)
			}
		}
	}
	fmt.Fprintf(stdout, "signing key %s revoked: withdrawn from the JWKS and refused by every copy within 2 s; tokens are now signed with %s\n", kid, current)
	return nil
}
