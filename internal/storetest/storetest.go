package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Engine is what a storage adapter's test hands AuthStore for each subtest:
// an empty, migrated store, the outbox over the same tables, and two probes
// that look at the database from outside the interfaces, for promises the
// interfaces give no way to observe.
type Engine struct {
	Store  auth.Store
	Outbox auth.Outbox
	// OutboxRowsHolding counts the outbox rows whose text or HTML body
	// contains s, read from the database itself.
	OutboxRowsHolding func(ctx context.Context, s string) (int, error)
	// UserRowLocked reports whether a writer on another connection would
	// have to wait for the users row id at this moment. It must not wait
	// itself: it tries to take the row's write lock at once (PostgreSQL:
	// SELECT … FOR UPDATE NOWAIT, failing with 55P03; SQLite, which locks
	// the whole database: BEGIN IMMEDIATE, failing with SQLITE_BUSY) and
	// gives it back when it got it.
	UserRowLocked func(ctx context.Context, id string) (bool, error)
}

// AuthStore checks that the stores returned by open behave as auth.Store
// documents, including what EnqueueEmail and Prune do to the outbox that
// feeds auth.Outbox (whose own contract is mailtest.OutboxSuite). open is
// called once per subtest and must return an empty, migrated store with
// its outbox and probes, releasing them with t.Cleanup. Subtests run one
// after the other, so open need not be safe for concurrent use.
func AuthStore(t *testing.T, open func(t *testing.T) Engine) {
	t.Helper()
	cases := []struct {
		name string
		test func(t *testing.T, s auth.Store)
	}{
		{"CreateUser/ThenUserByID", testCreateUserThenByID},
		{"CreateUser/UserByLoginAnyCaseOrEmail", testUserByLogin},
		{"CreateUser/UsernameUniqueIgnoringCase", testUsernameUnique},
		{"CreateUser/EmailUnique", testEmailUnique},
		{"CreateUser/TwentyConcurrent", testTwentyConcurrent},
		{"CreateUser/TimesUTCMicrosecond", testUserTimes},
		{"UserByID/Unknown", testUserByIDUnknown},
		{"UserByLogin/Unknown", testUserByLoginUnknown},
		{"UpdateUser/RoundTrip", testUpdateUser},
		{"UpdateUser/Unknown", testUpdateUserUnknown},
		{"UserForUpdate/Reads", testUserForUpdate},
		{"Session/RoundTrip", testSessionRoundTrip},
		{"Session/Revoked", testSessionRevoked},
		{"Session/Unknown", testSessionUnknown},
		{"RevokeUserSessions/AllButExcept", testRevokeAllButExcept},
		{"RevokeUserSessions/All", testRevokeAll},
		{"RevokeUserSessions/UnknownUser", testRevokeUnknownUser},
		{"SessionByRefresh/CurrentAndRotated", testByRefreshCurrentAndRotated},
		{"SessionByRefresh/Unknown", testByRefreshUnknown},
		{"SessionByRefresh/RevokedOrExpired", testByRefreshRevokedOrExpired},
		{"RotateRefresh/StaleHash", testRotateStaleHash},
		{"RotateRefresh/Revoked", testRotateRevoked},
		{"RotateRefresh/UnknownOrWrongSession", testRotateUnknownOrWrongSession},
		{"RotateRefresh/TwentyConcurrent", testRotateTwentyConcurrent},
		{"RotateRefresh/TxRollsBack", testRotateTxRollsBack},
		{"RotatedRefresh/KeepsSuccessor", testRotatedRefreshSuccessor},
		{"RevokeSession/Twice", testRevokeSessionTwice},
		{"RevokeSession/Unknown", testRevokeSessionUnknown},
		{"UserSessions/FiltersAndOrders", testUserSessionsFiltersAndOrders},
		{"UserSessions/None", testUserSessionsNone},
		{"Revocations/SinceAndOrder", testRevocationsSinceAndOrder},
		{"Revocations/PagesStrictlyAfter", testRevocationsPages},
		{"UserToken/RoundTrip", testTokenRoundTrip},
		{"UserToken/CreateErrors", testTokenCreateErrors},
		{"UserToken/ConsumeOnce", testTokenConsumeOnce},
		{"UserToken/ConsumeExpired", testTokenConsumeExpired},
		{"UserToken/ConsumeWrongPurpose", testTokenConsumeWrongPurpose},
		{"UserToken/ConsumeTwentyConcurrent", testTokenConsumeConcurrent},
		{"UserToken/Invalidate", testTokenInvalidate},
		{"UserToken/TxRollsBack", testTokenTxRollsBack},
		{"SigningKeys/AddRetiresOlder", testAddSigningKeyRetires},
		{"SigningKeys/SinceFiltersNewestFirst", testSigningKeysSince},
		{"SigningKeys/Empty", testSigningKeysEmpty},
		{"Lockout/RowsRoundTrip", testLockoutRowsRoundTrip},
		{"Lockout/LockedUntilAndClear", testLockoutLockedUntilAndClear},
		{"Lockout/RowsSerialiseTwentyConcurrent", testLockoutRowsSerialise},
		{"SigningKeys/Revoke", testRevokeSigningKey},
		{"SigningKeys/RevokedKeysEmpty", testRevokedKeysEmpty},
		{"SigningKeys/RetiresPerAlgorithm", testAddSigningKeyPerAlgorithm},
		{"Events/RoundTrip", testEventRoundTrip},
		{"Events/PagesNewestFirst", testEventsPages},
		{"Events/TiesOnCreatedAt", testEventsTies},
		{"Events/Filters", testEventsFilters},
		{"Events/ExactMultipleOfLimit", testEventsExactMultiple},
		{"Events/BadLimitOrCursor", testEventsBadInput},
		{"Tx/CommitsOnNil", testTxCommits},
		{"Tx/RollsBackOnError", testTxRollsBack},
		{"Tx/Nested", testTxNested},
		{"Tx/AddSigningKeyInside", testTxSigningKey},
		{"Ping", testPing},
	}
	cases = append(cases, adminUserCases...)
	cases = append(cases, retentionCases...)
	cases = append(cases, pageCases...)
	cases = append(cases, mfaCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.test(t, open(t).Store) })
	}
	for _, c := range slices.Concat(engineCases, outboxCases, retentionOutboxCases) {
		t.Run(c.name, func(t *testing.T) { c.test(t, open(t)) })
	}
}

// engineCase is a check that needs more of the engine than its auth.Store.
type engineCase struct {
	name string
	test func(t *testing.T, e Engine)
}

// engineCases are the checks that look at the database through the
// engine's probes.
var engineCases = []engineCase{
	{"UserForUpdate/HoldsTheRow", testUserForUpdateHoldsTheRow},
	{"Outbox/FinishedBodiesErased", testOutboxErasesBodies},
}

// withOutbox adapts a check that needs only the store and its outbox.
func withOutbox(f func(t *testing.T, s auth.Store, o auth.Outbox)) func(*testing.T, Engine) {
	return func(t *testing.T, e Engine) { f(t, e.Store, e.Outbox) }
}

// epoch is a fixed instant the tests build their times from, with
// microseconds set so that lost precision shows.
var epoch = time.Date(2031, 3, 4, 5, 6, 7, 123456000, time.UTC)

// at returns epoch plus d.
func at(d time.Duration) time.Time { return epoch.Add(d) }

// newUser returns a valid user with a fresh id, username and email.
func newUser() auth.User {
	suffix := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	return auth.User{
		ID:           uuid.NewString(),
		Username:     "User_" + suffix,
		Email:        "user." + suffix + "@example.com",
		PasswordHash: []byte("$2a$12$" + suffix),
		CreatedAt:    epoch,
		UpdatedAt:    epoch,
	}
}

// mustCreateUser stores a new user and returns it.
func mustCreateUser(t *testing.T, s auth.Store) auth.User {
	t.Helper()
	u := newUser()
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// wantConflict fails t unless err is a *auth.ConflictError for field.
func wantConflict(t *testing.T, err error, field string) {
	t.Helper()
	var ce *auth.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("err = %v, want *auth.ConflictError{Field: %q}", err, field)
	}
	if ce.Field != field {
		t.Fatalf("ConflictError.Field = %q, want %q", ce.Field, field)
	}
}

// wantNotFound fails t unless err matches auth.ErrNotFound.
func wantNotFound(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("err = %v, want auth.ErrNotFound", err)
	}
}

// wantTime fails t unless got is want, in UTC.
func wantTime(t *testing.T, name string, got, want time.Time) {
	t.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			t.Errorf("%s = %v, want the zero time", name, got)
		}
		return
	}
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v in UTC", name, got, want.UTC())
	}
}

// diff describes how two users differ, or returns "".
func diffUser(got, want auth.User) string {
	var d []string
	check := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	check("ID", got.ID == want.ID, got.ID, want.ID)
	check("Username", got.Username == want.Username, got.Username, want.Username)
	check("Email", got.Email == want.Email, got.Email, want.Email)
	check("EmailVerified", got.EmailVerified == want.EmailVerified, got.EmailVerified, want.EmailVerified)
	check("IsAdmin", got.IsAdmin == want.IsAdmin, got.IsAdmin, want.IsAdmin)
	check("Disabled", got.Disabled == want.Disabled, got.Disabled, want.Disabled)
	check("PasswordHash", string(got.PasswordHash) == string(want.PasswordHash), got.PasswordHash, want.PasswordHash)
	check("CreatedAt", got.CreatedAt.Equal(want.CreatedAt) && got.CreatedAt.Location() == time.UTC, got.CreatedAt, want.CreatedAt)
	check("UpdatedAt", got.UpdatedAt.Equal(want.UpdatedAt) && got.UpdatedAt.Location() == time.UTC, got.UpdatedAt, want.UpdatedAt)
	return strings.Join(d, "; ")
}

// testPing checks that a fresh store answers.
func testPing(t *testing.T, s auth.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
