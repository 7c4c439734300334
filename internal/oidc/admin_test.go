package oidc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
)

// call sends a JSON request with a bearer token and returns the status
// and the decoded body.
func (e *env) call(method, path, bearer, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// login returns an access token of name (POST /login).
func (e *env) login(name string) string {
	e.t.Helper()
	status, body := e.call("POST", "/login", "", `{"username":"`+name+`","password":"`+password+`"}`)
	if status != http.StatusOK {
		e.t.Fatalf("login %s: %d %v", name, status, body)
	}
	return body["token"].(string)
}

// TestAdminClientsAPI: GET|POST /admin/clients, DELETE /admin/clients/{id},
// for admins only; the secret is shown once; deleting a client ends the
// sessions it holds.
func TestAdminClientsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.admin("root")
		e.user("member")
		tok, member := e.login("root"), e.login("member")

		if status, _ := e.call("GET", "/admin/clients", member, ""); status != http.StatusForbidden {
			t.Errorf("member GET /admin/clients = %d, want 403", status)
		}
		status, body := e.call("POST", "/admin/clients", tok, `{"name":"","redirect_uris":["ftp://x"]}`)
		if status != http.StatusUnprocessableEntity || !strings.Contains(toJSON(body), "redirect_uris") {
			t.Errorf("invalid client = %d %v", status, body)
		}
		status, body = e.call("POST", "/admin/clients", tok, `{"name":"Grafana","redirect_uris":["https://grafana.example/login/generic_oauth"]}`)
		if status != http.StatusCreated || body["client_secret"] == "" || body["client_id"] == "" {
			t.Fatalf("create = %d %v", status, body)
		}
		id := body["client_id"].(string)
		status, body = e.call("GET", "/admin/clients", tok, "")
		if status != http.StatusOK || !strings.Contains(toJSON(body), id) || strings.Contains(toJSON(body), "secret") {
			t.Errorf("list = %d %v (the secret must not be listed)", status, body)
		}

		// A session the client holds ends with it.
		app := e.newRP(false, true)
		b := e.browser()
		p := newPKCE()
		tokApp, err := app.exchange(app.signInToApp(b, "member", p, "s", "n").Get("code"), p)
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := e.call("DELETE", "/admin/clients/"+app.client.ID, tok, ""); status != http.StatusNoContent {
			t.Fatalf("delete = %d", status)
		}
		if _, err := app.userinfo(tokApp); err == nil {
			t.Error("a deleted client's token still works")
		}
		if status, _ := e.call("DELETE", "/admin/clients/"+app.client.ID, tok, ""); status != http.StatusNotFound {
			t.Errorf("delete again = %d, want 404", status)
		}
		e.wantEvent(t, auth.EventClientCreated)
		e.wantEvent(t, auth.EventClientDeleted)
	})
}

// TestAdminClientsPage: the console lists, registers (showing the secret
// once) and deletes clients.
func TestAdminClientsPage(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.admin("boss")
		b := e.browser()
		b.signIn(b.get(e.url+"/ui/login"), "boss")
		pg := b.get(e.url + "/ui/admin/clients")
		if pg.status != http.StatusOK || !strings.Contains(pg.body, "No clients yet") {
			t.Fatalf("clients page: %d", pg.status)
		}
		bad := b.post(e.url+"/ui/admin/clients", url.Values{"csrf": {field(t, csrfRE, pg)}, "name": {"App"},
			"redirect_uris": {"javascript:alert(1)"}})
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "Redirect URIs must") {
			t.Errorf("bad redirect: %d", bad.status)
		}
		made := b.post(e.url+"/ui/admin/clients", url.Values{"csrf": {field(t, csrfRE, pg)}, "name": {"Wiki"},
			"redirect_uris": {"https://wiki.example/cb\nhttp://localhost:3000/cb"}, "first_party": {"true"}})
		if made.status != http.StatusCreated || !strings.Contains(made.body, "Client secret") || !strings.Contains(made.body, "Wiki is registered") {
			t.Fatalf("register: %d", made.status)
		}
		cs, _ := e.provider.Clients(ctx(t))
		if len(cs) != 1 || len(cs[0].RedirectURIs) != 2 || !cs[0].FirstParty || cs[0].Public {
			t.Fatalf("clients = %+v", cs)
		}
		if again := b.get(e.url + "/ui/admin/clients"); strings.Contains(again.body, "Client secret") {
			t.Error("the secret is shown again")
		}
		del := b.post(e.url+"/ui/admin/clients/"+cs[0].ID+"/delete", url.Values{"csrf": {field(t, csrfRE, pg)}})
		if del.status != http.StatusOK || !strings.Contains(del.body, "The client was deleted") {
			t.Errorf("delete: %d", del.status)
		}
	})
}

// admin registers a verified admin.
func (e *env) admin(name string) {
	e.t.Helper()
	if _, err := e.svc.Register(e.t.Context(), auth.Registration{Username: name, Email: name + "@example.com",
		Password: password, EmailVerified: true, IsAdmin: true}, auth.Client{}); err != nil {
		e.t.Fatal(err)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
