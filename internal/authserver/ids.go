package authserver

import (
	"regexp"

	"github.com/google/uuid"
)

// validID reports whether s is an id this service issues: a UUID in its
// canonical lower-case form. Ids from paths and queries are checked before
// any query, so a client's stray bytes (NUL, invalid UTF-8, "../") never
// reach the store; anything else names no row.
func validID(s string) bool {
	id, err := uuid.Parse(s)
	return err == nil && id.String() == s
}

// eventTypePattern is what an event type looks like (auth.EventLogin…).
var eventTypePattern = regexp.MustCompile(`^[a-z_]{1,64}$`)
