package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// The API's reads (a page of tasks or goals, one of them) run as prepared
// statements. SQLite compiles a statement before running it, and for a
// page of 20 tasks compiling cost about as much as running: a third of the
// request's CPU, profiled. A *sql.Stmt is compiled once on each connection
// of the read pool that runs it and kept there.

// prepared returns query prepared on the read pool, preparing it on first
// use. Queries are the adapter's own text, a few per method (one per
// combination of filters), so the cache stays small.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := db.stmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close() // another goroutine prepared it first
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// closeStatements closes the prepared statements, before the pools close.
func (db *DB) closeStatements() error {
	var errs []error
	db.stmts.Range(func(k, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		db.stmts.Delete(k)
		return true
	})
	return errors.Join(errs...)
}

// queryRead runs a read that returns rows: as a prepared statement on the
// read pool outside a transaction, on the transaction inside one.
//
// Outside a transaction the statement runs without ctx's cancellation,
// once ctx has been checked (the wait for a pool connection, behind
// queries as short, is not cut short either). For a context that can end,
// database/sql starts a goroutine per query to close the rows when it
// does, and modernc.org/sqlite another to interrupt the statement: two
// goroutines, their channels and a progress handler, about 12,000
// instructions of the 440,000 a page of tasks cost (BENCHMARKS.md). The
// reads that come here are pages of at most 101 rows and single rows,
// through an index, done in well under a millisecond; cancelling one would
// save nothing. What could make one wait, a lock held while another
// connection recovers the WAL, is bounded by the connection's busy timeout.
func (s *store) queryRead(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s.tx != nil {
		return s.read.QueryContext(ctx, query, args...)
	}
	st, err := s.db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return st.QueryContext(context.WithoutCancel(ctx), args...)
}

// queryReadRow is queryRead for a read of at most one row, and likewise
// runs without ctx's cancellation.
func (s *store) queryReadRow(ctx context.Context, query string, args ...any) scanner {
	if s.tx != nil {
		return s.read.QueryRowContext(ctx, query, args...)
	}
	st, err := s.db.prepared(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if err := ctx.Err(); err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(context.WithoutCancel(ctx), args...)
}

// errRow is a row that could not be read: Scan returns err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
