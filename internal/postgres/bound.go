package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultTimeout is the bound Open puts on every database call of the
// stores: waiting for a pooled connection, a statement, reading its rows,
// BEGIN, COMMIT, ROLLBACK and Ping. Bizy's statements are index lookups
// and small writes that take milliseconds (BENCHMARKS.md: a whole request
// under 120 ms at the p99 with the machine loaded), so 4 s leaves a wide
// margin. It is under the API's 5 s proxy time-out (the time SPEC gives a
// dead auth service), so that an auth call through the API on a hung
// database is answered with the auth service's own 503
// database_unavailable, not the API's auth_unavailable.
const DefaultTimeout = 4 * time.Second

// codeQueryCanceled is the SQLSTATE (class 57, operator intervention) that
// PostgreSQL gives a statement cut by its own statement_timeout or by a
// cancel request; a call cut by the bound reports it too.
const codeQueryCanceled = "57014"

// TimeoutError is the error of a call that the bound (Open's timeout) cut:
// the database did not answer in time, or no connection came free. Its
// SQLState is 57014, as for a statement the server itself cancelled, so the
// HTTP layer answers it as it answers an unreachable database: 503
// database_unavailable with Retry-After. It wraps the driver's error,
// context.DeadlineExceeded among it.
type TimeoutError struct {
	Timeout time.Duration
	Err     error
}

// Error names the bound and the driver's error.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no answer within %v (DATABASE_TIMEOUT): %v", e.Timeout, e.Err)
}

// Unwrap returns the driver's error.
func (e *TimeoutError) Unwrap() error { return e.Err }

// SQLState returns 57014 (query_canceled).
func (e *TimeoutError) SQLState() string { return codeQueryCanceled }

// bounded runs the calls of a querier (the pool or one transaction), each
// under a deadline timeout after it starts, so that a database that does
// not answer (stopped, behind a black hole, a lock held forever) gives an
// error rather than a hang. A zero timeout leaves calls unbounded.
type bounded struct {
	q       querier
	timeout time.Duration
}

// errBound is the cause of a context that the bound's deadline ended.
var errBound = errors.New("postgres: the bound's deadline passed")

// bound returns ctx with the bound's deadline (or ctx's own, if sooner) and
// the function that releases it.
func (b bounded) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if b.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, b.timeout, errBound)
}

// cut returns err as a *TimeoutError when the bound's deadline, rather
// than the caller's context (or nothing: a server error, a Scan error,
// after the bound was released), is what ended the call.
func (b bounded) cut(bctx context.Context, err error) error {
	if err == nil || context.Cause(bctx) != errBound {
		return err
	}
	return &TimeoutError{Timeout: b.timeout, Err: err}
}

func (b bounded) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	bctx, cancel := b.bound(ctx)
	defer cancel()
	tag, err := b.q.Exec(bctx, sql, args...)
	return tag, b.cut(bctx, err)
}

// Query's deadline runs until the rows are closed (or read to the end).
func (b bounded) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	bctx, cancel := b.bound(ctx)
	rows, err := b.q.Query(bctx, sql, args...)
	if err != nil {
		cancel()
		return nil, b.cut(bctx, err)
	}
	return &boundedRows{Rows: rows, b: b, ctx: bctx, cancel: cancel}, nil
}

// QueryRow's deadline runs until Scan returns.
func (b bounded) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	bctx, cancel := b.bound(ctx)
	return &boundedRow{row: b.q.QueryRow(bctx, sql, args...), b: b, ctx: bctx, cancel: cancel}
}

// boundedRows releases the deadline of its query when closed.
type boundedRows struct {
	pgx.Rows
	b      bounded
	ctx    context.Context
	cancel context.CancelFunc
}

func (r *boundedRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.cancel() // pgx closed the rows; a caller that never calls Close leaks no timer
	return false
}

func (r *boundedRows) Close() {
	r.Rows.Close()
	r.cancel()
}

func (r *boundedRows) Err() error { return r.b.cut(r.ctx, r.Rows.Err()) }

// boundedRow releases the deadline of its query once scanned.
type boundedRow struct {
	row    pgx.Row
	b      bounded
	ctx    context.Context
	cancel context.CancelFunc
}

func (r *boundedRow) Scan(dest ...any) error {
	defer r.cancel()
	return r.b.cut(r.ctx, r.row.Scan(dest...))
}

// pool is the connection pool as the stores use it: Exec, Query and
// QueryRow are bounded (bounded), and so are Begin and Ping. Only what it
// lists can be reached, so a new kind of call cannot slip past the bound
// unnoticed; migrations, which must not be cut, use what Begin returns
// (each statement of a transaction is bounded only when inTx wraps it).
type pool struct {
	bounded
	raw *pgxpool.Pool
}

func newPool(raw *pgxpool.Pool, timeout time.Duration) *pool {
	return &pool{bounded: bounded{q: raw, timeout: timeout}, raw: raw}
}

// Begin starts a transaction within the bound (the wait for a connection
// and BEGIN). The transaction's own calls are not bounded.
func (p *pool) Begin(ctx context.Context) (pgx.Tx, error) {
	bctx, cancel := p.bound(ctx)
	defer cancel()
	tx, err := p.raw.Begin(bctx)
	return tx, p.cut(bctx, err)
}

// Ping reports whether the database answers within the bound.
func (p *pool) Ping(ctx context.Context) error {
	bctx, cancel := p.bound(ctx)
	defer cancel()
	return p.cut(bctx, p.raw.Ping(bctx))
}

// Close closes every connection (pgxpool.Pool.Close).
func (p *pool) Close() { p.raw.Close() }

// endTx runs COMMIT or ROLLBACK (end) within the bound. (inTx hands a
// rollback its caller's ctx without the cancellation, since the rollback
// is what frees the transaction's locks; the bound still ends it.)
func (p *pool) endTx(ctx context.Context, end func(context.Context) error) error {
	bctx, cancel := p.bound(ctx)
	defer cancel()
	err := end(bctx)
	if errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return p.cut(bctx, err)
}
