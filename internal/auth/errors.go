package auth

import (
	"errors"
	"fmt"

	"github.com/bizy-auth/bizy/internal/invalid"
)

// Sentinel errors returned by Service and Store. Servers map them to HTTP
// statuses with errors.Is; their text is safe to show to a client.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("already exists")
	ErrBadCredentials  = errors.New("invalid username or password")
	ErrLocked          = errors.New("account temporarily locked")
	ErrEmailUnverified = errors.New("email address not verified")
	ErrDisabled        = errors.New("account disabled")
	ErrUnauthenticated = errors.New("authentication required")
	ErrInvalidToken    = errors.New("the token is invalid, has been used or has expired")
	ErrInvalidRefresh  = errors.New("the refresh token is invalid, revoked or expired; log in again")
)

// CredentialError is a wrong password given to confirm a change (the
// current password of a password change). Servers answer 400 naming Field.
type CredentialError struct {
	Field   string
	Message string
}

func (e *CredentialError) Error() string { return e.Field + " " + e.Message }

// ConflictError reports which unique field (username or email) was taken.
// It matches ErrConflict with errors.Is.
type ConflictError struct {
	Field string
}

func (e *ConflictError) Error() string { return e.Field + " already taken" }

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// LockedError reports a locked login name and how long the lock still lasts.
// It matches ErrLocked with errors.Is.
type LockedError struct {
	RetryAfterSeconds int
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("account temporarily locked; retry in %d seconds", e.RetryAfterSeconds)
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// ValidationError maps field names to what is wrong with them. Servers turn it
// into a 422 with one entry per field. It is invalid.Error, the one type
// tasks.ValidationError names too, so web answers both the same way.
type ValidationError = invalid.Error
