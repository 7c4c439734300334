package fault

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorText(t *testing.T) {
	if got := New(NotFound, "not_found", "not found").Error(); got != "not found" {
		t.Errorf("Error() = %q", got)
	}
	e := &Error{Kind: Invalid, Code: "invalid_credentials", Message: "is incorrect", Field: "current_password"}
	if got := e.Error(); got != "current_password: is incorrect" {
		t.Errorf("Error() with a field = %q", got)
	}
}

// lockedSample stands for a domain type that carries more than a sentinel.
type lockedSample struct{ seconds int }

func (l *lockedSample) Error() string { return "locked" }

func (l *lockedSample) As(target any) bool {
	return As(target, &Error{Kind: Locked, Code: "account_locked", Message: "locked",
		RetryAfter: time.Duration(l.seconds) * time.Second})
}

func TestAsFindsTheErrorOfADomainType(t *testing.T) {
	err := fmt.Errorf("postgres: user 42: %w", &lockedSample{seconds: 7})
	var e *Error
	if !errors.As(err, &e) || e.Kind != Locked || e.RetryAfter != 7*time.Second {
		t.Fatalf("errors.As found %+v", e)
	}
	var other *lockedSample
	if !errors.As(err, &other) || other.seconds != 7 {
		t.Fatalf("the domain type itself is still found: %+v", other)
	}
	var s fmt.Stringer
	if As(&s, &Error{}) {
		t.Fatal("As stored into a target that is not an **Error")
	}
}

func TestSentinelsCompareByIdentity(t *testing.T) {
	a, b := New(NotFound, "not_found", "not found"), New(NotFound, "not_found", "not found")
	wrapped := fmt.Errorf("sqlite: %w", a)
	if !errors.Is(wrapped, a) || errors.Is(wrapped, b) {
		t.Fatal("errors.Is must match the sentinel itself and only it")
	}
}
