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

func testCreateUserThenByID(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	got, err := s.UserByID(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	if d := diffUser(got, u); d != "" {
		t.Fatalf("UserByID: %s", d)
	}
}

func testUserByLogin(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	mustCreateUser(t, s) // a neighbour that must not be returned
	for _, login := range []string{u.Username, strings.ToLower(u.Username), strings.ToUpper(u.Username), u.Email} {
		got, err := s.UserByLogin(t.Context(), login)
		if err != nil {
			t.Fatalf("UserByLogin(%q): %v", login, err)
		}
		if d := diffUser(got, u); d != "" {
			t.Fatalf("UserByLogin(%q): %s", login, d)
		}
	}
}

func testUsernameUnique(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	for _, name := range []string{u.Username, strings.ToUpper(u.Username), strings.ToLower(u.Username)} {
		v := newUser()
		v.Username = name
		wantConflict(t, s.CreateUser(t.Context(), v), "username")
		if _, err := s.UserByID(t.Context(), v.ID); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("UserByID of the rejected user: err = %v, want ErrNotFound", err)
		}
	}
}

func testEmailUnique(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	v := newUser()
	v.Email = u.Email
	wantConflict(t, s.CreateUser(t.Context(), v), "email")
	// When both collide, either field is a truthful answer.
	w := newUser()
	w.Username, w.Email = strings.ToUpper(u.Username), u.Email
	err := s.CreateUser(t.Context(), w)
	var ce *auth.ConflictError
	if !errors.As(err, &ce) || (ce.Field != "username" && ce.Field != "email") {
		t.Fatalf("both taken: err = %v, want *auth.ConflictError for username or email", err)
	}
}

// testTwentyConcurrent races twenty registrations of one username, in
// different cases and with different emails: exactly one must win and every
// other must get a username conflict, never a driver error such as
// "database is locked" or a serialization failure.
func testTwentyConcurrent(t *testing.T, s auth.Store) {
	const n = 20
	base := "racer_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:8]
	start := make(chan struct{})
	errs := make([]error, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		u := newUser()
		u.Username = caseVariant(base, i)
		u.Email = fmt.Sprintf("racer%d.%s@example.com", i, u.ID[:8])
		ids[i] = u.ID
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.CreateUser(t.Context(), u)
		}()
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		var ce *auth.ConflictError
		switch {
		case err == nil && winner >= 0:
			t.Errorf("goroutines %d and %d both created the username", winner, i)
		case err == nil:
			winner = i
		case !errors.As(err, &ce) || !errors.Is(err, auth.ErrConflict):
			t.Errorf("goroutine %d: err = %v, want *auth.ConflictError", i, err)
		case ce.Field != "username":
			t.Errorf("goroutine %d: conflict on %q, want username", i, ce.Field)
		}
	}
	if winner < 0 {
		t.Fatal("no goroutine created the user")
	}
	got, err := s.UserByLogin(t.Context(), strings.ToUpper(base))
	if err != nil {
		t.Fatalf("UserByLogin: %v", err)
	}
	if got.ID != ids[winner] {
		t.Fatalf("UserByLogin found %s, want the winner %s", got.ID, ids[winner])
	}
}

// caseVariant returns s with its letters upper-cased where i's bits say, so
// that distinct i give distinct spellings of one name.
func caseVariant(s string, i int) string {
	b := []byte(s)
	bit := 0
	for j, c := range b {
		if c >= 'a' && c <= 'z' {
			if i>>bit&1 == 1 {
				b[j] = c - 'a' + 'A'
			}
			bit++
		}
	}
	return string(b)
}

func testUserTimes(t *testing.T, s auth.Store) {
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	u := newUser()
	u.CreatedAt = time.Date(2031, 3, 4, 10, 36, 7, 654321000, zone)
	u.UpdatedAt = u.CreatedAt.Add(time.Hour + time.Microsecond)
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	got, err := s.UserByID(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	wantTime(t, "CreatedAt", got.CreatedAt, u.CreatedAt)
	wantTime(t, "UpdatedAt", got.UpdatedAt, u.UpdatedAt)

	// Precision beyond the microsecond need not survive, but the time must
	// stay within a microsecond of what was given.
	v := newUser()
	v.CreatedAt = epoch.Add(789 * time.Nanosecond)
	if err := s.CreateUser(t.Context(), v); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	got, err = s.UserByID(t.Context(), v.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	if d := got.CreatedAt.Sub(v.CreatedAt).Abs(); d >= time.Microsecond || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt = %v, want within 1µs of %v, in UTC", got.CreatedAt, v.CreatedAt)
	}
}

func testUserByIDUnknown(t *testing.T, s auth.Store) {
	mustCreateUser(t, s)
	_, err := s.UserByID(t.Context(), uuid.NewString())
	wantNotFound(t, err)
	_, err = s.UserByID(t.Context(), "not-a-uuid")
	wantNotFound(t, err)
}

func testUserByLoginUnknown(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	for _, login := range []string{"nobody", "nobody@example.com", strings.ToUpper(u.Email) + "x", ""} {
		_, err := s.UserByLogin(t.Context(), login)
		wantNotFound(t, err)
	}
}

func testUpdateUser(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	want := u
	want.EmailVerified, want.IsAdmin, want.Disabled = true, true, true
	want.PasswordHash = []byte("$2a$12$new")
	want.UpdatedAt = at(time.Hour)
	// Only the documented mutable fields change; the rest are ignored.
	update := want
	update.Username, update.Email, update.CreatedAt = "ignored", "ignored@example.com", at(-time.Hour)
	if err := s.UpdateUser(t.Context(), update); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err := s.UserByID(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	if d := diffUser(got, want); d != "" {
		t.Fatalf("after UpdateUser: %s", d)
	}

	// And back again, so a store that only sets flags is caught.
	want.EmailVerified, want.IsAdmin, want.Disabled = false, false, false
	want.UpdatedAt = at(2 * time.Hour)
	if err := s.UpdateUser(t.Context(), want); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err = s.UserByID(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	if d := diffUser(got, want); d != "" {
		t.Fatalf("after second UpdateUser: %s", d)
	}
}

func testUpdateUserUnknown(t *testing.T, s auth.Store) {
	u := newUser()
	wantNotFound(t, s.UpdateUser(t.Context(), u))
}
