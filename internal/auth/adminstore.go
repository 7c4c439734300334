package auth

import (
	"time"

	"context"

	"github.com/bizy-auth/bizy/internal/input"
)

// AdminStore is what the admin API needs beyond UserStore: a searchable
// list of accounts and their deletion.
type AdminStore interface {
	// ListUsers returns up to f.Limit users matching f, ordered by id
	// descending (ids are UUIDv7, so newest first), and whether more users
	// match after the last one returned. A limit outside 1..MaxPageSize gives
	// a *ValidationError naming "limit".
	ListUsers(ctx context.Context, f UserFilter) ([]User, bool, error)
	// DeleteUser deletes the user with id. Their sessions, rotated-out
	// refresh tokens and single-use tokens go with them; the event log
	// keeps its rows. Sessions revoked before the deletion stay in the
	// Revocations feed, so API copies still learn of them. ErrNotFound for
	// an unknown id.
	DeleteUser(ctx context.Context, id string) error
	// RecordUserDeletion notes that user id was deleted at, for the
	// deletions feed; called in the transaction that deletes the user.
	// Recording an id again keeps the first time.
	RecordUserDeletion(ctx context.Context, id string, at time.Time) error
	// UserDeletions returns up to limit deletions made at or after since,
	// ordered by (At, UserID), starting strictly after the position
	// (afterAt, afterID) when afterID is not "".
	UserDeletions(ctx context.Context, since, afterAt time.Time, afterID string, limit int) ([]UserDeletion, error)
}

// UserDeletion is one entry of the deletions feed: a deleted user whose
// data the API erases.
type UserDeletion struct {
	UserID string    `json:"user_id"`
	At     time.Time `json:"deleted_at"`
}

// MaxPageSize is the largest page a list answers (the SPEC's limit 1–100).
const MaxPageSize = input.MaxLimit

// UserFilter selects a page of users.
type UserFilter struct {
	// Query, when not "", keeps the users whose username or email contains
	// it, ignoring case. It is matched literally: '%', '_' and '\' are
	// ordinary characters, not wildcards.
	Query string
	// Limit is the page size, 1..MaxPageSize.
	Limit int
	// After, when not "", keeps only users whose id sorts before it (the
	// last id of the previous page).
	After string
}
