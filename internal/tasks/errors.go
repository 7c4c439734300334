package tasks

import "github.com/bizy-auth/bizy/internal/invalid"

// ValidationError maps field names to what is wrong with them; servers turn
// it into a 422 with one entry per field. It is invalid.Error, the one type
// auth.ValidationError names too, so web answers both the same way.
type ValidationError = invalid.Error
