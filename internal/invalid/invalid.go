// Package invalid holds the one error type for input that breaks a domain
// rule: what is wrong, field by field. The domain packages name it
// auth.ValidationError and tasks.ValidationError, and web answers it with a
// 422. It imports nothing of the project, so any package may use it.
package invalid

import (
	"sort"
	"strings"
)

// Error maps field names to what is wrong with them. Servers turn it into a
// 422 with one entry per field. The zero value holds no problem and is ready
// to use; an Error is not safe for concurrent use.
type Error struct {
	Fields map[string]string
}

// Error lists the problems sorted by field name, as
// "invalid input: field: message; …".
func (e *Error) Error() string {
	names := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	for i, f := range names {
		names[i] = f + ": " + e.Fields[f]
	}
	return "invalid input: " + strings.Join(names, "; ")
}

// Add records a problem with field, keeping the first one reported.
func (e *Error) Add(field, message string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = message
	}
}

// Err returns e when it holds a problem and nil otherwise, so that a caller
// can collect problems with Add and then return e.Err().
func (e *Error) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Field returns an *Error holding the one problem message with field.
func Field(field, message string) error {
	return &Error{Fields: map[string]string{field: message}}
}
