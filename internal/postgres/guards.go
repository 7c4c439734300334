package postgres

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// serverDefaults are the server settings each connection asks for unless
// the URL sets them (as a parameter, …?idle_in_transaction_session_timeout=5min,
// or in options=-c…). Sent at connection start-up, they take precedence
// over ALTER ROLE/DATABASE … SET; set them in the URL to change them.
//
// idle_in_transaction_session_timeout ends the session of a transaction
// left open and idle, with its locks: a copy of Bizy frozen (SIGSTOP, a
// paused VM) or cut off by the network half-way through one would
// otherwise hold its row locks, and block every login or write that needs
// those rows, until its TCP connection times out (minutes to hours).
// Bizy's transactions do no waiting of their own between statements (no
// mail, no hashing: those happen after the commit), so 30 s, several
// times DefaultTimeout, never ends a live one.
//
// No lock_timeout or statement_timeout: they would also cut the
// migrations, which rightly wait for the migration lock while another
// copy migrates and may run long, and `bizy keys reseal`. The requests'
// statements are bounded on the client side instead (OpenTimeout), and the
// statement cut there is cancelled on the server too (see configure).
var serverDefaults = map[string]string{
	"idle_in_transaction_session_timeout": "30s",
}

// configure adds to the connection settings parsed from the URL the
// serverDefaults it leaves unset.
//
// What happens to a statement cut by the bound is pgx's default, and what
// Bizy relies on: the call returns at once, pgx closes the connection
// (which the pool then discards rather than reuses) and, in the
// background, sends the server a cancel request, so a backend waiting for
// a lock stops waiting, and one in a transaction rolls back and frees its
// locks. (pgx's CancelRequestContextWatcherHandler would keep the
// connection, but holds the caller at least 100 ms longer, and up to its
// grace when the server does not answer.)
func configure(cc *pgx.ConnConfig) {
	options := cc.RuntimeParams["options"]
	for name, value := range serverDefaults {
		if _, set := cc.RuntimeParams[name]; !set && !strings.Contains(options, name) {
			cc.RuntimeParams[name] = value
		}
	}
}
