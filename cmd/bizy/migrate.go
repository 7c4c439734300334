package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bizy-auth/bizy/internal/config"
)

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseSettings("migrate", "bizy migrate [flags]", config.ModeTool, args, getenv, stderr)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// Both components: the services may share one database, and each
	// migration set touches only its own tables.
	if err := db.MigrateAuth(ctx); err != nil {
		return fmt.Errorf("migrate auth: %w", err)
	}
	if err := db.MigrateTasks(ctx); err != nil {
		return fmt.Errorf("migrate tasks: %w", err)
	}
	fmt.Fprintf(stdout, "migrations applied (%s)\n", databaseKind(cfg.DatabaseURL))
	return nil
}
