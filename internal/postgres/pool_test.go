package postgres_test

import (
	"context"
	"testing"

	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
)

// TestPoolSize: the pool holds DefaultMaxConns connections unless the URL
// says pool_max_conns.
func TestPoolSize(t *testing.T) {
	base := pgtest.URL(t)
	for _, tc := range []struct {
		url  string
		want int32
	}{
		{base, postgres.DefaultMaxConns},
		{pgtest.WithParam(base, "pool_max_conns", "3"), 3},
	} {
		db, err := postgres.Open(context.Background(), tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := db.MaxConns(); got != tc.want {
			t.Errorf("pool size for %s = %d, want %d", tc.url, got, tc.want)
		}
		db.Close()
	}
}
