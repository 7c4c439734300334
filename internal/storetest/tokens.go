package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// newToken returns an unused token of userID for purpose, created at epoch
// and expiring an hour later, with a fresh hash.
func newToken(userID, purpose string) auth.UserToken {
	return auth.UserToken{
		Hash:      []byte("sha256:" + uuid.NewString()),
		UserID:    userID,
		Purpose:   purpose,
		CreatedAt: at(0),
		ExpiresAt: at(time.Hour),
	}
}

// mustCreateToken stores a new token of userID for purpose and returns it.
func mustCreateToken(t *testing.T, s auth.Store, userID, purpose string) auth.UserToken {
	t.Helper()
	tok := newToken(userID, purpose)
	if err := s.CreateUserToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateUserToken: %v", err)
	}
	return tok
}

// wantToken fails t unless got equals want, times in UTC.
func wantToken(t *testing.T, got, want auth.UserToken) {
	t.Helper()
	var d []string
	check := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	utc := func(g, w time.Time) bool {
		if w.IsZero() {
			return g.IsZero()
		}
		return g.Equal(w) && g.Location() == time.UTC
	}
	check("Hash", string(got.Hash) == string(want.Hash), got.Hash, want.Hash)
	check("UserID", got.UserID == want.UserID, got.UserID, want.UserID)
	check("Purpose", got.Purpose == want.Purpose, got.Purpose, want.Purpose)
	check("CreatedAt", utc(got.CreatedAt, want.CreatedAt), got.CreatedAt, want.CreatedAt)
	check("ExpiresAt", utc(got.ExpiresAt, want.ExpiresAt), got.ExpiresAt, want.ExpiresAt)
	check("UsedAt", utc(got.UsedAt, want.UsedAt), got.UsedAt, want.UsedAt)
	if len(d) > 0 {
		t.Fatalf("token: %s", strings.Join(d, "; "))
	}
}

// mustGetToken returns the stored token with tok's hash and purpose.
func mustGetToken(t *testing.T, s auth.Store, tok auth.UserToken) auth.UserToken {
	t.Helper()
	got, err := s.UserToken(t.Context(), tok.Hash, tok.Purpose)
	if err != nil {
		t.Fatalf("UserToken: %v", err)
	}
	return got
}

func testTokenRoundTrip(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	tok := mustCreateToken(t, s, u.ID, auth.PurposeVerifyEmail)
	wantToken(t, mustGetToken(t, s, tok), tok)

	used := newToken(u.ID, auth.PurposeResetPassword)
	used.UsedAt = at(time.Minute)
	if err := s.CreateUserToken(t.Context(), used); err != nil {
		t.Fatalf("CreateUserToken: %v", err)
	}
	wantToken(t, mustGetToken(t, s, used), used)

	_, err := s.UserToken(t.Context(), []byte("sha256:unknown"), auth.PurposeVerifyEmail)
	wantNotFound(t, err)
	_, err = s.UserToken(t.Context(), tok.Hash, auth.PurposeResetPassword)
	wantNotFound(t, err)
}

func testTokenCreateErrors(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	tok := mustCreateToken(t, s, u.ID, auth.PurposeVerifyEmail)
	dup := newToken(u.ID, auth.PurposeResetPassword)
	dup.Hash = tok.Hash
	if err := s.CreateUserToken(t.Context(), dup); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("CreateUserToken with a stored hash = %v, want auth.ErrConflict", err)
	}
	wantNotFound(t, s.CreateUserToken(t.Context(), newToken(uuid.NewString(), auth.PurposeVerifyEmail)))
}

func testTokenConsumeOnce(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	tok := mustCreateToken(t, s, u.ID, auth.PurposeResetPassword)
	now := at(time.Minute)
	got, err := s.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, now)
	if err != nil {
		t.Fatalf("ConsumeUserToken: %v", err)
	}
	want := tok
	want.UsedAt = now
	wantToken(t, got, want)
	wantToken(t, mustGetToken(t, s, tok), want)

	_, err = s.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, at(2*time.Minute))
	wantNotFound(t, err)
	// The failed attempt left the first use as it was.
	wantToken(t, mustGetToken(t, s, tok), want)
}

func testTokenConsumeExpired(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	tok := mustCreateToken(t, s, u.ID, auth.PurposeVerifyEmail)
	// A token expiring at now is already dead.
	_, err := s.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, tok.ExpiresAt)
	wantNotFound(t, err)
	_, err = s.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, tok.ExpiresAt.Add(time.Hour))
	wantNotFound(t, err)
	wantToken(t, mustGetToken(t, s, tok), tok)
	// One microsecond earlier it is still good.
	if _, err := s.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, tok.ExpiresAt.Add(-time.Microsecond)); err != nil {
		t.Fatalf("ConsumeUserToken just before expiry: %v", err)
	}
}

func testTokenConsumeWrongPurpose(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	tok := mustCreateToken(t, s, u.ID, auth.PurposeVerifyEmail)
	_, err := s.ConsumeUserToken(t.Context(), tok.Hash, auth.PurposeResetPassword, at(time.Minute))
	wantNotFound(t, err)
	_, err = s.ConsumeUserToken(t.Context(), []byte("sha256:unknown"), tok.Purpose, at(time.Minute))
	wantNotFound(t, err)
	if _, err := s.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, at(time.Minute)); err != nil {
		t.Fatalf("ConsumeUserToken with the right purpose: %v", err)
	}
}

func testTokenConsumeConcurrent(t *testing.T, s auth.Store) {
	const n = 20
	u := mustCreateUser(t, s)
	tok := mustCreateToken(t, s, u.ID, auth.PurposeResetPassword)
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, at(time.Minute))
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
		case !errors.Is(err, auth.ErrNotFound):
			t.Errorf("goroutine %d: ConsumeUserToken = %v, want nil or auth.ErrNotFound", i, err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d of %d concurrent consumes succeeded, want exactly 1", winners, n)
	}
}

func testTokenInvalidate(t *testing.T, s auth.Store) {
	u, other := mustCreateUser(t, s), mustCreateUser(t, s)
	a := mustCreateToken(t, s, u.ID, auth.PurposeVerifyEmail)
	b := mustCreateToken(t, s, u.ID, auth.PurposeVerifyEmail)
	reset := mustCreateToken(t, s, u.ID, auth.PurposeResetPassword)
	theirs := mustCreateToken(t, s, other.ID, auth.PurposeVerifyEmail)
	used := mustCreateToken(t, s, u.ID, auth.PurposeVerifyEmail)
	if _, err := s.ConsumeUserToken(t.Context(), used.Hash, used.Purpose, at(time.Minute)); err != nil {
		t.Fatalf("ConsumeUserToken: %v", err)
	}

	now := at(10 * time.Minute)
	if err := s.InvalidateUserTokens(t.Context(), u.ID, auth.PurposeVerifyEmail, now); err != nil {
		t.Fatalf("InvalidateUserTokens: %v", err)
	}
	for _, tok := range []auth.UserToken{a, b} {
		want := tok
		want.UsedAt = now
		wantToken(t, mustGetToken(t, s, tok), want)
		_, err := s.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, now)
		wantNotFound(t, err)
	}
	// Other purposes, other users and earlier uses are left alone.
	wantToken(t, mustGetToken(t, s, reset), reset)
	wantToken(t, mustGetToken(t, s, theirs), theirs)
	wantUsed := used
	wantUsed.UsedAt = at(time.Minute)
	wantToken(t, mustGetToken(t, s, used), wantUsed)

	// Nothing left to invalidate, or no such user: not an error.
	if err := s.InvalidateUserTokens(t.Context(), u.ID, auth.PurposeVerifyEmail, now); err != nil {
		t.Fatalf("InvalidateUserTokens again: %v", err)
	}
	if err := s.InvalidateUserTokens(t.Context(), uuid.NewString(), auth.PurposeVerifyEmail, now); err != nil {
		t.Fatalf("InvalidateUserTokens of an unknown user: %v", err)
	}
}

func testTokenTxRollsBack(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	tok := mustCreateToken(t, s, u.ID, auth.PurposeResetPassword)
	fresh := newToken(u.ID, auth.PurposeResetPassword)
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if _, err := tx.ConsumeUserToken(t.Context(), tok.Hash, tok.Purpose, at(time.Minute)); err != nil {
			return err
		}
		if err := tx.CreateUserToken(t.Context(), fresh); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	wantToken(t, mustGetToken(t, s, tok), tok)
	_, err = s.UserToken(t.Context(), fresh.Hash, fresh.Purpose)
	wantNotFound(t, err)
}
