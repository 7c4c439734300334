// Package postgres stores Bizy's data in PostgreSQL through pgx/v5 and its
// connection pool.
//
// Times are timestamptz columns (microsecond precision) and come back as UTC
// time.Time values. Ids are text compared byte-wise (COLLATE "C"), so that
// event pages order exactly as they do on SQLite and any id the service
// chooses is accepted. Schema changes are numbered, forward-only SQL files
// under migrations/, applied per component by Migrate* under an advisory lock
// and recorded in schema_migrations; several replicas may start at once.
//
// Constraint violations are recognised by SQLSTATE (23505 unique, 23503
// foreign key) and constraint name, never by message text.
//
// Every call the stores make (the wait for a pooled connection, each
// statement, BEGIN, COMMIT, ROLLBACK, Ping) ends within the timeout given
// to OpenTimeout (DefaultTimeout for Open), so that a database that hangs
// gives a *TimeoutError rather than a hang (bound.go); the migrations are
// not bounded. Connections ask the server for the guards of
// serverDefaults (guards.go) unless the URL sets them.
//
// DB.Outbox is the delivery side of the mail outbox that the auth store's
// EnqueueEmail fills; workers in any number of replicas claim messages with
// FOR UPDATE SKIP LOCKED, so none is claimed by two at once.
//
// Package pgtest gives other packages' tests a database in a schema of their
// own.
package postgres
