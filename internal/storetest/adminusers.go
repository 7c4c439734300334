package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// adminUserCases are the AdminStore checks AuthStore runs.
var adminUserCases = []struct {
	name string
	test func(t *testing.T, s auth.Store)
}{
	{"ListUsers/NewestFirstPages", testListUsersPages},
	{"ListUsers/ExactMultipleOfLimit", testListUsersExactMultiple},
	{"ListUsers/Empty", testListUsersEmpty},
	{"ListUsers/QueryIgnoresCaseOnUsernameOrEmail", testListUsersQuery},
	{"ListUsers/QueryWildcardsLiteral", testListUsersWildcards},
	{"ListUsers/QueryPages", testListUsersQueryPages},
	{"ListUsers/FullUsers", testListUsersFull},
	{"ListUsers/BadLimit", testListUsersBadLimit},
	{"DeleteUser/CascadesKeepsEvents", testDeleteUserCascades},
	{"DeleteUser/RevokedSessionsStayInRevocations", testDeleteUserRevocations},
	{"DeleteUser/Unknown", testDeleteUserUnknown},
	{"DeleteUser/TxRollsBack", testDeleteUserTxRollsBack},
	{"UserDeletions/Feed", testUserDeletionsFeed},
	{"UserDeletions/TxRollsBack", testUserDeletionTxRollsBack},
}

// UserSearch runs the ListUsers checks alone, each on a store open
// returns, for an engine that answers the search by more than one plan.
func UserSearch(t *testing.T, open func(t *testing.T) auth.Store) {
	t.Helper()
	for _, c := range adminUserCases {
		if strings.HasPrefix(c.name, "ListUsers/") {
			t.Run(c.name, func(t *testing.T) { c.test(t, open(t)) })
		}
	}
}

// mustCreateNamedUsers stores a user per username, with UUIDv7 ids made in
// order (so the last is the newest), and returns their ids newest first.
func mustCreateNamedUsers(t *testing.T, s auth.Store, names ...string) []string {
	t.Helper()
	var ids []string
	for _, name := range names {
		u := newUser()
		u.ID = uuid.Must(uuid.NewV7()).String()
		if name != "" {
			u.Username = name
		}
		if err := s.CreateUser(t.Context(), u); err != nil {
			t.Fatalf("CreateUser %s: %v", name, err)
		}
		ids = append(ids, u.ID)
	}
	slices.Reverse(ids)
	return ids
}

// userPages pages through the users matching f.
func userPages(t *testing.T, s auth.Store, f auth.UserFilter) [][]string {
	t.Helper()
	return pageIDs(t, func(after string) ([]auth.User, bool, error) {
		f.After = after
		return s.ListUsers(t.Context(), f)
	}, func(u auth.User) string { return u.ID })
}

// listIDs returns the ids of the single page matching f with limit 100.
func listIDs(t *testing.T, s auth.Store, query string) []string {
	t.Helper()
	us, more, err := s.ListUsers(t.Context(), auth.UserFilter{Query: query, Limit: 100})
	if err != nil {
		t.Fatalf("ListUsers(%q): %v", query, err)
	}
	if more {
		t.Fatalf("ListUsers(%q) says more follow", query)
	}
	ids := []string{}
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	return ids
}

func testListUsersPages(t *testing.T, s auth.Store) {
	ids := mustCreateNamedUsers(t, s, "", "", "", "", "", "", "")
	wantPages(t, userPages(t, s, auth.UserFilter{Limit: 3}), []int{3, 3, 1}, ids)
}

func testListUsersExactMultiple(t *testing.T, s auth.Store) {
	ids := mustCreateNamedUsers(t, s, "", "", "", "")
	wantPages(t, userPages(t, s, auth.UserFilter{Limit: 2}), []int{2, 2}, ids)
}

func testListUsersEmpty(t *testing.T, s auth.Store) {
	us, more, err := s.ListUsers(t.Context(), auth.UserFilter{Limit: 10})
	if err != nil || len(us) != 0 || more {
		t.Fatalf("ListUsers on no users = %v, %v, %v; want none", us, more, err)
	}
}

func testListUsersQuery(t *testing.T, s auth.Store) {
	ids := mustCreateNamedUsers(t, s, "Alice_Admin", "bob", "MALICE", "carol")
	alice, malice := ids[3], ids[1]
	for _, q := range []string{"alice", "ALICE", "lIc"} {
		if got := listIDs(t, s, q); !slices.Equal(got, []string{malice, alice}) {
			t.Errorf("ListUsers(%q) = %v, want [MALICE Alice_Admin]", q, got)
		}
	}
	// Emails are "user.<suffix>@example.com" (stored lower-cased): every
	// user matches the domain, in any case.
	if got := listIDs(t, s, "@EXAMPLE.com"); !slices.Equal(got, ids) {
		t.Errorf("ListUsers by email domain = %v, want all %v", got, ids)
	}
	u, err := s.UserByID(t.Context(), ids[2]) // bob
	if err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, s, u.Email[:10]); !slices.Equal(got, []string{u.ID}) {
		t.Errorf("ListUsers by email prefix = %v, want bob", got)
	}
	if got := listIDs(t, s, "nobody"); len(got) != 0 {
		t.Errorf("ListUsers(nobody) = %v, want none", got)
	}
}

func testListUsersWildcards(t *testing.T, s auth.Store) {
	var ids []string
	for _, ue := range [][2]string{
		{"ab_cd", "one@example.com"},
		{"abXcd", "two@example.com"},
		{"abcd", "three@example.com"},
		{"percent", "100%sure@example.com"},
		{"back", `back\slash@example.com`},
	} {
		u := newUser()
		u.ID, u.Username, u.Email = uuid.Must(uuid.NewV7()).String(), ue[0], ue[1]
		if err := s.CreateUser(t.Context(), u); err != nil {
			t.Fatalf("CreateUser %s: %v", ue[0], err)
		}
		ids = append(ids, u.ID)
	}
	under, pct, back := ids[0], ids[3], ids[4]
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"b_c", []string{under}}, // '_' is not "any one character"
		{"_", []string{under}},
		{"%", []string{pct}}, // '%' is not "anything"
		{"0%s", []string{pct}},
		{`\`, []string{back}}, // the escape character is literal too
		{`k\s`, []string{back}},
		{`b\_c`, []string{}},
		{"ab%cd", []string{}},
		{"a_c", []string{}},
	} {
		if got := listIDs(t, s, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("ListUsers(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func testListUsersQueryPages(t *testing.T, s auth.Store) {
	ids := mustCreateNamedUsers(t, s, "match_1", "other_1", "MATCH_2", "match_3", "other_2", "Match_4", "match_5")
	want := []string{ids[0], ids[1], ids[3], ids[4], ids[6]} // newest first, without the others
	wantPages(t, userPages(t, s, auth.UserFilter{Query: "match", Limit: 2}), []int{2, 2, 1}, want)
}

func testListUsersFull(t *testing.T, s auth.Store) {
	u := newUser()
	u.EmailVerified, u.IsAdmin, u.Disabled = true, true, true
	u.UpdatedAt = at(time.Hour)
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	us, _, err := s.ListUsers(t.Context(), auth.UserFilter{Limit: 1})
	if err != nil || len(us) != 1 {
		t.Fatalf("ListUsers = %v, %v", us, err)
	}
	if d := diffUser(us[0], u); d != "" {
		t.Fatalf("listed user: %s", d)
	}
}

func testListUsersBadLimit(t *testing.T, s auth.Store) {
	mustCreateUser(t, s)
	for _, limit := range []int{0, -1, 101} {
		_, _, err := s.ListUsers(t.Context(), auth.UserFilter{Limit: limit})
		var ve *auth.ValidationError
		if !errors.As(err, &ve) || ve.Fields["limit"] == "" {
			t.Errorf("ListUsers(limit %d) err = %v, want a ValidationError naming limit", limit, err)
		}
	}
}

func testDeleteUserCascades(t *testing.T, s auth.Store) {
	u, other := mustCreateUser(t, s), mustCreateUser(t, s)
	sess := mustCreateSessions(t, s, u.ID, 1)[0]
	otherSess := mustCreateSessions(t, s, other.ID, 1)[0]
	tok := mustCreateToken(t, s, u.ID, auth.PurposeResetPassword)
	ev := newEvent("login_success", u.ID, at(time.Hour))
	mustAddEvents(t, s, ev)

	if err := s.DeleteUser(t.Context(), u.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err := s.UserByID(t.Context(), u.ID)
	wantNotFound(t, err)
	_, err = s.Session(t.Context(), sess.ID)
	wantNotFound(t, err)
	_, err = s.UserToken(t.Context(), tok.Hash, tok.Purpose)
	wantNotFound(t, err)
	_, err = s.UserByLogin(t.Context(), u.Email)
	wantNotFound(t, err)
	if _, err := s.Session(t.Context(), otherSess.ID); err != nil {
		t.Fatalf("another user's session: %v", err)
	}
	evs, _, err := s.Events(t.Context(), auth.EventFilter{UserID: u.ID, Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].ID != ev.ID {
		t.Fatalf("events of the deleted user = %v, %v; want the one added", evs, err)
	}
	// The username and email are free again.
	again := newUser()
	again.Username, again.Email = u.Username, u.Email
	if err := s.CreateUser(t.Context(), again); err != nil {
		t.Fatalf("CreateUser with the deleted user's names: %v", err)
	}
}

func testDeleteUserRevocations(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	revoked := mustCreateRevoked(t, s, u.ID, time.Hour, 2*time.Hour)
	mustCreateSessions(t, s, u.ID, 1) // live: never in the feed
	other := mustCreateRevoked(t, s, mustCreateUser(t, s).ID, 90*time.Minute)

	if err := s.DeleteUser(t.Context(), u.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	want := []auth.Session{revoked[0], other[0], revoked[1]}
	got, err := s.Revocations(t.Context(), epoch, time.Time{}, "", 100)
	if err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	if !slices.Equal(sessionIDs(got), sessionIDs(want)) {
		t.Fatalf("Revocations after DeleteUser = %v, want %v", sessionIDs(got), sessionIDs(want))
	}
	for i := range got {
		wantTime(t, "RevokedAt", got[i].RevokedAt, want[i].RevokedAt)
	}
	// Paging resumes across both kinds of rows.
	got, err = s.Revocations(t.Context(), epoch, revoked[0].RevokedAt, revoked[0].ID, 1)
	if err != nil || len(got) != 1 || got[0].ID != other[0].ID {
		t.Fatalf("Revocations after the first = %v, %v; want %s", sessionIDs(got), err, other[0].ID)
	}
	got, err = s.Revocations(t.Context(), at(2*time.Hour), time.Time{}, "", 10)
	if err != nil || !slices.Equal(sessionIDs(got), []string{revoked[1].ID}) {
		t.Fatalf("Revocations since 2h = %v, %v; want %s", sessionIDs(got), err, revoked[1].ID)
	}
}

func testDeleteUserUnknown(t *testing.T, s auth.Store) {
	wantNotFound(t, s.DeleteUser(t.Context(), uuid.NewString()))
	u := mustCreateUser(t, s)
	if err := s.DeleteUser(t.Context(), u.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	wantNotFound(t, s.DeleteUser(t.Context(), u.ID))
}

func testDeleteUserTxRollsBack(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateRevoked(t, s, u.ID, time.Hour)[0]
	errBoom := errors.New("boom")
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.DeleteUser(t.Context(), u.ID); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Tx = %v, want boom", err)
	}
	if _, err := s.UserByID(t.Context(), u.ID); err != nil {
		t.Fatalf("user after rollback: %v", err)
	}
	got, err := s.Revocations(t.Context(), epoch, time.Time{}, "", 10)
	if err != nil || !slices.Equal(sessionIDs(got), []string{sess.ID}) {
		t.Fatalf("Revocations after rollback = %v, %v; want the session once", sessionIDs(got), err)
	}
	// A second delete, committed, works: no tombstone was left behind.
	if err := s.DeleteUser(t.Context(), u.ID); err != nil {
		t.Fatalf("DeleteUser after rollback: %v", err)
	}
}
