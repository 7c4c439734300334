package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthTimeout bounds `bizy health`, as a container health check must.
const healthTimeout = 3 * time.Second

// runHealth checks a health URL and fails unless it answers 200. It exists
// for container health checks: the image has no shell, curl or wget.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "Usage: bizy health URL   (e.g. http://127.0.0.1:4567/health)")
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %d: %s", args[0], res.StatusCode, body)
	}
	fmt.Fprintf(stdout, "%s\n", body)
	return nil
}
