package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// lockoutRows reads subject's rows for ips in a transaction of their own.
func lockoutRows(t *testing.T, s auth.Store, subject string, ips ...string) []auth.LockoutRow {
	t.Helper()
	var rows []auth.LockoutRow
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		var err error
		rows, err = tx.LockoutRows(t.Context(), subject, ips)
		return err
	})
	if err != nil {
		t.Fatalf("LockoutRows(%q, %q): %v", subject, ips, err)
	}
	return rows
}

// putLockoutRow writes r, failing t on error.
func putLockoutRow(t *testing.T, s auth.Store, r auth.LockoutRow) {
	t.Helper()
	if err := s.PutLockoutRow(t.Context(), r); err != nil {
		t.Fatalf("PutLockoutRow(%+v): %v", r, err)
	}
}

// wantLockedUntil checks the latest lock end of subject.
func wantLockedUntil(t *testing.T, s auth.Store, subject string, want time.Time) {
	t.Helper()
	got, err := s.LockoutLockedUntil(t.Context(), subject)
	if err != nil {
		t.Fatalf("LockoutLockedUntil(%q): %v", subject, err)
	}
	wantTime(t, "LockoutLockedUntil("+subject+")", got, want)
}

// testLockoutRowsRoundTrip: absent rows come back empty and in the order
// asked; a row written comes back as it was, times in UTC.
func testLockoutRowsRoundTrip(t *testing.T, s auth.Store) {
	rows := lockoutRows(t, s, "user:a", "", "192.0.2.1")
	want := []auth.LockoutRow{{Subject: "user:a", IP: ""}, {Subject: "user:a", IP: "192.0.2.1"}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("new rows = %+v, want %+v", rows, want)
	}
	r := auth.LockoutRow{Subject: "user:a", IP: "192.0.2.1", Failures: 3, WindowStart: at(time.Second),
		LockedUntil: at(time.Hour), Pending: 2, PendingUntil: at(time.Minute), ExpiresAt: at(time.Hour)}
	putLockoutRow(t, s, r)
	rows = lockoutRows(t, s, "user:a", "", "192.0.2.1")
	got := rows[1]
	if got.Subject != r.Subject || got.IP != r.IP || got.Failures != 3 || got.Pending != 2 {
		t.Fatalf("row = %+v, want %+v", got, r)
	}
	wantTime(t, "WindowStart", got.WindowStart, r.WindowStart)
	wantTime(t, "LockedUntil", got.LockedUntil, r.LockedUntil)
	wantTime(t, "PendingUntil", got.PendingUntil, r.PendingUntil)
	wantTime(t, "ExpiresAt", got.ExpiresAt, r.ExpiresAt)
	if rows[0].Failures != 0 || !rows[0].LockedUntil.IsZero() {
		t.Fatalf("the account-wide row changed with the IP's: %+v", rows[0])
	}
	// Zero times stay zero.
	putLockoutRow(t, s, auth.LockoutRow{Subject: "user:a", IP: "192.0.2.1", Failures: 1})
	got = lockoutRows(t, s, "user:a", "", "192.0.2.1")[1]
	if !got.WindowStart.IsZero() || !got.LockedUntil.IsZero() || !got.PendingUntil.IsZero() || !got.ExpiresAt.IsZero() {
		t.Fatalf("zero times came back as %+v", got)
	}
}

// testLockoutLockedUntilAndClear: the latest lock of a subject's rows is
// its lock; ClearLockout deletes every row of one subject only.
func testLockoutLockedUntilAndClear(t *testing.T, s auth.Store) {
	wantLockedUntil(t, s, "user:nobody", time.Time{})
	putLockoutRow(t, s, auth.LockoutRow{Subject: "user:a", IP: "", LockedUntil: at(time.Hour)})
	putLockoutRow(t, s, auth.LockoutRow{Subject: "user:a", IP: "192.0.2.1", LockedUntil: at(2 * time.Hour)})
	putLockoutRow(t, s, auth.LockoutRow{Subject: "user:a", IP: "192.0.2.2", Failures: 2})
	putLockoutRow(t, s, auth.LockoutRow{Subject: "name:b", IP: "", LockedUntil: at(3 * time.Hour)})
	wantLockedUntil(t, s, "user:a", at(2*time.Hour))
	if err := s.ClearLockout(t.Context(), "user:a"); err != nil {
		t.Fatalf("ClearLockout: %v", err)
	}
	wantLockedUntil(t, s, "user:a", time.Time{})
	if rows := lockoutRows(t, s, "user:a", "192.0.2.2"); rows[0].Failures != 0 {
		t.Fatalf("a cleared row = %+v", rows[0])
	}
	wantLockedUntil(t, s, "name:b", at(3*time.Hour))
	if err := s.ClearLockout(t.Context(), "user:none"); err != nil {
		t.Fatalf("ClearLockout of nothing: %v", err)
	}
}

// testLockoutRowsSerialise: twenty transactions that each read a row and
// write it back one count higher lose no count: LockoutRows holds the
// rows until the transaction ends, even rows it had to create.
func testLockoutRowsSerialise(t *testing.T, s auth.Store) {
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := s.Tx(context.Background(), func(tx auth.Store) error {
				rows, err := tx.LockoutRows(context.Background(), "user:busy", []string{"", "192.0.2.1"})
				if err != nil {
					return err
				}
				for _, r := range rows {
					r.Pending++
					if err := tx.PutLockoutRow(context.Background(), r); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, r := range lockoutRows(t, s, "user:busy", "", "192.0.2.1") {
		if r.Pending != n {
			t.Errorf("row %q: %d counted, want %d", r.IP, r.Pending, n)
		}
	}
}
