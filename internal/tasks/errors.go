package tasks

import (
	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/invalid"
)

// ErrNotFound is returned for an unknown id and for another user's id
// alike. It is a *fault.Error, so the HTTP layer answers it as a 404 coded
// not_found without knowing this package.
var ErrNotFound = fault.New(fault.NotFound, "not_found", "not found")

// ValidationError maps field names to what is wrong with them; servers turn
// it into a 422 with one entry per field. It is invalid.Error, the one type
// auth.ValidationError names too, so web answers both the same way.
type ValidationError = invalid.Error
