package web

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// Answered to a request whose database (or another store) could not be
// reached: a client may try again shortly, as it may after a deploy.
const (
	unavailableCode    = "database_unavailable"
	unavailableMessage = "the database is unavailable; try again shortly"
)

// sqlStater is what a driver's server error shows of itself (pgconn's
// PgError among others), so web can read the SQLSTATE class without
// importing a driver.
type sqlStater interface{ SQLState() string }

// storeUnreachable reports whether err says a store could not be reached,
// or did not answer in time, rather than that a request was wrong: a
// failed or broken connection, or a server refusing work as it shuts down
// (SQLSTATE class 08, connection exception; 57, operator intervention
// such as 57P01 admin shutdown, and 57014, a statement cut by a time
// limit: the server's statement_timeout or the PostgreSQL adapter's
// DATABASE_TIMEOUT; 53, insufficient resources such as too many
// connections; 55P03, a lock not granted within a lock_timeout set in the
// database URL). Those are answered 503, which a client may retry and a
// load balancer may route around, rather than a 500.
func storeUnreachable(err error) bool {
	var (
		op *net.OpError
		st sqlStater
	)
	switch {
	case errors.As(err, &op), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &st):
		class := st.SQLState()
		return strings.HasPrefix(class, "08") || strings.HasPrefix(class, "57") || strings.HasPrefix(class, "53") ||
			class == "55P03"
	}
	return false
}

// failUnavailable answers a request whose store could not be reached.
func failUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	Fail(w, http.StatusServiceUnavailable, unavailableCode, unavailableMessage)
}
