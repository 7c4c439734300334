// Package sqlite stores Bizy's data in an embedded SQLite database through the
// pure-Go modernc.org/sqlite driver, so the binary needs no cgo.
//
// Open returns a DB holding two connection pools on one file: a single
// connection for writes and transactions, and several read-only connections.
// SQLite allows one writer at a time; funnelling every write through one
// connection makes concurrent writers queue in Go instead of racing for the
// file lock, and write transactions start with BEGIN IMMEDIATE so that even a
// second process sharing the file waits (busy_timeout) rather than failing
// with SQLITE_BUSY halfway through a transaction. WAL mode lets the readers
// run alongside the writer.
//
// DB.Outbox is the delivery side of the mail outbox that the auth store's
// EnqueueEmail fills: each of its methods is one statement on the write
// connection, so two workers (or two processes) never claim one message.
//
// Times are stored as INTEGER unix microseconds, which sort and compare
// correctly and round-trip exactly; they come back as UTC time.Time values.
// Schema changes are numbered, forward-only SQL files under migrations/,
// applied per component by Migrate* and recorded in schema_migrations.
package sqlite
