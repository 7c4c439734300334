package main

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
)

// TestDeletedUserDataErased deletes a user through the admin API and waits
// for the API to erase their tasks and goals, as GET /api/admin/stats
// shows, while another user's stay: with the services apart (polling, and
// Redis when BIZY_TEST_REDIS_URL is set) and under serve.
func TestDeletedUserDataErased(t *testing.T) {
	t.Parallel()
	for name, extra := range feedModes(t) {
		t.Run("split/"+name, func(t *testing.T) {
			share(t)
			common := append([]string{"--data-dir", dataDir(t), "--bcrypt-cost", "10"}, extra...)
			authAddr, apiAddr := freeAddr(t), freeAddr(t)
			authBase, api := "http://"+authAddr, "http://"+apiAddr
			startCmd(t, authBase+"/health", append([]string{"auth", "--auth-addr", authAddr}, common...)...)
			startCmd(t, api+"/health", append([]string{"api", "--api-addr", apiAddr, "--auth-server-url", authBase}, common...)...)
			testErasure(t, common, authBase, api)
		})
	}
	t.Run("split/postgres/two-api-copies", func(t *testing.T) {
		share(t)
		if os.Getenv(pgtest.EnvURL) == "" {
			t.Skip(pgtest.EnvURL + " not set")
		}
		common := []string{"--database-url", pgtest.SchemaURL(t), "--data-dir", dataDir(t), "--bcrypt-cost", "10"}
		authAddr, apiAddr, api2Addr := freeAddr(t), freeAddr(t), freeAddr(t)
		authBase := "http://" + authAddr
		startCmd(t, authBase+"/health", append([]string{"auth", "--auth-addr", authAddr}, common...)...)
		for _, a := range []string{apiAddr, api2Addr} { // both erase, into one shared database
			startCmd(t, "http://"+a+"/health", append([]string{"api", "--api-addr", a, "--auth-server-url", authBase}, common...)...)
		}
		testErasure(t, common, authBase, "http://"+apiAddr)
	})
	t.Run("serve", func(t *testing.T) {
		share(t)
		common := []string{"--data-dir", dataDir(t), "--bcrypt-cost", "10"}
		authBase, api := startServe(t, common...)
		testErasure(t, common, authBase, api)
	})
}

// testErasure is TestDeletedUserDataErased on running services; common
// are the flags that reach their database.
func testErasure(t *testing.T, common []string, authBase, api string) {
	for _, u := range [][]string{{"root", "--admin"}, {"bob"}} {
		if _, err := runCmd(t, "", append(append([]string{"user", "create", "--username", u[0], "--email", u[0] + "@example.com",
			"--password", "Tr1cky!Horse", "--verified"}, u[1:]...), common...)...); err != nil {
			t.Fatal(err)
		}
	}
	login := func(name string) (tok, id string) {
		res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"`+name+`","password":"Tr1cky!Horse"}`)
		wantStatus(t, "login", res, body, 200)
		return body["token"].(string), body["user"].(map[string]any)["id"].(string)
	}
	admin, _ := login("root")
	bob, bobID := login("bob")
	res, body := sendJSON(t, "POST", api+"/api/goals", bob, `{"title":"bob's goal"}`)
	wantStatus(t, "create goal", res, body, 201)
	for _, c := range []struct{ tok, body string }{
		{bob, `{"title":"bob 1","goal_id":"` + body["id"].(string) + `"}`}, {bob, `{"title":"bob 2"}`}, {admin, `{"title":"root's"}`},
	} {
		res, body := sendJSON(t, "POST", api+"/api/tasks", c.tok, c.body)
		wantStatus(t, "create task", res, body, 201)
	}
	stats := func() (tasks, goals float64) {
		res, body := getJSON(t, api+"/api/admin/stats", admin)
		wantStatus(t, "stats", res, body, 200)
		return body["tasks"].(float64), body["goals"].(float64)
	}
	if tasks, goals := stats(); tasks != 3 || goals != 1 {
		t.Fatalf("stats before = %v tasks, %v goals; want 3, 1", tasks, goals)
	}

	req, _ := http.NewRequest("DELETE", authBase+"/admin/users/"+bobID, nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete bob = %d", res.StatusCode)
	}
	took := within(t, "the API erases bob's tasks and goals", func() bool {
		tasks, goals := stats()
		return tasks == 1 && goals == 0
	})
	t.Logf("erased %v after the deletion", took)
	res, body = getJSON(t, api+"/api/tasks", admin)
	wantStatus(t, "root's tasks", res, body, 200)
	if items := body["items"].([]any); len(items) != 1 || !strings.Contains(items[0].(map[string]any)["title"].(string), "root") {
		t.Fatalf("root's tasks after bob's erasure = %v", items)
	}
}
