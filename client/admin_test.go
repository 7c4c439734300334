package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/bizy-auth/bizy/client"
)

func TestAdminStats(t *testing.T) {
	b := startBizy(t)
	b.mustUser(t, "root", true)
	c := b.newClient(t, client.Config{})
	root, nora := login(t, c, "root"), b.newUser(t, c, "nora")
	ctx := context.Background()
	for _, nt := range []client.NewTask{{Title: "a"}, {Title: "b", Status: client.TaskDone}} {
		if _, err := nora.CreateTask(ctx, nt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := nora.CreateGoal(ctx, client.NewGoal{Title: "g"}); err != nil {
		t.Fatal(err)
	}

	s, err := root.AdminStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Tasks != 2 || s.TasksByStatus[client.TaskDone] != 1 || s.TasksByStatus[client.TaskTodo] != 1 ||
		s.Goals != 1 || s.GoalsByStatus[client.GoalActive] != 1 || s.UsersWithData != 1 {
		t.Fatalf("AdminStats = %+v", s)
	}
	_, err = nora.AdminStats(ctx)
	wantError(t, err, http.StatusForbidden, client.CodeForbidden)
}

func TestAdminUsersAndEvents(t *testing.T) {
	b := startBizy(t)
	rootUser := b.mustUser(t, "root", true)
	otto := b.mustUser(t, "otto", false)
	paige := b.mustUser(t, "paige", false)
	c := b.newClient(t, client.Config{AuthURL: b.AuthURL})
	root := login(t, c, "root")
	ctx := context.Background()

	page, err := root.ListUsers(ctx, client.UserQuery{Query: "OTT"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != otto.ID || page.Items[0].UpdatedAt.IsZero() {
		t.Fatalf("ListUsers(OTT) = %+v, %v", page, err)
	}
	var names []string
	for u, err := range root.AllUsers(ctx, client.UserQuery{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, u.Username)
	}
	if len(names) != 3 || names[0] != "paige" || names[2] != "root" {
		t.Fatalf("AllUsers = %v, want paige, otto, root", names)
	}
	if u, err := root.GetUser(ctx, otto.ID); err != nil || u.Username != "otto" || u.Disabled {
		t.Fatalf("GetUser = %+v, %v", u, err)
	}

	// Disable otto; an admin cannot demote themselves.
	u, err := root.UpdateUser(ctx, otto.ID, client.UserChanges{Disabled: new(true)})
	if err != nil || !u.Disabled || u.IsAdmin {
		t.Fatalf("UpdateUser = %+v, %v", u, err)
	}
	_, err = c.Login(ctx, "otto", goodPassword)
	wantError(t, err, http.StatusForbidden, client.CodeAccountDisabled)
	_, err = root.UpdateUser(ctx, rootUser.ID, client.UserChanges{IsAdmin: new(false)})
	wantError(t, err, http.StatusConflict, client.CodeSelfActionForbidden)

	// Lock paige out, then unlock her.
	for range 5 {
		_, err := c.Login(ctx, "paige", "Wr0ng!Password")
		wantError(t, err, http.StatusUnauthorized, client.CodeInvalidCredentials)
	}
	_, err = c.Login(ctx, "paige", goodPassword)
	wantError(t, err, http.StatusLocked, client.CodeAccountLocked)
	if err := root.UnlockUser(ctx, paige.ID); err != nil {
		t.Fatal(err)
	}
	paigeC := login(t, c, "paige")

	// The log has her failures; a filter that can match nothing is a 422.
	events, err := root.ListEvents(ctx, client.EventQuery{UserID: paige.ID, Type: "login_failure"})
	if err != nil || len(events.Items) != 5 || events.Items[0].UserID != paige.ID || events.Items[0].IP == "" {
		t.Fatalf("ListEvents = %+v, %v", events, err)
	}
	n := 0
	for e, err := range root.AllEvents(ctx, client.EventQuery{UserID: paige.ID, Limit: 2}) {
		if err != nil || e.UserID != paige.ID {
			t.Fatalf("AllEvents yielded %+v, %v", e, err)
		}
		n++
	}
	if n < 7 { // 5 failures, the lock, a locked try, the unlock, the login...
		t.Fatalf("AllEvents yielded %d of paige's events", n)
	}
	_, err = root.ListEvents(ctx, client.EventQuery{Type: "Not A Type"})
	wantFields(t, err, "type")

	// Paige is no admin.
	_, err = paigeC.ListUsers(ctx, client.UserQuery{})
	wantError(t, err, http.StatusForbidden, client.CodeAdminRequired)

	if err := root.RevokeUserSessions(ctx, paige.ID); err != nil {
		t.Fatal(err)
	}
	_, err = accessOnly(paigeC).Profile(ctx)
	wantError(t, err, http.StatusUnauthorized, client.CodeSessionRevoked)

	if err := root.DeleteUser(ctx, otto.ID); err != nil {
		t.Fatal(err)
	}
	_, err = root.GetUser(ctx, otto.ID)
	wantError(t, err, http.StatusNotFound, client.CodeNotFound)
	wantError(t, root.DeleteUser(ctx, rootUser.ID), http.StatusConflict, client.CodeSelfActionForbidden)

	// The API does not pass the admin API on.
	viaAPI := b.newClient(t, client.Config{}).WithTokens(root.Tokens())
	if _, err := viaAPI.ListUsers(ctx, client.UserQuery{}); !errors.Is(err, client.ErrNoAuthURL) {
		t.Fatalf("ListUsers without AuthURL = %v, want ErrNoAuthURL", err)
	}
}
