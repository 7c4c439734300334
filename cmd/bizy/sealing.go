package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/bizy-auth/bizy/internal/config"
	"github.com/bizy-auth/bizy/internal/seal"
)

// sealBox returns the box that seals secrets at rest under
// DB_ENCRYPTION_KEY and still opens what DB_ENCRYPTION_OLD_KEYS sealed, or
// nil (plaintext) when no key is set.
func sealBox(cfg config.Config) (*seal.Box, error) {
	if cfg.DBEncryptionKey == "" {
		return nil, nil
	}
	old := make([][]byte, len(cfg.DBEncryptionOldKeys))
	for i, k := range cfg.DBEncryptionOldKeys {
		old[i] = []byte(k)
	}
	b, err := seal.NewBox([]byte(cfg.DBEncryptionKey), old...)
	if err != nil {
		return nil, fmt.Errorf("DB_ENCRYPTION_KEY: %w", err)
	}
	return b, nil
}

// checkSealed refuses to start when a secret in the database does not open
// with the configured keys, saying which setting to fix, and warns when
// secrets wait to be resealed under the current key.
func checkSealed(ctx context.Context, log *slog.Logger, cfg config.Config, db database) error {
	stale, err := db.CheckSealed(ctx)
	switch {
	case errors.Is(err, seal.ErrUnknownKey) && cfg.DBEncryptionKey == "":
		return fmt.Errorf("the database holds secrets encrypted with a DB_ENCRYPTION_KEY, and none is set: set DB_ENCRYPTION_KEY to that key (%w)", err)
	case errors.Is(err, seal.ErrUnknownKey):
		return fmt.Errorf("the database holds secrets encrypted with a key that is neither DB_ENCRYPTION_KEY (id %s) nor in DB_ENCRYPTION_OLD_KEYS: "+
			"add that key to DB_ENCRYPTION_OLD_KEYS (%w)", keyID(cfg), err)
	case errors.Is(err, seal.ErrCorrupt):
		return fmt.Errorf("a secret in the database does not open with its key: it was altered or copied from another row; restore it from a backup (%w)", err)
	case err != nil:
		return fmt.Errorf("check encrypted secrets: %w", err)
	}
	if stale > 0 {
		log.Warn("secrets are stored in plaintext or under an old DB_ENCRYPTION_KEY; run `bizy keys reseal`", "count", stale)
	}
	return nil
}

// keyID is the public id of DB_ENCRYPTION_KEY, as sealed values name it.
func keyID(cfg config.Config) string {
	return seal.KeyID([]byte(cfg.DBEncryptionKey))
}
