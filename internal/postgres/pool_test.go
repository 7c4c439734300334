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

// TestDescriptionCache: the connections keep no cache of statement
// descriptions, which only pgx's cache_describe mode reads, unless the URL
// asks for that mode or sets the cache's size.
func TestDescriptionCache(t *testing.T) {
	base := pgtest.URL(t)
	for _, tc := range []struct {
		url  string
		want int
	}{
		{base, 0},
		{pgtest.WithParam(base, "default_query_exec_mode", "cache_describe"), 512},
		{pgtest.WithParam(base, "description_cache_capacity", "64"), 64},
	} {
		db, err := postgres.Open(context.Background(), tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := db.DescriptionCacheCapacity(); got != tc.want {
			t.Errorf("description cache for %s = %d, want %d", tc.url, got, tc.want)
		}
		db.Close()
	}
}
