package auth

import (
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/invalid"
)

// Sentinel errors returned by Service and Store, each a *fault.Error: a
// kind the HTTP layer maps to a status, the stable code clients see and a
// public message. Compare them with errors.Is.
var (
	ErrNotFound        = fault.New(fault.NotFound, "not_found", "not found")
	ErrConflict        = fault.New(fault.Conflict, "conflict", "already exists")
	ErrBadCredentials  = fault.New(fault.Unauthenticated, "invalid_credentials", "invalid username or password")
	ErrLocked          = fault.New(fault.Locked, "account_locked", "account temporarily locked")
	ErrEmailUnverified = fault.New(fault.Forbidden, "email_not_verified", "email address not verified")
	ErrDisabled        = fault.New(fault.Forbidden, "account_disabled", "account disabled")
	ErrUnauthenticated = fault.New(fault.Unauthenticated, "unauthenticated", "authentication required")
	ErrInvalidToken    = fault.New(fault.Invalid, "invalid_token", "the token is invalid, has been used or has expired")
	ErrInvalidRefresh  = fault.New(fault.Unauthenticated, "invalid_refresh_token",
		"the refresh token is invalid, revoked or expired; log in again")
	// ErrForbidden is returned when the caller is not, according to the
	// store at the time of the call, an enabled admin.
	ErrForbidden = fault.New(fault.Forbidden, "admin_required", "this requires the admin role")
	// ErrSelfAction is returned when an admin tries to remove their own
	// admin role, unverify their own address, disable or delete their own
	// account: whoever holds the last admin account could otherwise lock
	// every admin out.
	ErrSelfAction = fault.New(fault.Conflict, "self_action_forbidden",
		"an admin cannot remove their own admin role, unverify their own address, disable or delete their own account")
)

// CredentialError is a wrong password given to confirm a change (the
// current password of a password change). Clients see a 400 coded
// invalid_credentials naming Field.
type CredentialError struct {
	Field   string
	Message string
}

func (e *CredentialError) Error() string { return e.Field + " " + e.Message }

// As lets errors.As find the *fault.Error a client is shown.
func (e *CredentialError) As(target any) bool {
	return fault.As(target, &fault.Error{Kind: fault.Invalid, Code: ErrBadCredentials.Code,
		Field: e.Field, Message: e.Message})
}

// ConflictError reports which unique field (username or email) was taken.
// It matches ErrConflict with errors.Is, and clients see its own text.
type ConflictError struct {
	Field string
}

func (e *ConflictError) Error() string { return e.Field + " already taken" }

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// As lets errors.As find the *fault.Error a client is shown.
func (e *ConflictError) As(target any) bool {
	return fault.As(target, &fault.Error{Kind: fault.Conflict, Code: ErrConflict.Code, Message: e.Error()})
}

// LockedError reports a locked login name and how long the lock still lasts.
// It matches ErrLocked with errors.Is; clients see its text and a
// Retry-After of RetryAfterSeconds.
type LockedError struct {
	RetryAfterSeconds int
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("account temporarily locked; retry in %d seconds", e.RetryAfterSeconds)
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// As lets errors.As find the *fault.Error a client is shown.
func (e *LockedError) As(target any) bool {
	return fault.As(target, &fault.Error{Kind: fault.Locked, Code: ErrLocked.Code, Message: e.Error(),
		RetryAfter: time.Duration(e.RetryAfterSeconds) * time.Second})
}

// ValidationError maps field names to what is wrong with them. Servers turn it
// into a 422 with one entry per field. It is invalid.Error, the one type
// tasks.ValidationError names too, so web answers both the same way.
type ValidationError = invalid.Error
