// Package fault holds the error type through which the domain packages tell
// a client what went wrong: a Kind, which the HTTP layer alone maps to a
// status; a stable Code clients can switch on; and a public Message, kept
// apart from whatever internal cause an adapter wraps around the error
// (WTF Dial's {Code, Message}, with Supabase's split of the public message
// from the internal cause).
//
// It imports only the standard library, so auth, tasks and web can all
// import it while web imports no domain.
package fault

import "time"

// Kind is the class of a domain error. The HTTP layer maps each Kind to one
// status; the Code says which error of that class it is.
type Kind int

// The kinds of domain error, with the status the HTTP layer answers.
const (
	// Internal is the zero Kind: nothing a client may be told. It is
	// answered as a 500 whose cause is logged and never sent.
	Internal        Kind = iota
	Invalid              // 400: the request cannot be used as sent
	Unauthenticated      // 401: the caller is not known
	Forbidden            // 403: the caller is known but may not do this
	NotFound             // 404: no such thing, or not the caller's
	Conflict             // 409: the current state forbids it
	Locked               // 423: refused for a while; see Error.RetryAfter
	TooManyRequests      // 429: a rate limit; see Error.RetryAfter
	Unavailable          // 503: a dependency is down or saturated
)

// Error is a domain error a client may see. Its Message and Field are
// written to be shown; an adapter that wraps an Error with internal detail
// (ids, table names) wraps it with fmt.Errorf("…: %w", err), and only the
// Error itself reaches the client. A sentinel *Error is compared with
// errors.Is by identity and must not be modified.
type Error struct {
	Kind Kind
	// Code is a stable, machine-readable name such as "not_found"; the same
	// Code may appear under two kinds (a wrong password is 401 at login and
	// 400 when confirming a change).
	Code string
	// Message is the public text, as shown to a client.
	Message string
	// Field, when set, is the input field the error is about; it is named
	// in the text and in the problem's errors list.
	Field string
	// RetryAfter, when positive, is how long until the same request may
	// succeed (a lock or a rate limit running out).
	RetryAfter time.Duration
}

// New returns an *Error of the given kind, code and public message, for
// declaring sentinels.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Error returns the public text: the Message, after "Field: " when the
// error names a field.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// As is for the As method of a domain error type that carries more than a
// sentinel (which field conflicts, how long a lock lasts): it stores e in
// target when target is an **Error and reports whether it did, so that
// errors.As finds e in any chain holding the domain error.
func As(target any, e *Error) bool {
	t, ok := target.(**Error)
	if ok {
		*t = e
	}
	return ok
}
