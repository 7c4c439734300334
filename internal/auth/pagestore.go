package auth

import (
	"context"
	"time"
)

// PageSessionStore ties the pages' cookie to the sessions table. A page
// session is an ordinary session (the same row an API login opens) that
// also carries the SHA-256 of its cookie's secret, so session lists,
// sign-out everywhere and every revocation treat both alike.
type PageSessionStore interface {
	// SetSessionCookie records cookieHash as the cookie of session id.
	// ErrNotFound for an unknown id; an error matching ErrConflict when
	// another session already has that hash.
	SetSessionCookie(ctx context.Context, id string, cookieHash []byte) error
	// SessionByCookie returns the session whose cookie hashes to
	// cookieHash, live or not; ErrNotFound when none has it.
	SessionByCookie(ctx context.Context, cookieHash []byte) (Session, error)
}

// EventStatsStore answers the aggregate questions of the admin console.
type EventStatsStore interface {
	// CountEventsByHour counts the events of each of types created in
	// [since, until), per UTC hour. Hours without events of a type are
	// left out; the rest come ordered by hour, then type.
	CountEventsByHour(ctx context.Context, types []string, since, until time.Time) ([]HourCount, error)
}

// HourCount is how many events of one type were created in the hour that
// starts at Hour (UTC, on the hour).
type HourCount struct {
	Hour  time.Time
	Type  string
	Count int
}
