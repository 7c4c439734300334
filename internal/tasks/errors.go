package tasks

import (
	"sort"
	"strings"
)

// ValidationError maps field names to what is wrong with them; servers turn
// it into a 422 with one entry per field.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
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

// add records a problem with field, keeping the first one reported.
func (e *ValidationError) add(field, message string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = message
	}
}

// err returns e when it holds a problem and nil otherwise.
func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

func invalid(field, message string) error {
	return &ValidationError{Fields: map[string]string{field: message}}
}
