package pages

import (
	"context"
	"errors"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
)

// adminAction is one thing an admin may do to a user from the console:
// every action of the admin API.
type adminAction struct {
	// confirm, when set, is the question asked before a destructive
	// action; the action runs only from the confirmation page's form.
	confirm string
	button  string // the confirmation page's button
	run     func(ctx context.Context, svc *auth.Service, actorID, userID string, c auth.Client) error
}

// update returns the run of a PATCH /admin/users/{id} with one change.
func update(ch func(*auth.UserChanges)) func(context.Context, *auth.Service, string, string, auth.Client) error {
	return func(ctx context.Context, svc *auth.Service, actorID, userID string, c auth.Client) error {
		var changes auth.UserChanges
		ch(&changes)
		_, err := svc.AdminUpdateUser(ctx, actorID, userID, changes, c)
		return err
	}
}

func ptr(b bool) *bool { return &b }

var adminActions = map[string]adminAction{
	"verify":   {run: update(func(c *auth.UserChanges) { c.EmailVerified = ptr(true) })},
	"unverify": {run: update(func(c *auth.UserChanges) { c.EmailVerified = ptr(false) })},
	"enable":   {run: update(func(c *auth.UserChanges) { c.Disabled = ptr(false) })},
	"disable": {confirm: "Disable this account? It is signed out everywhere and cannot sign in until enabled again.",
		button: "Disable account", run: update(func(c *auth.UserChanges) { c.Disabled = ptr(true) })},
	"grant-admin": {confirm: "Make this user an administrator? They will see every account and the security log, and can change them.",
		button: "Make admin", run: update(func(c *auth.UserChanges) { c.IsAdmin = ptr(true) })},
	"revoke-admin": {confirm: "Remove the admin role? The user is signed out everywhere, since their tokens still say admin.",
		button: "Remove admin role", run: update(func(c *auth.UserChanges) { c.IsAdmin = ptr(false) })},
	"unlock": {run: func(ctx context.Context, svc *auth.Service, actorID, userID string, c auth.Client) error {
		return svc.AdminUnlock(ctx, actorID, userID, c)
	}},
	"revoke-sessions": {confirm: "Sign this user out on every device? Their API tokens stop working within seconds.",
		button: "Sign out everywhere", run: func(ctx context.Context, svc *auth.Service, actorID, userID string, c auth.Client) error {
			return svc.AdminRevokeSessions(ctx, actorID, userID, c)
		}},
	"delete": {confirm: "Delete this user for good? Their account, sessions and tokens go; the security log keeps its entries. This cannot be undone.",
		button: "Delete user", run: func(ctx context.Context, svc *auth.Service, actorID, userID string, c auth.Client) error {
			return svc.AdminDeleteUser(ctx, actorID, userID, c)
		}},
}

type confirmView struct {
	page
	Target   auth.User
	Action   string
	Question string
	Button   string
}

// handleAdminAction runs an admin action on a user. A destructive one
// first answers a confirmation page whose form sends confirm=yes.
func (p *pages) handleAdminAction(w http.ResponseWriter, r *http.Request) error {
	id, name := r.PathValue("id"), r.PathValue("action")
	a, ok := adminActions[name]
	if !ok || !validID(id) {
		return auth.ErrNotFound
	}
	actor := visitorOf(r).session.User
	if a.confirm != "" && r.PostFormValue("confirm") != "yes" {
		u, err := p.svc.User(r.Context(), id)
		if err != nil {
			return err
		}
		v := confirmView{page: p.adminBase(w, r, "Confirm", "users"), Target: u, Action: name,
			Question: a.confirm, Button: a.button}
		return p.render(w, r, http.StatusOK, "admin_confirm", v)
	}
	err := a.run(r.Context(), p.svc, actor.ID, id, p.client(r))
	switch {
	case errors.Is(err, auth.ErrSelfAction):
		v, verr := p.adminUserView(w, r, id)
		if verr != nil {
			return verr
		}
		v.Error = "You cannot remove your own admin role, unverify your own address, disable or delete your own account: another admin must."
		return p.render(w, r, http.StatusConflict, "admin_user", v)
	case err != nil:
		return err
	case name == "delete":
		http.Redirect(w, r, "/ui/admin/users?m=user_deleted", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/ui/admin/users/"+id+"?m=done", http.StatusSeeOther)
	}
	return nil
}
