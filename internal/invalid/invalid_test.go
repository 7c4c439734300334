package invalid

import (
	"errors"
	"testing"
)

func TestErrorCollectsFirstProblemPerField(t *testing.T) {
	var e Error
	if err := e.Err(); err != nil {
		t.Fatalf("empty Err() = %v, want nil", err)
	}
	e.Add("title", "is required")
	e.Add("due", "must be a date")
	e.Add("title", "is too long")
	err := e.Err()
	if err == nil {
		t.Fatal("Err() = nil after Add")
	}
	if got, want := err.Error(), "invalid input: due: must be a date; title: is required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var target *Error
	if !errors.As(err, &target) || target != &e {
		t.Errorf("errors.As did not find the *Error")
	}
}

func TestField(t *testing.T) {
	var e *Error
	if !errors.As(Field("limit", "must be between 1 and 100"), &e) ||
		len(e.Fields) != 1 || e.Fields["limit"] != "must be between 1 and 100" {
		t.Fatalf("Field gave %+v", e)
	}
}
